// The compare screen (see compare_panel.h).
#include "compare_panel.h"

#include "curve_panel.h"
#include "store/run_store.h"

#include "plot_colors.h"
#include "qcustomplot_include.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace rf::gui {

namespace {

const char* kMetrics[] = {"reward", "loss", "kl", "eval/recall@10", "eval/ndcg@10", "eval/ilad", "eval/novelty",
                          "eval/satisfaction", "eval/format", "eval/mae", "eval/rmse"};

}  // namespace

ComparePanel::ComparePanel(QWidget* parent) : QWidget(parent) {
  table_ = new QTableWidget(this);
  table_->setObjectName("compareTable");
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  plot_ = new QCustomPlot(this);
  plot_->setObjectName("compareScatter");
  plot_->legend->setVisible(true);
  // The legend below the axes, in a row: inside, it would hide the points in its corner.
  plot_->axisRect()->insetLayout()->take(plot_->legend);
  plot_->plotLayout()->addElement(1, 0, plot_->legend);
  plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
  plot_->plotLayout()->setRowStretchFactor(1, 0.001);
  x_ = new QComboBox(this);
  y_ = new QComboBox(this);
  x_->setObjectName("compareX");
  y_->setObjectName("compareY");
  auto* axes = new QHBoxLayout;
  axes->addWidget(new QLabel(tr("Accuracy (x)"), this));
  axes->addWidget(x_);
  axes->addWidget(new QLabel(tr("against (y)"), this));
  axes->addWidget(y_);
  axes->addStretch();
  auto* right = new QWidget(this);
  auto* rl = new QVBoxLayout(right);
  rl->setContentsMargins(0, 0, 0, 0);
  rl->addLayout(axes);
  rl->addWidget(plot_, 1);
  // The runs' curves overlaid (the live-curves widget itself, on the same store), below table and scatter.
  curves_ = new CurvePanel(this);
  curves_->setObjectName("compareCurves");
  curves_->setMetrics({"reward"});
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(table_);
  split->addWidget(right);
  auto* outer = new QSplitter(Qt::Vertical, this);
  outer->addWidget(split);
  outer->addWidget(curves_);
  outer->setStretchFactor(0, 3);
  outer->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(outer);
  for (const char* m : {"ndcg@10", "recall@10", "satisfaction", "format"}) x_->addItem(m);
  for (const char* m : {"ilad", "novelty", "coverage"}) y_->addItem(m);
  connect(x_, &QComboBox::currentIndexChanged, this, [this] { rebuildPlot(); });
  connect(y_, &QComboBox::currentIndexChanged, this, [this] { rebuildPlot(); });
}

void ComparePanel::setProject(const QString& project_dir) {
  project_ = project_dir;
  runs_.clear();
  curves_->setStorePath(QString::fromStdString(run_store_path(project_dir.toStdString())));
  refresh();
}

void ComparePanel::setRuns(const std::vector<int64_t>& runs) {
  runs_ = runs;
  curves_->setRuns(runs);
  refresh();
}

void ComparePanel::setAxes(const QString& x_metric, const QString& y_metric) {
  if (x_->findText(x_metric) < 0) x_->addItem(x_metric);
  if (y_->findText(y_metric) < 0) y_->addItem(y_metric);
  x_->setCurrentText(x_metric);
  y_->setCurrentText(y_metric);
  rebuildPlot();
}

void ComparePanel::refresh() {
  rebuildTable();
  rebuildPlot();
}

void ComparePanel::rebuildTable() {
  table_->clear();
  table_->setRowCount(0);
  table_->setColumnCount(static_cast<int>(runs_.size()));
  if (runs_.empty() || project_.isEmpty()) return;
  QStringList headers, row_names;
  std::vector<QStringList> cells;  // per row
  try {
    SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
    std::vector<nlohmann::json> configs;
    for (int64_t run : runs_) {
      const auto rec = run_store_run(db, run);
      headers << (rec ? QString("#%1 %2").arg(run).arg(QString::fromStdString(rec->name)) : QString("#%1").arg(run));
      configs.push_back(rec ? rec->config : nlohmann::json::object());
    }
    for (const auto& [path, values] : compare_config_differences(configs)) {
      if (path == "name") continue;  // the header has it
      row_names << QString::fromStdString(path);
      QStringList r;
      for (const auto& v : values) r << QString::fromStdString(v);
      cells.push_back(r);
    }
    for (const char* metric : kMetrics) {
      QStringList r;
      bool any = false;
      for (int64_t run : runs_) {
        const MetricBestLast m = compare_best_last(db, run, metric);
        if (m.last_step < 0) {
          r << "–";
          continue;
        }
        any = true;
        r << QString("best %1 @%2 · last %3").arg(m.best, 0, 'g', 4).arg(m.best_step).arg(m.last, 0, 'g', 4);
      }
      if (!any) continue;
      row_names << QString::fromUtf8(metric) + (compare_lower_is_better(metric) ? " ↓" : " ↑");
      cells.push_back(r);
    }
    // Each run's last evaluation against the first selected run's, user by user (engine/eval_compare.h):
    // whether a gap in the rows above is beyond the noise of the users it was measured on.
    if (runs_.size() >= 2) {
      const EvalRef reference{runs_.front()};
      for (const std::string& metric : eval_user_metrics(db, reference)) {
        QStringList r{tr("reference")};
        bool any = false;
        for (size_t i = 1; i < runs_.size(); ++i) {
          const EvalComparison c = eval_compare(db, reference, {runs_[i]}, metric);
          any = any || c.difference.n > 0;
          r << QString::fromStdString(compare_paired_text(c));
        }
        if (!any) continue;
        row_names << tr("Δ %1 vs #%2, paired").arg(QString::fromStdString(metric)).arg(runs_.front());
        cells.push_back(r);
      }
    }
  } catch (const std::exception& e) {
    row_names = {tr("error")};
    cells = {QStringList{QString::fromStdString(e.what())}};
  }
  table_->setHorizontalHeaderLabels(headers);
  table_->setRowCount(static_cast<int>(row_names.size()));
  table_->setVerticalHeaderLabels(row_names);
  for (int r = 0; r < row_names.size(); ++r)
    for (int c = 0; c < cells[static_cast<size_t>(r)].size() && c < table_->columnCount(); ++c)
      table_->setItem(r, c, new QTableWidgetItem(cells[static_cast<size_t>(r)][c]));
  table_->resizeColumnsToContents();
}

void ComparePanel::rebuildPlot() {
  plot_->clearGraphs();
  points_.clear();
  front_.clear();
  if (!runs_.empty() && !project_.isEmpty()) {
    try {
      SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
      points_ = compare_eval_points(db, runs_, x_->currentText().toStdString(), y_->currentText().toStdString());
    } catch (const std::exception&) {
      points_.clear();
    }
  }
  front_ = compare_pareto_front(points_);
  for (size_t i = 0; i < runs_.size(); ++i) {
    QCPGraph* g = plot_->addGraph();
    g->setName(QString("run %1").arg(runs_[i]));
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, plot_color(i), plot_color(i), 8));
    for (const ComparePoint& p : points_)
      if (p.run == runs_[i]) g->addData(p.x, p.y);
  }
  if (!front_.empty()) {
    QCPGraph* f = plot_->addGraph();
    f->setName(tr("Pareto front"));
    f->setPen(QPen(QColor(90, 90, 90), 1.5, Qt::DashLine));
    f->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(90, 90, 90), 14));  // rings the front's points
    for (size_t i : front_) f->addData(points_[i].x, points_[i].y);
  }
  plot_->xAxis->setLabel(x_->currentText());
  plot_->yAxis->setLabel(y_->currentText());
  plot_->rescaleAxes();
  plot_->xAxis->scaleRange(1.25);
  plot_->yAxis->scaleRange(1.25);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace rf::gui
