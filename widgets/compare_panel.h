// The compare screen (DESIGN.md §8.7): the selected runs side by side — a table of the config fields on
// which they differ and each metric's best and last value — and a scatter of the models' held-out
// evaluations (every evaluated step of every run: accuracy against diversity or novelty, the metrics
// chosen in the combo boxes) with the Pareto front drawn: the trade-off the reward weights move along; and
// the runs' curves overlaid (a CurvePanel on the same store: any metric, smoothing, export).
#pragma once

#include "run_compare.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QCustomPlot;
class QTableWidget;

namespace rf::gui {

class CurvePanel;

class ComparePanel : public QWidget {
  Q_OBJECT

 public:
  explicit ComparePanel(QWidget* parent = nullptr);
  void setProject(const QString& project_dir);
  void setRuns(const std::vector<int64_t>& runs);
  void setAxes(const QString& x_metric, const QString& y_metric);
  void refresh();

  CurvePanel* curves() const { return curves_; }
  QTableWidget* table() const { return table_; }
  QCustomPlot* plot() const { return plot_; }
  const std::vector<ComparePoint>& points() const { return points_; }
  const std::vector<size_t>& front() const { return front_; }

 private:
  void rebuildTable();
  void rebuildPlot();
  QString project_;
  std::vector<int64_t> runs_;
  std::vector<ComparePoint> points_;
  std::vector<size_t> front_;
  QTableWidget* table_ = nullptr;
  QCustomPlot* plot_ = nullptr;
  QComboBox* x_ = nullptr;
  QComboBox* y_ = nullptr;
  CurvePanel* curves_ = nullptr;
};

}  // namespace rf::gui
