// Settings of the GRPO objective (DESIGN.md §7) with TRL's GRPOConfig names and defaults, their
// validation (errors name the field), and the metric list that the GRPO functions return.
// TRL semantics followed: GRPOTrainer as of TRL 1.x (scale_rewards is a string, loss_type defaults to
// "dapo" since huggingface/trl#3938, beta defaults to 0.0); see docs/grpo.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rf {

// Metrics in report order, with TRL's names ("reward", "clip_ratio/low_mean", ...).
using GrpoMetrics = std::vector<std::pair<std::string, double>>;

// The value of metric `name`; throws rf::Error when it is absent.
double grpo_metric_get(const GrpoMetrics& metrics, const std::string& name);
bool grpo_metric_has(const GrpoMetrics& metrics, const std::string& name);

// How rewards become advantages.
struct GrpoAdvantageOptions {
  int64_t num_generations = 8;        // G: completions per prompt, consecutive in the reward vector; >= 2
  std::string scale_rewards = "group";  // "group" | "batch" | "none"
};

// The clipped surrogate loss.
struct GrpoLossOptions {
  double epsilon = 0.2;                 // ε_low: ratios below 1 - ε_low are clipped
  std::optional<double> epsilon_high;   // ε_high; unset means epsilon (DAPO recommends 0.28)
  double beta = 0.0;                    // KL coefficient; 0 means no reference model at all
  std::string loss_type = "dapo";       // "grpo" | "bnpo" | "dr_grpo" | "dapo"
  int64_t max_completion_length = 256;  // dr_grpo's constant (sum / (B x max_completion_length))
  bool mask_truncated_completions = false;  // rows flagged truncated get a zero completion mask
};

// Throw rf::Error naming the offending field ("num_generations", "scale_rewards", "epsilon", ...).
void grpo_advantage_options_validate(const GrpoAdvantageOptions& options);
void grpo_loss_options_validate(const GrpoLossOptions& options);

// ε_high as used: epsilon_high when set, else epsilon.
double grpo_epsilon_high(const GrpoLossOptions& options);

// Whether a frozen reference model (and its log-probs) is needed: only when beta != 0.
bool grpo_needs_reference(const GrpoLossOptions& options);

}  // namespace rf
