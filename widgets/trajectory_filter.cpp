// The inspector's filters (see trajectory_filter.h).
#include "trajectory_filter.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace rf::gui {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::map<int64_t, TrajectoryGroupStats> trajectory_group_stats(const std::vector<TrajectoryRow>& rows) {
  std::map<int64_t, std::vector<double>> totals;
  std::map<int64_t, TrajectoryGroupStats> out;
  for (const TrajectoryRow& r : rows) {
    totals[r.group_id].push_back(r.total);
    out[r.group_id].user = r.user;
  }
  for (auto& [g, v] : totals) {
    TrajectoryGroupStats& s = out[g];
    s.group = g;
    s.size = v.size();
    s.min = *std::min_element(v.begin(), v.end());
    s.max = *std::max_element(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    s.mean = sum / static_cast<double>(v.size());
    double var = 0;
    for (double x : v) var += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(var / static_cast<double>(v.size()));
  }
  return out;
}

bool trajectory_format_failed(const TrajectoryRow& row) {
  const auto it = row.parsed.find("format_ok");
  return it != row.parsed.end() && it->is_boolean() && !it->get<bool>();
}

std::vector<size_t> trajectory_filter_apply(const std::vector<TrajectoryRow>& rows, const TrajectoryFilter& f) {
  const auto stats = trajectory_group_stats(rows);
  const std::string needle = lower(f.search);
  std::vector<size_t> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const TrajectoryRow& r = rows[i];
    if (f.format_failures && !trajectory_format_failed(r)) continue;
    if (f.zero_variance && !stats.at(r.group_id).zero_variance()) continue;
    if (f.user >= 0 && r.user != f.user) continue;
    if (!needle.empty() && lower(r.completion).find(needle) == std::string::npos &&
        lower(r.prompt).find(needle) == std::string::npos && lower(r.parsed.dump()).find(needle) == std::string::npos)
      continue;
    out.push_back(i);
  }
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    return std::make_pair(rows[a].group_id, rows[a].index) < std::make_pair(rows[b].group_id, rows[b].index);
  });
  if (f.top != 0) {
    std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) {
      return f.top > 0 ? rows[a].total > rows[b].total : rows[a].total < rows[b].total;
    });
    if (out.size() > static_cast<size_t>(std::abs(f.top))) out.resize(static_cast<size_t>(std::abs(f.top)));
  }
  return out;
}

}  // namespace rf::gui
