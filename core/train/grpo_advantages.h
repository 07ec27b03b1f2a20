// Group-relative advantages of GRPO (DESIGN.md §7, TRL GRPOTrainer semantics) and the reward metrics
// logged with them. The B·G completions of a batch come prompt by prompt: rows g·G .. g·G + G - 1 are the
// G = num_generations completions of prompt g.
//
//   R_i   = Σ_k w_k r_ik                      (NaN components are skipped, as TRL's nansum)
//   A_i   = R_i - mean_group(R)
//   scale_rewards = "group": A_i /= std_group(R) + 1e-4   (unbiased std of the row's group)
//                 = "batch": A_i /= std_batch(R) + 1e-4   (unbiased std of all B·G totals; the
//                            centring stays per group)
//                 = "none" : no division
//
// Metrics (TRL's names and definitions):
//   rewards/<name>/mean, rewards/<name>/std  per component, NaN-skipping mean and unbiased std over the batch
//   reward               mean of R over the batch
//   reward_std           mean over rows of the std used for scaling: the mean of the per-group stds for
//                        "group" and "none", the batch std for "batch"
//   frac_reward_zero_std fraction of rows whose std (the same one) is 0: the fraction of zero-variance
//                        groups for "group"/"none"; 0 or 1 for "batch" (TRL checks the batch std there).
//                        group_std below always holds the per-group std, whatever the scaling.
#pragma once

#include "train/grpo_options.h"

#include <torch/types.h>

#include <string>
#include <vector>

namespace rf {

struct GrpoAdvantages {
  at::Tensor rewards;     // (B·G) float32 CPU: total reward R of each completion
  at::Tensor advantages;  // (B·G) float32 CPU
  at::Tensor group_mean;  // (B·G) float32 CPU: mean of R over the row's group
  at::Tensor group_std;   // (B·G) float32 CPU: unbiased std of R over the row's group (0: zero-variance group)
  GrpoMetrics metrics;    // see above, in TRL's order
};

// From total rewards R (B·G), any dtype/device. Throws rf::Error when the length is not a multiple of
// num_generations or a reward is NaN (naming its row).
GrpoAdvantages grpo_advantages_compute(const at::Tensor& rewards, const GrpoAdvantageOptions& options);

// From per-component rewards (B·G, K) with one name and one weight per column; totals R = Σ w_k r_k.
GrpoAdvantages grpo_advantages_compute(const at::Tensor& component_rewards, const std::vector<std::string>& names,
                                       const std::vector<double>& weights, const GrpoAdvantageOptions& options);

}  // namespace rf
