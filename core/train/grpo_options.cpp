// Validation of the GRPO objective's settings and the metric-list helpers (see grpo_options.h).
#include "train/grpo_options.h"

#include "util/error.h"

#include <cmath>

namespace rf {

namespace {

void require_finite(double value, const std::string& field) {
  if (!std::isfinite(value)) throw Error("GRPO option '" + field + "' must be a finite number");
}

}  // namespace

double grpo_metric_get(const GrpoMetrics& metrics, const std::string& name) {
  for (const auto& [key, value] : metrics)
    if (key == name) return value;
  throw Error("GRPO metric '" + name + "' was not computed");
}

bool grpo_metric_has(const GrpoMetrics& metrics, const std::string& name) {
  for (const auto& kv : metrics)
    if (kv.first == name) return true;
  return false;
}

void grpo_advantage_options_validate(const GrpoAdvantageOptions& options) {
  if (options.num_generations < 2)
    throw Error("GRPO option 'num_generations' must be at least 2 (advantages compare completions of one prompt), got " +
                std::to_string(options.num_generations));
  const std::string& s = options.scale_rewards;
  if (s != "group" && s != "batch" && s != "none")
    throw Error("GRPO option 'scale_rewards' must be \"group\", \"batch\" or \"none\", got \"" + s + "\"");
}

void grpo_loss_options_validate(const GrpoLossOptions& options) {
  require_finite(options.epsilon, "epsilon");
  if (options.epsilon <= 0.0 || options.epsilon >= 1.0)
    throw Error("GRPO option 'epsilon' must be in (0, 1), got " + std::to_string(options.epsilon));
  if (options.epsilon_high) {
    require_finite(*options.epsilon_high, "epsilon_high");
    if (*options.epsilon_high <= 0.0)
      throw Error("GRPO option 'epsilon_high' must be > 0, got " + std::to_string(*options.epsilon_high));
  }
  require_finite(options.beta, "beta");
  if (options.beta < 0.0) throw Error("GRPO option 'beta' must be >= 0, got " + std::to_string(options.beta));
  const std::string& t = options.loss_type;
  if (t != "grpo" && t != "bnpo" && t != "dr_grpo" && t != "dapo")
    throw Error("GRPO option 'loss_type' must be \"grpo\", \"bnpo\", \"dr_grpo\" or \"dapo\", got \"" + t + "\"");
  if (options.max_completion_length < 1)
    throw Error("GRPO option 'max_completion_length' must be at least 1, got " +
                std::to_string(options.max_completion_length));
}

double grpo_epsilon_high(const GrpoLossOptions& options) {
  return options.epsilon_high ? *options.epsilon_high : options.epsilon;
}

bool grpo_needs_reference(const GrpoLossOptions& options) { return options.beta != 0.0; }

}  // namespace rf
