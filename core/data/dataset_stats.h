// Descriptive statistics of a dataset, for `recforge-cli data stats` and the workbench's data screen:
// counts and sparsity, how long user histories are, how concentrated interactions are on popular items
// (quantiles, top-1%/10% shares, Gini), ratings, the most common categories, and the time range.
#pragma once

#include "data/dataset.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rf {

// Quantiles use linear interpolation between order statistics (numpy's default): q of sorted x[0..n-1]
// is at position q * (n - 1). All zero for an empty sample.
struct Distribution {
  double min = 0, p25 = 0, median = 0, p75 = 0, p90 = 0, max = 0, mean = 0;
};

struct DatasetStats {
  int64_t users = 0, items = 0, interactions = 0;
  int64_t items_with_interactions = 0, users_with_interactions = 0;
  double sparsity = 0;           // 1 - interactions / (users * items); 1 when either is 0
  Distribution history_length;   // interactions per user, over all users
  Distribution item_popularity;  // interactions per item, over all catalogue items (never-seen items count as 0)
  double top1_share = 0;         // share of interactions on the top 1% of items (at least one item)
  double top10_share = 0;        // ... on the top 10%
  double gini = 0;               // of interactions per item, over all items: 0 = even, -> 1 = all on one item
  int64_t rated = 0;             // interactions with a rating
  double rating_mean = 0;
  std::vector<std::pair<double, int64_t>> rating_counts;  // (rating value, count), ascending value
  std::vector<std::pair<std::string, int64_t>> label_counts;  // (label, count), most frequent first
  std::vector<std::pair<std::string, double>> top_categories;  // (category, share of interactions), top 15
  int64_t time_min = 0, time_max = 0;
  bool times_are_unix = false;   // see dataset_times_are_unix()
};

DatasetStats dataset_stats(const Dataset& ds);
nlohmann::json dataset_stats_to_json(const DatasetStats& stats);

Distribution distribution_of(std::vector<double> values);
// Gini coefficient of non-negative values (sorted ascending inside): sum_i (2i - n - 1) x_i / (n sum x), i 1-based.
double gini_of(std::vector<double> values);

// True when every interaction time lies in 1973-03-03 .. 2100-01-01 as unix seconds (10^8 .. 4102444800),
// i.e. the source had real times; sequence positions and row numbers are far below that.
bool dataset_times_are_unix(const Dataset& ds);
// "2018-09-24" for unix seconds (UTC).
std::string unix_date(int64_t seconds);

}  // namespace rf
