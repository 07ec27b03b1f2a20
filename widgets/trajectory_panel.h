// The trajectory inspector (DESIGN.md §8.5): a run's GRPO steps → their prompt groups → each completion.
// A completion is shown with its tags highlighted and its answer's hits marked; its parsed answer as a
// table of the items (title, categories, popularity, hit); its reward breakdown as weighted bars with each
// component's explanation; its advantage; token by token, shaded by each token's sampled log-probability. Filters: format failures, zero-variance groups, top / bottom N
// by reward, one user, text search. Two completions side by side. Rows come from the run store (read
// again every two seconds while the run writes), item data from the project's data set.
#pragma once

#include "data/dataset.h"
#include "store/run_store.h"
#include "text/tokenizer.h"
#include "trajectory_filter.h"

#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableWidget;
class QTabWidget;
class QTextEdit;
class QTimer;
class QTreeWidget;

namespace rf::gui {

class CompletionHighlighter;
class RewardBars;
class TokenView;

class TrajectoryPanel : public QWidget {
  Q_OBJECT

 public:
  explicit TrajectoryPanel(QWidget* parent = nullptr);
  ~TrajectoryPanel() override;

  void setProject(const QString& project_dir);
  void setRun(int64_t run);  // 0 = none
  int64_t run() const { return run_; }
  std::vector<int64_t> steps() const { return steps_; }
  bool setStep(int64_t step);
  int64_t step() const;
  void setFilter(const TrajectoryFilter& f);
  TrajectoryFilter filter() const;

  // What the tree lists: indices into rows(), in display order.
  const std::vector<TrajectoryRow>& rows() const { return rows_; }
  std::vector<size_t> listed() const { return listed_; }
  // Shows rows()[i] (and, in compare mode, rows()[j] beside it).
  void showTrajectory(size_t i);
  void compare(size_t i, size_t j);
  QString shownText() const;
  QStringList shownItems() const;   // the parsed answer's ids, in order
  QStringList shownHits() const;    // those that are targets
  RewardBars* rewardBars() const { return bars_; }
  TokenView* tokenView() const { return tokens_; }
  void refresh();

 private:
  void reloadSteps();
  void reloadRows();
  void rebuildTree();
  void showTokens(const TrajectoryRow& r);
  const Dataset* dataset();

  QString project_;
  int64_t run_ = 0;
  std::vector<int64_t> steps_;
  std::vector<TrajectoryRow> rows_;
  std::vector<size_t> listed_;
  std::unique_ptr<Dataset> ds_;
  std::string ds_key_;         // project + data set name of ds_
  std::string dataset_name_;   // the run config's data.dataset
  std::string model_dir_;      // the run's model folder: its tokenizer turns stored ids into token texts
  std::unique_ptr<Tokenizer> tokenizer_;
  std::string tokenizer_dir_;
  QStringList shown_items_, shown_hits_;

  QLabel* title_ = nullptr;
  QComboBox* step_ = nullptr;
  QCheckBox* format_failures_ = nullptr;
  QCheckBox* zero_variance_ = nullptr;
  QComboBox* top_ = nullptr;
  QLineEdit* user_ = nullptr;
  QLineEdit* search_ = nullptr;
  QTreeWidget* tree_ = nullptr;
  QTextEdit* text_ = nullptr;
  QTextEdit* text_b_ = nullptr;
  QTabWidget* views_ = nullptr;  // the completion as text / token by token
  TokenView* tokens_ = nullptr;
  CompletionHighlighter* highlight_ = nullptr;
  CompletionHighlighter* highlight_b_ = nullptr;
  QTableWidget* items_ = nullptr;
  RewardBars* bars_ = nullptr;
  QLabel* advantage_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace rf::gui
