// The reward tuner's what-if (DESIGN.md §8.6): stored GRPO trajectories re-scored under other component
// weights before any training. Each completion's breakdown holds every component's raw value, so its total
// under new weights is Σ_k w'_k r_k (NaN components skipped, as the trainer does); advantages are then
// recomputed exactly as the trainer would (train/grpo_advantages.h, per step, with the run's
// scale_rewards). Reported: totals and advantages before and after, the groups whose best completion
// changes, and per component the mean value of the completions GRPO would push up (advantage > 0) under
// the old and the new weights — how the accuracy / diversity / novelty balance would shift. No Qt.
#pragma once

#include "store/run_store.h"

#include <map>
#include <string>
#include <vector>

namespace rf::gui {

struct WhatIfRow {
  int64_t step = 0, group = 0;
  double old_total = 0, new_total = 0;
  double old_advantage = 0, new_advantage = 0;
};

struct WhatIfComponent {
  std::string name;
  double old_weight = 0, new_weight = 0;
  double pushed_old = 0;  // mean value over completions with advantage > 0 under the old weights (NaN: none)
  double pushed_new = 0;  // the same under the new weights
};

struct WhatIfResult {
  std::vector<WhatIfRow> rows;  // in the order given
  std::vector<WhatIfComponent> components;
  double mean_old_total = 0, mean_new_total = 0;
  double mean_abs_advantage_change = 0;
  int groups = 0;
  int groups_with_new_best = 0;  // argmax of the total moved to another completion
  int rows_skipped = 0;          // rows of incomplete groups (fewer completions than the step's others)
};

// `rows`: trajectories of one or more steps (any order); `weights`: component -> new weight (components not
// named keep their stored weight). rf::Error when a step's groups differ in size.
WhatIfResult reward_whatif(const std::vector<TrajectoryRow>& rows, const std::map<std::string, double>& weights,
                           const std::string& scale_rewards);

}  // namespace rf::gui
