// Dataset statistics: see dataset_stats.h.
#include "data/dataset_stats.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <numeric>
#include <unordered_map>

namespace rf {

Distribution distribution_of(std::vector<double> v) {
  Distribution d;
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    const double pos = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
  };
  d.min = v.front();
  d.max = v.back();
  d.p25 = q(0.25);
  d.median = q(0.5);
  d.p75 = q(0.75);
  d.p90 = q(0.9);
  d.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  return d;
}

double gini_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double total = std::accumulate(v.begin(), v.end(), 0.0);
  if (total <= 0) return 0;
  const auto n = static_cast<double>(v.size());
  double weighted = 0;
  for (size_t i = 0; i < v.size(); ++i) weighted += (2.0 * static_cast<double>(i + 1) - n - 1.0) * v[i];
  return weighted / (n * total);
}

bool dataset_times_are_unix(const Dataset& ds) {
  if (ds.interactions.empty()) return false;
  for (const auto& x : ds.interactions)
    if (x.time < 100000000 || x.time > 4102444800) return false;
  return true;
}

std::string unix_date(int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

DatasetStats dataset_stats(const Dataset& ds) {
  DatasetStats s;
  s.users = ds.user_count();
  s.items = ds.item_count();
  s.interactions = static_cast<int64_t>(ds.interactions.size());
  const double cells = static_cast<double>(s.users) * static_cast<double>(s.items);
  s.sparsity = cells > 0 ? 1.0 - static_cast<double>(s.interactions) / cells : 1.0;

  std::vector<double> per_user(ds.users.size(), 0.0), per_item(ds.items.size(), 0.0);
  std::map<double, int64_t> ratings;
  std::map<std::string, int64_t> labels;
  double rating_sum = 0;
  for (const auto& x : ds.interactions) {
    per_user[static_cast<size_t>(x.user)] += 1;
    per_item[static_cast<size_t>(x.item)] += 1;
    if (x.has_rating()) {
      ++s.rated;
      rating_sum += x.rating;
      ++ratings[x.rating];
    }
    if (!x.label.empty()) ++labels[x.label];
  }
  s.users_with_interactions = std::count_if(per_user.begin(), per_user.end(), [](double c) { return c > 0; });
  s.items_with_interactions = std::count_if(per_item.begin(), per_item.end(), [](double c) { return c > 0; });
  s.history_length = distribution_of(per_user);
  s.item_popularity = distribution_of(per_item);
  s.gini = gini_of(per_item);
  if (s.interactions > 0 && !per_item.empty()) {
    std::vector<double> sorted = per_item;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    auto share_top = [&](double fraction) {
      const auto k = std::max<size_t>(1, static_cast<size_t>(std::ceil(fraction * static_cast<double>(sorted.size()))));
      return std::accumulate(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(std::min(k, sorted.size())), 0.0) /
             static_cast<double>(s.interactions);
    };
    s.top1_share = share_top(0.01);
    s.top10_share = share_top(0.10);
  }
  if (s.rated > 0) s.rating_mean = rating_sum / static_cast<double>(s.rated);
  s.rating_counts.assign(ratings.begin(), ratings.end());
  s.label_counts.assign(labels.begin(), labels.end());
  std::stable_sort(s.label_counts.begin(), s.label_counts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });

  // Share of interactions whose item carries the category (an item in two categories counts for both).
  std::unordered_map<std::string, double> category_hits;
  for (size_t i = 0; i < ds.items.size(); ++i) {
    if (per_item[i] == 0) continue;
    for (const auto& c : ds.items[i].categories) category_hits[c] += per_item[i];
  }
  std::vector<std::pair<std::string, double>> cats(category_hits.begin(), category_hits.end());
  std::sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (cats.size() > 15) cats.resize(15);
  for (auto& [name, hits] : cats) hits /= static_cast<double>(s.interactions);
  s.top_categories = std::move(cats);

  if (!ds.interactions.empty()) {
    auto [lo, hi] = std::minmax_element(ds.interactions.begin(), ds.interactions.end(),
                                        [](const Interaction& a, const Interaction& b) { return a.time < b.time; });
    s.time_min = lo->time;
    s.time_max = hi->time;
  }
  s.times_are_unix = dataset_times_are_unix(ds);
  return s;
}

namespace {
nlohmann::json distribution_json(const Distribution& d) {
  return {{"min", d.min}, {"p25", d.p25}, {"median", d.median}, {"p75", d.p75},
          {"p90", d.p90}, {"max", d.max}, {"mean", d.mean}};
}
}  // namespace

nlohmann::json dataset_stats_to_json(const DatasetStats& s) {
  nlohmann::json j;
  j["users"] = s.users;
  j["items"] = s.items;
  j["interactions"] = s.interactions;
  j["users_with_interactions"] = s.users_with_interactions;
  j["items_with_interactions"] = s.items_with_interactions;
  j["sparsity"] = s.sparsity;
  j["history_length"] = distribution_json(s.history_length);
  j["item_popularity"] = distribution_json(s.item_popularity);
  j["item_popularity"]["top1_share"] = s.top1_share;
  j["item_popularity"]["top10_share"] = s.top10_share;
  j["item_popularity"]["gini"] = s.gini;
  nlohmann::json ratings = nlohmann::json::object();
  if (s.rated > 0) {
    ratings["count"] = s.rated;
    ratings["mean"] = s.rating_mean;
    nlohmann::json counts = nlohmann::json::array();
    for (const auto& [value, count] : s.rating_counts) counts.push_back({{"rating", value}, {"count", count}});
    ratings["counts"] = counts;
  }
  j["ratings"] = s.rated > 0 ? ratings : nlohmann::json(nullptr);
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& [label, count] : s.label_counts) labels.push_back({{"label", label}, {"count", count}});
  j["labels"] = labels;
  nlohmann::json cats = nlohmann::json::array();
  for (const auto& [name, share] : s.top_categories) cats.push_back({{"category", name}, {"share", share}});
  j["top_categories"] = cats;
  nlohmann::json time = {{"min", s.time_min}, {"max", s.time_max}, {"unix", s.times_are_unix}};
  if (s.times_are_unix) {
    time["first_date"] = unix_date(s.time_min);
    time["last_date"] = unix_date(s.time_max);
  }
  j["time"] = s.interactions > 0 ? time : nlohmann::json(nullptr);
  return j;
}

}  // namespace rf
