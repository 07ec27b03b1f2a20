// The Project & data screen's two plots of a loaded data set (data_view.h): the long tail — every item's
// popularity (its interactions) by rank, with the head that dataset_stats()' top-10% share counts filled —
// and the top categories' share of interactions as horizontal bars. Values are the engine's
// (Item::popularity, DatasetStats::top_categories); the plots only draw them.
#pragma once

#include "data_view.h"

class QCustomPlot;

namespace rf::gui {

// Graph 0: (rank 1..n, popularity) over all items; graph 1: the head's part of it, filled.
void data_plot_long_tail(QCustomPlot* plot, const DataView* view, bool log_y);
// One QCPBars: the top categories, the most common at the top, each bar its share in percent.
void data_plot_categories(QCustomPlot* plot, const DataView* view);

}  // namespace rf::gui
