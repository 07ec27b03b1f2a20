// The GRPO loss (DESIGN.md §7) on per-token log-probabilities, with TRL GRPOTrainer's definitions:
//
//   ρ        = exp(logp - old_logp)                       (old_logp = logp.detach() when μ = 1)
//   L_tok    = -min(ρ A, clip(ρ, 1 - ε_low, 1 + ε_high) A) + β KL3
//   KL3      = exp(ref - logp) - (ref - logp) - 1        (only when β != 0; no reference otherwise)
//   m        = completion mask (rows flagged truncated zeroed when mask_truncated_completions)
//   loss_type "grpo"    : mean_b( Σ_t L m / max(1, Σ_t m) ) / grad_accum_steps
//             "bnpo"    : Σ L m / max(1, Σ m) / grad_accum_steps
//             "dr_grpo" : Σ L m / (B × max_completion_length) / grad_accum_steps
//             "dapo"    : Σ L m / dapo_normalizer, the active tokens of the whole accumulated batch (all
//                         micro-batches of the step; not divided by grad_accum_steps)
//
// Metrics (means over this batch's active tokens, count clamped to >= 1):
//   kl                    mean KL3 (only when β != 0, as TRL)
//   entropy               mean token entropy (only when entropies are given)
//   clip_ratio/low_mean   share of tokens with ρ < 1 - ε_low and A < 0
//   clip_ratio/high_mean  share of tokens with ρ > 1 + ε_high and A > 0
//   clip_ratio/region_mean share of tokens with either
#pragma once

#include "train/grpo_options.h"

#include <torch/types.h>

#include <cstdint>

namespace rf {

struct GrpoLossInputs {
  at::Tensor logp;             // (B, T) float, with grad: log π_θ of each completion token
  at::Tensor old_logp;         // (B, T) log π_old, or undefined when μ = 1 (then logp.detach())
  at::Tensor ref_logp;         // (B, T) log π_ref, or undefined; needed only when beta != 0 (ignored otherwise)
  at::Tensor advantages;       // (B) one advantage per completion
  at::Tensor completion_mask;  // (B, T) 1 on completion tokens, 0 on padding
  at::Tensor truncated;        // (B) bool, or undefined: completions cut at max_completion_length
  at::Tensor entropy;          // (B, T) per-token entropies (no grad), or undefined
  double dapo_normalizer = 0;  // "dapo": active tokens of the whole accumulated batch; <= 0: this batch's
  int64_t grad_accum_steps = 1;  // "grpo"/"bnpo"/"dr_grpo" divide by it (TRL's current_gradient_accumulation_steps)
};

struct GrpoLoss {
  at::Tensor loss;            // scalar, differentiable w.r.t. logp
  at::Tensor completion_mask; // (B, T) float32 mask actually used (truncated rows zeroed)
  int64_t active_tokens = 0;  // Σ of that mask
  GrpoMetrics metrics;        // see above
};

// The mask with truncated rows zeroed: completion_mask (B, T) × (1 - truncated (B)). Use it (or
// grpo_active_tokens of it) to compute the "dapo" normaliser over all micro-batches of a step.
at::Tensor grpo_completion_mask_apply_truncation(const at::Tensor& completion_mask, const at::Tensor& truncated);
int64_t grpo_active_tokens(const at::Tensor& completion_mask);

// Validates the options and the shapes (errors name the field) and computes the loss and metrics.
GrpoLoss grpo_loss_compute(const GrpoLossInputs& inputs, const GrpoLossOptions& options);

}  // namespace rf
