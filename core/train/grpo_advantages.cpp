// Group-relative advantages and reward metrics (see grpo_advantages.h). The vectors are B·G numbers, so
// the arithmetic is plain double-precision loops on the CPU, easy to check against hand computation.
#include "train/grpo_advantages.h"

#include "util/error.h"

#include <cmath>
#include <limits>

namespace rf {

namespace {

constexpr double kStdEps = 1e-4;  // TRL: advantages / (std + 1e-4)
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// torch.isclose(std, 0) with its default tolerances: |std| <= atol = 1e-8.
bool std_is_zero(double s) { return std::abs(s) <= 1e-8; }

// Unbiased standard deviation of the non-NaN values (NaN when fewer than two), as TRL's nanstd.
double nan_std(const std::vector<double>& v, double& mean_out) {
  double sum = 0.0;
  int64_t n = 0;
  for (double x : v)
    if (!std::isnan(x)) sum += x, ++n;
  mean_out = n > 0 ? sum / static_cast<double>(n) : kNaN;
  if (n < 2) return kNaN;
  double ss = 0.0;
  for (double x : v)
    if (!std::isnan(x)) ss += (x - mean_out) * (x - mean_out);
  return std::sqrt(ss / static_cast<double>(n - 1));
}

// Unbiased std of v[begin, end) (no NaNs there).
double std_of(const std::vector<double>& v, size_t begin, size_t end, double mean) {
  const size_t n = end - begin;
  if (n < 2) return 0.0;
  double ss = 0.0;
  for (size_t i = begin; i < end; ++i) ss += (v[i] - mean) * (v[i] - mean);
  return std::sqrt(ss / static_cast<double>(n - 1));
}

std::vector<double> tensor_to_doubles(const at::Tensor& t) {
  at::Tensor c = t.detach().to(at::kCPU, at::kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

at::Tensor doubles_to_tensor(const std::vector<double>& v) {
  return at::tensor(at::ArrayRef<double>(v), at::TensorOptions().dtype(at::kDouble)).to(at::kFloat);
}

GrpoAdvantages advantages_from_totals(const std::vector<double>& R, const GrpoAdvantageOptions& options,
                                      GrpoMetrics metrics) {
  grpo_advantage_options_validate(options);
  const size_t G = static_cast<size_t>(options.num_generations);
  if (R.empty()) throw Error("GRPO rewards: the batch holds no completions");
  if (R.size() % G != 0)
    throw Error("GRPO rewards: " + std::to_string(R.size()) + " completions is not a multiple of num_generations = " +
                std::to_string(G));
  for (size_t i = 0; i < R.size(); ++i)
    if (std::isnan(R[i])) throw Error("GRPO rewards: reward of completion " + std::to_string(i) + " is NaN");

  const size_t N = R.size();
  std::vector<double> mean(N), gstd(N), scale_std(N), adv(N);
  for (size_t g0 = 0; g0 < N; g0 += G) {
    double sum = 0.0;
    for (size_t i = g0; i < g0 + G; ++i) sum += R[i];
    const double m = sum / static_cast<double>(G);
    const double s = std_of(R, g0, g0 + G, m);
    for (size_t i = g0; i < g0 + G; ++i) mean[i] = m, gstd[i] = s;
  }
  double batch_mean = 0.0;
  for (double r : R) batch_mean += r;
  batch_mean /= static_cast<double>(N);
  const double batch_std = std_of(R, 0, N, batch_mean);

  const bool batch = options.scale_rewards == "batch";
  const bool none = options.scale_rewards == "none";
  double std_sum = 0.0, zero = 0.0;
  for (size_t i = 0; i < N; ++i) {
    scale_std[i] = batch ? batch_std : gstd[i];
    adv[i] = R[i] - mean[i];
    if (!none) adv[i] /= scale_std[i] + kStdEps;
    std_sum += scale_std[i];
    zero += std_is_zero(scale_std[i]) ? 1.0 : 0.0;
  }
  const double n = static_cast<double>(N);
  metrics.emplace_back("reward", batch_mean);
  metrics.emplace_back("reward_std", std_sum / n);
  metrics.emplace_back("frac_reward_zero_std", zero / n);

  GrpoAdvantages out;
  out.rewards = doubles_to_tensor(R);
  out.advantages = doubles_to_tensor(adv);
  out.group_mean = doubles_to_tensor(mean);
  out.group_std = doubles_to_tensor(gstd);
  out.metrics = std::move(metrics);
  return out;
}

}  // namespace

GrpoAdvantages grpo_advantages_compute(const at::Tensor& rewards, const GrpoAdvantageOptions& options) {
  if (!rewards.defined() || rewards.dim() != 1)
    throw Error("GRPO rewards: expected a 1-D tensor of B x num_generations totals");
  return advantages_from_totals(tensor_to_doubles(rewards), options, {});
}

GrpoAdvantages grpo_advantages_compute(const at::Tensor& component_rewards, const std::vector<std::string>& names,
                                       const std::vector<double>& weights, const GrpoAdvantageOptions& options) {
  if (!component_rewards.defined() || component_rewards.dim() != 2)
    throw Error("GRPO rewards: expected a 2-D tensor (completions, components) of component rewards");
  const int64_t N = component_rewards.size(0);
  const int64_t K = component_rewards.size(1);
  if (static_cast<int64_t>(names.size()) != K)
    throw Error("GRPO rewards: " + std::to_string(names.size()) + " component names for " + std::to_string(K) +
                " reward columns");
  if (static_cast<int64_t>(weights.size()) != K)
    throw Error("GRPO rewards: " + std::to_string(weights.size()) + " weights for " + std::to_string(K) +
                " reward columns");
  for (int64_t k = 0; k < K; ++k)
    if (!std::isfinite(weights[k])) throw Error("GRPO rewards: weight of component '" + names[k] + "' is not finite");

  const std::vector<double> r = tensor_to_doubles(component_rewards);  // row-major (N, K)
  std::vector<double> R(N, 0.0);
  GrpoMetrics metrics;
  for (int64_t k = 0; k < K; ++k) {
    std::vector<double> col(N);
    for (int64_t i = 0; i < N; ++i) {
      col[i] = r[i * K + k];
      if (!std::isnan(col[i])) R[i] += weights[k] * col[i];  // nansum
    }
    double m = 0.0;
    const double s = nan_std(col, m);
    metrics.emplace_back("rewards/" + names[k] + "/mean", m);
    metrics.emplace_back("rewards/" + names[k] + "/std", s);
  }
  return advantages_from_totals(R, options, std::move(metrics));
}

}  // namespace rf
