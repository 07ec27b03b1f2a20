// ItemKNN baseline: see baseline_itemknn.h. The co-occurrence counts |U_i ∩ U_j| of one item i come from
// walking its users' item lists (cost Σ_u |I_u|² over the whole catalogue, never items²), with one dense
// counter array per thread; items are shared between threads in small chunks.
#include "eval/baseline_itemknn.h"

#include "eval/baseline_common.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

namespace rf {

namespace {

bool neighbour_before(const ItemNeighbour& a, const ItemNeighbour& b) {
  return a.sim > b.sim || (a.sim == b.sim && a.item < b.item);
}

// A compressed sparse row list: row r is values[offsets[r] .. offsets[r + 1]).
struct Csr {
  std::vector<int64_t> offsets;
  std::vector<int32_t> values;
  const int32_t* begin(size_t r) const { return values.data() + offsets[r]; }
  const int32_t* end(size_t r) const { return values.data() + offsets[r + 1]; }
  int64_t size(size_t r) const { return offsets[r + 1] - offsets[r]; }
};

}  // namespace

void ItemKnnRecommender::fit(const FitData& data) {
  fit_data_check(data, name());
  const Dataset& ds = *data.ds;
  n_items_ = ds.item_count();
  const size_t n_items = static_cast<size_t>(n_items_);

  // user -> distinct train items (the binary matrix by rows), then item -> users (by columns).
  Csr user_items;
  user_items.offsets.push_back(0);
  for (const auto& user : data.split->users) {
    items_check(user.train, n_items_, name(), "a train list");
    std::vector<int32_t> items = user.train;
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    user_items.values.insert(user_items.values.end(), items.begin(), items.end());
    user_items.offsets.push_back(static_cast<int64_t>(user_items.values.size()));
  }
  Csr item_users;
  item_users.offsets.assign(n_items + 1, 0);
  for (int32_t i : user_items.values) ++item_users.offsets[static_cast<size_t>(i) + 1];
  for (size_t i = 0; i < n_items; ++i) item_users.offsets[i + 1] += item_users.offsets[i];
  item_users.values.resize(user_items.values.size());
  {
    std::vector<int64_t> fill(item_users.offsets.begin(), item_users.offsets.end() - 1);
    for (size_t u = 0; u + 1 < user_items.offsets.size(); ++u)
      for (const int32_t* p = user_items.begin(u); p != user_items.end(u); ++p)
        item_users.values[static_cast<size_t>(fill[static_cast<size_t>(*p)]++)] = static_cast<int32_t>(u);
  }

  std::vector<std::vector<ItemNeighbour>> rows(n_items);
  std::atomic<size_t> next{0};
  const size_t chunk = 64;
  auto worker = [&] {
    std::vector<int32_t> counts(n_items, 0);  // |U_i ∩ U_j| for the current i
    std::vector<int32_t> touched;
    std::vector<ItemNeighbour> cand;
    for (;;) {
      const size_t first = next.fetch_add(chunk);
      if (first >= n_items) return;
      for (size_t i = first; i < std::min(first + chunk, n_items); ++i) {
        for (const int32_t* u = item_users.begin(i); u != item_users.end(i); ++u) {
          for (const int32_t* j = user_items.begin(static_cast<size_t>(*u)); j != user_items.end(static_cast<size_t>(*u)); ++j)
            if (counts[static_cast<size_t>(*j)]++ == 0) touched.push_back(*j);
        }
        const double deg_i = static_cast<double>(item_users.size(i));
        cand.clear();
        for (int32_t j : touched) {
          const int32_t both = counts[static_cast<size_t>(j)];
          counts[static_cast<size_t>(j)] = 0;
          if (static_cast<size_t>(j) == i) continue;
          const double deg_j = static_cast<double>(item_users.size(static_cast<size_t>(j)));
          const auto sim = static_cast<float>(both / (std::sqrt(deg_i * deg_j) + shrink_));
          if (sim > 0) cand.push_back({j, sim});
        }
        touched.clear();
        if (cand.size() > static_cast<size_t>(k_)) {
          std::nth_element(cand.begin(), cand.begin() + k_, cand.end(), neighbour_before);
          cand.resize(static_cast<size_t>(k_));
        }
        std::sort(cand.begin(), cand.end(), neighbour_before);
        rows[i] = cand;
      }
    }
  };
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int n_threads = std::max(1, std::min({threads_, hw, static_cast<int>((n_items + chunk - 1) / chunk)}));
  std::vector<std::thread> pool;
  for (int t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  offsets_.assign(n_items + 1, 0);
  for (size_t i = 0; i < n_items; ++i) offsets_[i + 1] = offsets_[i] + static_cast<int64_t>(rows[i].size());
  neighbours_.clear();
  neighbours_.reserve(static_cast<size_t>(offsets_.back()));
  for (auto& row : rows) neighbours_.insert(neighbours_.end(), row.begin(), row.end());
}

void ItemKnnRecommender::score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
                               std::vector<std::vector<float>>& out) const {
  if (offsets_.empty()) throw Error("itemknn: score called before fit");
  if (histories.size() != users.size())
    throw Error("itemknn: score got " + std::to_string(users.size()) + " users but " + std::to_string(histories.size()) +
                " histories");
  out.resize(users.size());
  std::vector<int32_t> distinct;
  for (size_t b = 0; b < users.size(); ++b) {
    items_check(histories[b], n_items_, name(), "a history");
    distinct = histories[b];
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    auto& row = out[b];
    row.assign(static_cast<size_t>(n_items_), 0.0f);
    for (int32_t i : distinct)
      for (int64_t p = offsets_[static_cast<size_t>(i)]; p < offsets_[static_cast<size_t>(i) + 1]; ++p)
        row[static_cast<size_t>(neighbours_[static_cast<size_t>(p)].item)] += neighbours_[static_cast<size_t>(p)].sim;
  }
}

std::vector<ItemNeighbour> ItemKnnRecommender::neighbours(int32_t item) const {
  if (item < 0 || item >= n_items_) throw Error("itemknn: no item " + std::to_string(item) + " (fit first?)");
  return {neighbours_.begin() + offsets_[static_cast<size_t>(item)], neighbours_.begin() + offsets_[static_cast<size_t>(item) + 1]};
}

std::unique_ptr<Recommender> itemknn_create(const nlohmann::json& params) {
  params_check(params, "itemknn", {"k", "shrink", "threads"});
  const int64_t k = params_int(params, "itemknn", "k", 100);
  const double shrink = params_number(params, "itemknn", "shrink", 10.0);
  const int64_t threads = params_int(params, "itemknn", "threads", 2);
  if (k < 1 || k > 1000000) throw Error("itemknn: parameter 'k' must be in 1..1000000, got " + std::to_string(k));
  if (!(shrink >= 0) || !std::isfinite(shrink)) throw Error("itemknn: parameter 'shrink' must be >= 0, got " + std::to_string(shrink));
  if (threads < 1 || threads > 256) throw Error("itemknn: parameter 'threads' must be in 1..256, got " + std::to_string(threads));
  return std::make_unique<ItemKnnRecommender>(static_cast<int32_t>(k), shrink, static_cast<int>(threads));
}

}  // namespace rf
