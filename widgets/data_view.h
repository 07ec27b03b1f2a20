// One data set as the Project & data screen shows it: the Dataset loaded from the project, its
// dataset_stats() and each user's history in time order (dataset_user_histories), all computed once on
// the loading thread and then shared read-only by the tables and plots.
#pragma once

#include "data/dataset.h"
#include "data/dataset_stats.h"

#include <memory>
#include <string>
#include <vector>

namespace rf::gui {

struct DataView {
  Dataset ds;
  DatasetStats stats;
  std::vector<std::vector<int32_t>> histories;  // per user: indices into ds.interactions, time order
};

// Builds the view of `ds` (taken over). Pure engine calls: the screen never counts on its own.
std::shared_ptr<const DataView> data_view_make(Dataset ds);

// The item indices ordered by popularity, most popular first (ties by index): the long tail's x axis.
std::vector<int32_t> data_view_items_by_popularity(const DataView& view);

// The number of items in the head the stats' top-10% share counts (ceil(10% of the catalogue), at least 1).
size_t data_view_head_size(const DataView& view);

// "2018-09-24" for unix times, else the position as a number ("#12"): what the time column shows.
std::string data_view_time_text(const DataView& view, int64_t time);

}  // namespace rf::gui
