// The GRPO reward's rise from the first steps to the last (see reward_rise.h).
#include "engine/reward_rise.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace rf {

namespace {

double step_mean(const StepGroupRewards& s) {
  return s.rewards.empty() ? 0.0 : std::accumulate(s.rewards.begin(), s.rewards.end(), 0.0) / static_cast<double>(s.rewards.size());
}

// Per user: the sum and count of its group rewards over steps [from, to).
std::map<int32_t, std::pair<double, int64_t>> by_user(const std::vector<StepGroupRewards>& steps, size_t from, size_t to) {
  std::map<int32_t, std::pair<double, int64_t>> m;
  for (size_t i = from; i < to; ++i)
    for (size_t g = 0; g < steps[i].users.size() && g < steps[i].rewards.size(); ++g) {
      auto& [sum, n] = m[steps[i].users[g]];
      sum += steps[i].rewards[g];
      ++n;
    }
  return m;
}

}  // namespace

RewardRise reward_rise(const std::vector<StepGroupRewards>& steps, size_t window) {
  RewardRise r;
  const size_t n = steps.size(), w = std::min(window, n / 2);
  if (w == 0) {
    r.rise.se = NAN;
    return r;
  }
  std::vector<double> a, b;
  for (size_t i = 0; i < w; ++i) a.push_back(step_mean(steps[i]));
  for (size_t i = n - w; i < n; ++i) b.push_back(step_mean(steps[i]));
  r.first = std::accumulate(a.begin(), a.end(), 0.0) / static_cast<double>(w);
  r.last = std::accumulate(b.begin(), b.end(), 0.0) / static_cast<double>(w);
  const auto early = by_user(steps, 0, w), late = by_user(steps, n - w, n);
  std::vector<double> pa, pb;
  for (const auto& [user, e] : early) {
    const auto it = late.find(user);
    if (it == late.end()) continue;
    pa.push_back(e.first / static_cast<double>(e.second));
    pb.push_back(it->second.first / static_cast<double>(it->second.second));
  }
  if (pa.size() >= 2) {
    r.rise = mean_difference_paired(pa, pb);
    r.paired_users = static_cast<int64_t>(pa.size());
  } else {
    r.rise = mean_difference_independent(a, b);
  }
  return r;
}

}  // namespace rf
