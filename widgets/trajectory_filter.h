// Which trajectories of a GRPO step the inspector lists (DESIGN.md §8.5): filters over the stored rows —
// format failures (the parser's format check failed), zero-variance groups (every completion of the
// prompt got the same total, so the group's advantages are 0 and it teaches nothing), the top or bottom N
// by total reward, one user, and a text search over prompt, completion and parsed answer — and the
// per-group statistics the tree shows. No Qt: plain functions over store/run_store.h rows.
#pragma once

#include "store/run_store.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rf::gui {

struct TrajectoryFilter {
  bool format_failures = false;  // only completions whose parsed answer failed the format check
  bool zero_variance = false;    // only groups whose totals are all equal
  int top = 0;                   // > 0: the N highest totals; < 0: the N lowest (after the other filters)
  int64_t user = -1;             // >= 0: only this user's prompts
  std::string search;            // case-insensitive substring of prompt, completion or parsed answer
};

struct TrajectoryGroupStats {
  int64_t group = 0;
  int64_t user = -1;
  size_t size = 0;
  double mean = 0, std = 0, min = 0, max = 0;  // of the totals (std: population)
  bool zero_variance() const { return max - min <= 1e-12; }
};

std::map<int64_t, TrajectoryGroupStats> trajectory_group_stats(const std::vector<TrajectoryRow>& rows);
bool trajectory_format_failed(const TrajectoryRow& row);
// Indices into rows that pass the filter, in (group, index) order, or by total (descending for top > 0,
// ascending for top < 0) when top is set.
std::vector<size_t> trajectory_filter_apply(const std::vector<TrajectoryRow>& rows, const TrajectoryFilter& f);

}  // namespace rf::gui
