// Whether a GRPO run's reward rose: its mean over the last steps against its first, with the noise of
// that difference (the demo's first check). When the same users come back (the demo trains on a few
// users, pass after pass), each user's reward in the last steps is set against its own reward in the
// first ones, so how hard a user is cancels out of the difference; otherwise the two windows are compared
// as independent samples of steps.
#pragma once

#include "eval/mean_difference.h"

#include <cstdint>
#include <vector>

namespace rf {

// One GRPO step's groups: the user each group's prompt belongs to, and the group's mean total reward.
struct StepGroupRewards {
  std::vector<int32_t> users;
  std::vector<double> rewards;
};

struct RewardRise {
  double first = 0, last = 0;  // the mean reward of the first and of the last `window` steps
  MeanDifference rise;         // last - first, with its standard error
  int64_t paired_users = 0;    // users in both windows (the difference is paired over them); 0: independent
};

// `window` steps at each end (capped at half the steps). Paired when at least two users have groups in
// both windows: per user, the mean of its last-window rewards minus the mean of its first-window rewards;
// the users seen in one window only are left out of the difference (not of `first` and `last`).
// Otherwise Welch's difference of the per-step means.
RewardRise reward_rise(const std::vector<StepGroupRewards>& steps, size_t window);

}  // namespace rf
