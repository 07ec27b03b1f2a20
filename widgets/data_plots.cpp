// The long-tail and category plots (see data_plots.h).
#include "data_plots.h"

#include "plot_colors.h"
#include "qcustomplot_include.h"

#include <algorithm>

namespace rf::gui {

void data_plot_long_tail(QCustomPlot* plot, const DataView* view, bool log_y) {
  plot->clearGraphs();
  plot->clearItems();
  QCPGraph* all = plot->addGraph();
  all->setName(QObject::tr("interactions per item, by rank"));
  all->setPen(QPen(plot_color(0), 1.5));
  QCPGraph* head = plot->addGraph();
  head->setPen(QPen(plot_color(1), 1.5));
  head->setBrush(QColor(255, 127, 14, 60));
  plot->xAxis->setLabel(QObject::tr("item rank"));
  plot->yAxis->setLabel(QObject::tr("interactions"));
  plot->yAxis->setScaleType(log_y ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (log_y) plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  else plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  if (view && !view->ds.items.empty()) {
    const std::vector<int32_t> order = data_view_items_by_popularity(*view);
    const size_t head_n = data_view_head_size(*view);
    QVector<double> x, y;
    x.reserve(static_cast<int>(order.size()));
    y.reserve(static_cast<int>(order.size()));
    for (size_t r = 0; r < order.size(); ++r) {
      x << static_cast<double>(r + 1);
      y << view->ds.items[static_cast<size_t>(order[r])].popularity;
    }
    all->setData(x, y, true);
    head->setData(x.mid(0, static_cast<int>(head_n)), y.mid(0, static_cast<int>(head_n)), true);
    head->setName(QObject::tr("top 10% (%1 items): %2% of interactions")
                      .arg(head_n)
                      .arg(100.0 * view->stats.top10_share, 0, 'f', 1));
    plot->xAxis->setRange(0, static_cast<double>(order.size()) + 1);
    const double top = y.isEmpty() ? 1 : std::max(1.0, y.front());
    plot->yAxis->setRange(log_y ? 0.8 : 0, top * (log_y ? 1.5 : 1.05));
  }
  plot->legend->setVisible(view != nullptr);
  plot->replot(QCustomPlot::rpQueuedReplot);
}

void data_plot_categories(QCustomPlot* plot, const DataView* view) {
  plot->clearPlottables();
  auto* bars = new QCPBars(plot->yAxis, plot->xAxis);  // horizontal: the category names fit on the left
  bars->setPen(Qt::NoPen);
  bars->setBrush(plot_color(2));
  bars->setWidth(0.7);
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  QVector<double> keys, values;
  if (view) {
    const auto& cats = view->stats.top_categories;
    const int n = static_cast<int>(cats.size());
    for (int i = 0; i < n; ++i) {
      const double key = n - i;  // the most common at the top
      keys << key;
      values << 100.0 * cats[static_cast<size_t>(i)].second;
      QString name = QString::fromStdString(cats[static_cast<size_t>(i)].first);
      if (name.size() > 28) name = name.left(27) + "…";
      ticker->addTick(key, name);
    }
  }
  bars->setData(keys, values, true);
  plot->yAxis->setTicker(ticker);
  plot->yAxis->setSubTicks(false);
  plot->yAxis->setTickLength(0, 3);
  plot->yAxis->setRange(0.3, keys.size() + 0.7);
  plot->xAxis->setLabel(QObject::tr("% of interactions"));
  plot->xAxis->setRange(0, values.isEmpty() ? 1 : *std::max_element(values.begin(), values.end()) * 1.1);
  plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace rf::gui
