// The Project & data screen's view of a data set (see data_view.h).
#include "data_view.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rf::gui {

std::shared_ptr<const DataView> data_view_make(Dataset ds) {
  auto view = std::make_shared<DataView>();
  view->ds = std::move(ds);
  view->stats = dataset_stats(view->ds);
  view->histories = dataset_user_histories(view->ds);
  return view;
}

std::vector<int32_t> data_view_items_by_popularity(const DataView& view) {
  std::vector<int32_t> order(view.ds.items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return view.ds.items[a].popularity > view.ds.items[b].popularity; });
  return order;
}

size_t data_view_head_size(const DataView& view) {
  // The same count dataset_stats() takes for top10_share, so the mark and the number agree.
  return std::max<size_t>(1, static_cast<size_t>(std::ceil(0.10 * static_cast<double>(view.ds.items.size()))));
}

std::string data_view_time_text(const DataView& view, int64_t time) {
  return view.stats.times_are_unix ? unix_date(time) : "#" + std::to_string(time);
}

}  // namespace rf::gui
