// The live-curves panel (see curve_panel.h).
#include "curve_panel.h"

#include "curve_smoothing.h"
#include "plot_colors.h"
#include "qcustomplot_include.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSaveFile>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace rf::gui {

CurvePanel::CurvePanel(QWidget* parent) : QWidget(parent) {
  metric_list_ = new QListWidget(this);
  metric_list_->setObjectName("curveMetrics");
  metric_list_->setToolTip(tr("Metrics to draw (TRL's names; eval/… are held-out evaluations)"));
  plot_ = new QCustomPlot(this);
  plot_->setObjectName("curvePlot");
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->legend->setVisible(true);
  plot_->xAxis->setLabel(tr("step"));
  plot_->setMouseTracking(true);

  smoothing_ = new QSlider(Qt::Horizontal, this);
  smoothing_->setObjectName("curveSmoothing");
  smoothing_->setRange(0, 99);
  smoothing_->setValue(60);
  smoothing_->setToolTip(tr("EMA smoothing weight (0 = raw); the raw values stay drawn faintly"));
  smoothing_label_ = new QLabel(this);
  log_scale_ = new QCheckBox(tr("Log scale"), this);
  log_scale_->setObjectName("curveLogScale");
  auto* png = new QPushButton(tr("Export image…"), this);
  auto* csv = new QPushButton(tr("Export CSV…"), this);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Smoothing"), this));
  controls->addWidget(smoothing_, 1);
  controls->addWidget(smoothing_label_);
  controls->addWidget(log_scale_);
  controls->addStretch();
  controls->addWidget(png);
  controls->addWidget(csv);
  auto* right = new QWidget(this);
  auto* rl = new QVBoxLayout(right);
  rl->setContentsMargins(0, 0, 0, 0);
  rl->addLayout(controls);
  rl->addWidget(plot_, 1);
  auto* split = new QSplitter(this);
  split->addWidget(metric_list_);
  split->addWidget(right);
  split->setStretchFactor(1, 4);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split);

  wanted_ = {"reward", "loss"};
  connect(metric_list_, &QListWidget::itemChanged, this, [this](QListWidgetItem*) {
    if (updating_list_) return;
    wanted_.clear();
    for (int i = 0; i < metric_list_->count(); ++i)
      if (metric_list_->item(i)->checkState() == Qt::Checked) wanted_ << metric_list_->item(i)->text();
    redraw();
    Q_EMIT metricsChanged();
  });
  connect(smoothing_, &QSlider::valueChanged, this, [this] { redraw(); });
  connect(log_scale_, &QCheckBox::toggled, this, [this] { redraw(); });
  connect(png, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Export curves"), "curves.png", tr("Images (*.png *.pdf)"));
    if (!f.isEmpty()) exportImage(f);
  });
  connect(csv, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Export curves as CSV"), "curves.csv", tr("CSV (*.csv)"));
    if (!f.isEmpty()) exportCsv(f);
  });
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) { showTooltip(e); });

  timer_ = new QTimer(this);
  timer_->setInterval(500);
  connect(timer_, &QTimer::timeout, this, [this] { refresh(); });
  timer_->start();
  redraw();
}

CurvePanel::~CurvePanel() = default;

void CurvePanel::setStorePath(const QString& path) {
  source_ = std::make_unique<CurveSource>(path.toStdString());
  runs_.clear();
  refresh();
  redraw();
}

void CurvePanel::setRuns(const std::vector<int64_t>& runs) {
  runs_ = runs;
  if (source_) source_->poll(runs_);
  rebuildMetricList();
  redraw();
}

void CurvePanel::setMetrics(const QStringList& metrics) {
  wanted_ = metrics;
  rebuildMetricList();
  redraw();
}

QStringList CurvePanel::metrics() const { return wanted_; }

void CurvePanel::setSmoothing(double weight) { smoothing_->setValue(static_cast<int>(std::lround(weight * 100))); }

double CurvePanel::smoothing() const { return smoothing_->value() / 100.0; }

void CurvePanel::setLogScale(bool on) { log_scale_->setChecked(on); }

bool CurvePanel::refresh() {
  if (!source_ || runs_.empty()) return false;
  bool changed = false;
  try {
    changed = source_->poll(runs_);
  } catch (const std::exception& e) {
    setToolTip(QString::fromStdString(e.what()));  // a store being written by a newer build, say: keep going
    return false;
  }
  if (!changed) return false;
  rebuildMetricList();
  redraw();
  return true;
}

void CurvePanel::rebuildMetricList() {
  if (!source_) return;
  const std::vector<std::string> names = source_->metric_names(runs_);
  QStringList have;
  for (int i = 0; i < metric_list_->count(); ++i) have << metric_list_->item(i)->text();
  QStringList want;
  for (const auto& n : names) want << QString::fromStdString(n);
  if (have == want) return;
  updating_list_ = true;
  metric_list_->clear();
  for (const QString& n : want) {
    auto* item = new QListWidgetItem(n, metric_list_);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(wanted_.contains(n) ? Qt::Checked : Qt::Unchecked);
  }
  updating_list_ = false;
}

void CurvePanel::redraw() {
  smoothing_label_->setText(QString::number(smoothing(), 'f', 2));
  plot_->clearGraphs();
  plot_->clearItems();
  drawn_.clear();
  markers_ = 0;
  const bool log = log_scale_->isChecked();
  plot_->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (log) plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  else plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  size_t line = 0;
  if (source_) {
    for (int64_t run : runs_) {
      for (const QString& metric : wanted_) {
        const CurveSeries* s = source_->series(run, metric.toStdString());
        if (!s || s->steps.empty()) continue;
        const QColor c = plot_color(line++);
        const QString label = QString("#%1 %2 · %3").arg(run).arg(QString::fromStdString(source_->run_name(run)), metric);
        QVector<double> xs(s->steps.begin(), s->steps.end()), raw(s->values.begin(), s->values.end());
        const std::vector<double> ema = curve_ema(s->values, smoothing());
        QVector<double> smooth(ema.begin(), ema.end());
        if (log)  // no log of values <= 0: those points are left out
          for (int i = 0; i < xs.size(); ++i) {
            if (raw[i] <= 0) raw[i] = NAN;
            if (smooth[i] <= 0) smooth[i] = NAN;
          }
        if (smoothing() > 0) {
          QCPGraph* g = plot_->addGraph();
          QColor faint = c;
          faint.setAlpha(60);
          g->setPen(QPen(faint, 1));
          g->setData(xs, raw, true);
          g->setName(QString());  // unnamed = a faint raw line: no legend entry, no tooltip
          g->removeFromLegend();
        }
        QCPGraph* g = plot_->addGraph();
        g->setPen(QPen(c, 2));
        g->setName(label);
        g->setData(xs, smooth, true);
        drawn_.emplace_back(run, metric.toStdString());
      }
      for (const CurveMarker& m : source_->markers(run)) {
        auto* v = new QCPItemStraightLine(plot_);
        v->point1->setCoords(static_cast<double>(m.step), 0);
        v->point2->setCoords(static_cast<double>(m.step), 1);
        v->setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
        auto* t = new QCPItemText(plot_);
        t->position->setTypeX(QCPItemPosition::ptPlotCoords);
        t->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        t->position->setCoords(static_cast<double>(m.step), 0.02 + 0.05 * (markers_ % 4));
        t->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        t->setText(QString::fromStdString(m.label));
        t->setColor(QColor(90, 90, 90));
        ++markers_;
      }
    }
  }
  plot_->rescaleAxes();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvePanel::showTooltip(QMouseEvent* e) {
  double best = 16;  // pixels
  QString text;
  for (int i = 0; i < plot_->graphCount(); ++i) {
    QCPGraph* g = plot_->graph(i);
    if (g->name().isEmpty()) continue;  // a faint raw line
    const double x = plot_->xAxis->pixelToCoord(e->pos().x());
    auto it = g->data()->findBegin(x, true);
    for (int k = 0; k < 2 && it != g->data()->constEnd(); ++k, ++it) {
      if (!std::isfinite(it->value)) continue;
      const double dx = plot_->xAxis->coordToPixel(it->key) - e->pos().x();
      const double dy = plot_->yAxis->coordToPixel(it->value) - e->pos().y();
      const double d = std::hypot(dx, dy);
      if (d < best) {
        best = d;
        text = QString("%1\nstep %2: %3").arg(g->name()).arg(it->key).arg(it->value, 0, 'g', 6);
      }
    }
  }
  if (text.isEmpty()) QToolTip::hideText();
  else QToolTip::showText(e->globalPosition().toPoint(), text, plot_);
}

bool CurvePanel::exportCsv(const QString& path) const {
  if (!source_) return false;
  std::vector<std::string> metrics;
  for (const QString& m : wanted_) metrics.push_back(m.toStdString());
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) return false;
  const std::string text = source_->csv(runs_, metrics);
  f.write(text.data(), static_cast<qint64>(text.size()));
  return f.commit();
}

bool CurvePanel::exportImage(const QString& path) const {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == "pdf") return plot_->savePdf(path, 1200, 700);
  return plot_->savePng(path, 1200, 700);
}

}  // namespace rf::gui
