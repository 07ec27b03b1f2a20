// The GRPO clipped-surrogate loss and its metrics (see grpo_loss.h), written as TRL's GRPOTrainer
// computes them so that the numbers can be compared with it.
#include "train/grpo_loss.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>

namespace rf {

namespace {

std::string shape_of(const at::Tensor& t) {
  std::string s = "(";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + ")";
}

void check_bt(const at::Tensor& t, const char* field, int64_t B, int64_t T) {
  if (t.dim() != 2 || t.size(0) != B || t.size(1) != T)
    throw Error(std::string("GRPO loss: '") + field + "' must have shape (" + std::to_string(B) + ", " +
                std::to_string(T) + ") like logp, got " + shape_of(t));
}

void check_b(const at::Tensor& t, const char* field, int64_t B) {
  if (t.dim() != 1 || t.size(0) != B)
    throw Error(std::string("GRPO loss: '") + field + "' must have shape (" + std::to_string(B) + "), got " +
                shape_of(t));
}

void check_inputs(const GrpoLossInputs& in, const GrpoLossOptions& options) {
  if (!in.logp.defined() || in.logp.dim() != 2)
    throw Error("GRPO loss: 'logp' must be a (B, T) tensor of completion-token log-probabilities");
  const int64_t B = in.logp.size(0), T = in.logp.size(1);
  if (in.old_logp.defined()) check_bt(in.old_logp, "old_logp", B, T);
  if (grpo_needs_reference(options)) {
    if (!in.ref_logp.defined())
      throw Error("GRPO loss: 'ref_logp' (reference-model log-probabilities) is required when beta != 0");
    check_bt(in.ref_logp, "ref_logp", B, T);
  }
  if (!in.advantages.defined()) throw Error("GRPO loss: 'advantages' is missing");
  check_b(in.advantages, "advantages", B);
  if (!in.completion_mask.defined()) throw Error("GRPO loss: 'completion_mask' is missing");
  check_bt(in.completion_mask, "completion_mask", B, T);
  if (in.truncated.defined()) check_b(in.truncated, "truncated", B);
  if (in.entropy.defined()) check_bt(in.entropy, "entropy", B, T);
  if (in.grad_accum_steps < 1)
    throw Error("GRPO loss: 'grad_accum_steps' must be at least 1, got " + std::to_string(in.grad_accum_steps));
  if (!std::isfinite(in.dapo_normalizer)) throw Error("GRPO loss: 'dapo_normalizer' must be finite");
}

}  // namespace

at::Tensor grpo_completion_mask_apply_truncation(const at::Tensor& completion_mask, const at::Tensor& truncated) {
  at::Tensor mask = completion_mask.to(at::kFloat);
  if (!truncated.defined()) return mask;
  if (truncated.dim() != 1 || truncated.size(0) != completion_mask.size(0))
    throw Error("GRPO loss: 'truncated' must have one flag per completion row, got " + shape_of(truncated));
  const at::Tensor keep = truncated.to(mask.device()).logical_not().to(at::kFloat).unsqueeze(1);  // (B, 1)
  return mask * keep;
}

int64_t grpo_active_tokens(const at::Tensor& completion_mask) {
  return static_cast<int64_t>(std::llround(completion_mask.detach().sum().item<double>()));
}

GrpoLoss grpo_loss_compute(const GrpoLossInputs& in, const GrpoLossOptions& options) {
  grpo_loss_options_validate(options);
  check_inputs(in, options);
  const at::Tensor& logp = in.logp;  // (B, T)
  const auto dtype = logp.scalar_type();
  const int64_t B = logp.size(0);

  at::Tensor mask = options.mask_truncated_completions
                        ? grpo_completion_mask_apply_truncation(in.completion_mask, in.truncated)
                        : in.completion_mask.to(at::kFloat);
  mask = mask.to(logp.device(), dtype);                                                   // (B, T)
  const at::Tensor old = in.old_logp.defined() ? in.old_logp.to(logp.device(), dtype) : logp.detach();  // (B, T)
  const at::Tensor adv = in.advantages.to(logp.device(), dtype).unsqueeze(1);               // (B, 1)

  const double eps_low = options.epsilon;
  const double eps_high = grpo_epsilon_high(options);
  const at::Tensor coef1 = at::exp(logp - old);                                             // (B, T) ρ
  const at::Tensor coef2 = at::clamp(coef1, 1.0 - eps_low, 1.0 + eps_high);                 // (B, T)
  at::Tensor per_token = -at::min(coef1 * adv, coef2 * adv);                                // (B, T)
  at::Tensor kl;
  if (grpo_needs_reference(options)) {
    const at::Tensor d = in.ref_logp.to(logp.device(), dtype) - logp;                       // (B, T)
    kl = at::exp(d) - d - 1.0;
    per_token = per_token + options.beta * kl;
  }

  const at::Tensor masked = per_token * mask;  // (B, T)
  const int64_t active = grpo_active_tokens(mask);
  const double accum = static_cast<double>(in.grad_accum_steps);
  at::Tensor loss;
  if (options.loss_type == "grpo") {
    loss = (masked.sum(-1) / mask.sum(-1).clamp_min(1.0)).mean() / accum;
  } else if (options.loss_type == "bnpo") {
    loss = masked.sum() / mask.sum().clamp_min(1.0) / accum;
  } else if (options.loss_type == "dr_grpo") {
    loss = masked.sum() / static_cast<double>(B * options.max_completion_length) / accum;
  } else {  // "dapo"
    double norm = in.dapo_normalizer;
    if (norm <= 0.0) norm = static_cast<double>(std::max<int64_t>(active, 1));
    if (norm < static_cast<double>(active))
      throw Error("GRPO loss: 'dapo_normalizer' (" + std::to_string(norm) +
                  ") must count the active tokens of the whole accumulated batch, but this micro-batch alone has " +
                  std::to_string(active));
    loss = masked.sum() / norm;
  }

  GrpoLoss out;
  out.loss = loss;
  out.active_tokens = active;
  {
    at::NoGradGuard no_grad;
    const at::Tensor count = mask.sum().clamp_min(1.0);
    auto masked_mean = [&](const at::Tensor& x) { return ((x.to(dtype) * mask).sum() / count).item<double>(); };
    if (kl.defined()) out.metrics.emplace_back("kl", masked_mean(kl.detach()));
    if (in.entropy.defined()) out.metrics.emplace_back("entropy", masked_mean(in.entropy.to(logp.device()).detach()));
    const at::Tensor c = coef1.detach();
    const at::Tensor low = at::logical_and(c < 1.0 - eps_low, adv < 0);    // (B, T)
    const at::Tensor high = at::logical_and(c > 1.0 + eps_high, adv > 0);  // (B, T)
    out.metrics.emplace_back("clip_ratio/low_mean", masked_mean(low));
    out.metrics.emplace_back("clip_ratio/high_mean", masked_mean(high));
    out.metrics.emplace_back("clip_ratio/region_mean", masked_mean(at::logical_or(low, high)));
    out.completion_mask = mask.to(at::kFloat);
  }
  return out;
}

}  // namespace rf
