// The runs of a project (DESIGN.md §8.3, the list half): a table read from the run store and refreshed
// every second (id, name, trainer, recipe, status, last step, updated), a multiple selection that the
// curves follow, and the buttons that steer the run training in this process (pause, resume, stop) or
// continue a stopped or crashed one from its last checkpoint. Starting runs from a form comes with the
// run launcher; here a run is started by the session's owner.
#pragma once

#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;

namespace rf::gui {

class RunSession;

class RunsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit RunsPanel(RunSession* session, QWidget* parent = nullptr);

  void setProject(const QString& project_dir);
  QString project() const { return project_; }
  std::vector<int64_t> selectedRuns() const;
  std::vector<int64_t> allRuns() const;  // as listed: newest first
  void selectRuns(const std::vector<int64_t>& runs);
  int rowCount() const;
  QTableWidget* table() const { return table_; }
  void refresh();

 Q_SIGNALS:
  void selectionChanged(const std::vector<int64_t>& runs);
  // "New run from its weights": a fresh run that starts from the selected run's last checkpoint.
  void newRunFromWeights(qint64 run);

 private:
  void updateButtons();
  void applySelection(const std::vector<int64_t>& runs);  // selects exactly these runs' rows
  void resumeSelected();
  RunSession* session_ = nullptr;
  QString project_;
  QTableWidget* table_ = nullptr;
  QPushButton* pause_ = nullptr;
  QPushButton* resume_ = nullptr;
  QPushButton* stop_ = nullptr;
  QPushButton* continue_ = nullptr;
  QPushButton* fork_ = nullptr;
  QLabel* status_ = nullptr;
  QTimer* timer_ = nullptr;
  bool filling_ = false;
};

}  // namespace rf::gui
