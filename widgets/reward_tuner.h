// The reward tuner (DESIGN.md §8.6): a slider per reward component of a GRPO run. Moving one re-scores the
// run's stored trajectories of the last N steps under the new weights at once (reward_whatif.h: totals,
// advantages, best completions, what GRPO would push up per component), before any training. Releasing
// it, when the run trains in this window, applies the weight to the running run at its next step (an event
// in the run store, a marker on the curves); each drag is one step on the undo stack (Ctrl+Z sends the
// previous weight back).
#pragma once

#include "reward_whatif.h"

#include <QWidget>

#include <map>
#include <string>
#include <vector>

class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QTableWidget;
class QUndoStack;

namespace rf::gui {

class RunSession;

class RewardTuner : public QWidget {
  Q_OBJECT

 public:
  explicit RewardTuner(RunSession* session, QWidget* parent = nullptr);

  void setProject(const QString& project_dir);
  void setRun(int64_t run);
  int64_t run() const { return run_; }
  QStringList components() const;
  double weight(const QString& component) const;      // as the slider stands
  // Moves the slider (what-if only); applyWeight also sends it to the running run (one undo step).
  void setWeight(const QString& component, double w);
  bool applyWeight(const QString& component, double w);
  bool live() const;  // the run trains in this window: weights can be applied
  QUndoStack* undoStack() const { return undo_; }
  const WhatIfResult& whatIf() const { return whatif_; }
  void reloadTrajectories();

 private:
  struct Row {
    QString name;
    double applied = 0;  // the weight the run has now (stored config, then every change sent)
    QSlider* slider = nullptr;
    QDoubleSpinBox* spin = nullptr;
    QLabel* applied_label = nullptr;
  };
  void rebuildRows(const nlohmann::json& components);
  void recompute();
  void sendWeight(const QString& component, double w);  // to the session, without an undo step
  Row* row(const QString& name);

  RunSession* session_ = nullptr;
  QString project_;
  int64_t run_ = 0;
  std::string scale_rewards_ = "group";
  std::vector<TrajectoryRow> rows_;
  std::vector<Row> comps_;
  WhatIfResult whatif_;
  bool syncing_ = false;

  QLabel* title_ = nullptr;
  QSpinBox* last_steps_ = nullptr;
  QGridLayout* grid_ = nullptr;
  QWidget* grid_box_ = nullptr;
  QLabel* summary_ = nullptr;
  QTableWidget* table_ = nullptr;
  QUndoStack* undo_ = nullptr;
  QPushButton* undo_button_ = nullptr;
};

}  // namespace rf::gui
