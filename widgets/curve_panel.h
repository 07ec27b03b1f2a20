// Live curves (DESIGN.md §8.4): the chosen metrics of the chosen runs drawn with QCustomPlot, each as its
// EMA-smoothed line over the raw values drawn faint, with a slider for the smoothing weight, a log scale,
// vertical markers where a weight, the temperature or the learning rate changed or the run paused, a
// tooltip with the exact value under the mouse, and export to PNG, PDF and CSV (every point of the chosen
// runs and metrics). The data come from a CurveSource polled on a timer (≤ 2 redraws a second while runs
// write), so a run in this process and one in a recforge-cli beside it look the same.
#pragma once

#include "curve_source.h"

#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QCustomPlot;
class QLabel;
class QListWidget;
class QSlider;
class QTimer;

namespace rf::gui {

class CurvePanel : public QWidget {
  Q_OBJECT

 public:
  explicit CurvePanel(QWidget* parent = nullptr);
  ~CurvePanel() override;

  // The project's run store; clears the runs shown.
  void setStorePath(const QString& path);
  void setRuns(const std::vector<int64_t>& runs);
  const std::vector<int64_t>& runs() const { return runs_; }
  // Checks these metrics (the others are unchecked); unknown names are remembered for when they appear.
  void setMetrics(const QStringList& metrics);
  QStringList metrics() const;
  void setSmoothing(double weight);  // [0, 0.99]
  double smoothing() const;
  void setLogScale(bool on);

  // Reads new rows now and redraws when something changed (the timer calls it); true when it did.
  bool refresh();
  QCustomPlot* plot() const { return plot_; }
  const CurveSource* source() const { return source_.get(); }
  // (run, metric) of each smoothed line drawn, in drawing order.
  std::vector<std::pair<int64_t, std::string>> drawnSeries() const { return drawn_; }
  int markerCount() const { return markers_; }

  bool exportCsv(const QString& path) const;
  bool exportImage(const QString& path) const;  // .png or .pdf by the suffix

 Q_SIGNALS:
  void metricsChanged();

 private:
  void rebuildMetricList();
  void redraw();
  void showTooltip(QMouseEvent* e);

  std::unique_ptr<CurveSource> source_;
  std::vector<int64_t> runs_;
  QStringList wanted_;  // checked metric names
  std::vector<std::pair<int64_t, std::string>> drawn_;
  int markers_ = 0;
  QListWidget* metric_list_ = nullptr;
  QCustomPlot* plot_ = nullptr;
  QSlider* smoothing_ = nullptr;
  QLabel* smoothing_label_ = nullptr;
  QCheckBox* log_scale_ = nullptr;
  QTimer* timer_ = nullptr;
  bool updating_list_ = false;
};

}  // namespace rf::gui
