// Global-norm gradient clipping with a non-finite check (see grad_clip.h).
#include "train/grad_clip.h"

#include <cmath>

namespace rf {

GradNorm clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (const auto& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  GradNorm r;
  if (grads.empty()) return r;
  std::vector<at::Tensor> norms;
  norms.reserve(grads.size());
  for (const auto& g : grads) norms.push_back(at::norm(g.to(at::kFloat), 2));  // 0-d each
  r.norm = at::norm(at::stack(norms), 2).item<double>();  // one device sync
  r.finite = std::isfinite(r.norm);
  if (!r.finite || max_norm <= 0) return r;
  const double coef = max_norm / (r.norm + 1e-6);
  if (coef < 1.0) {
    for (auto& g : grads) g.mul_(coef);
    r.clipped = true;
  }
  return r;
}

GradNorm clip_grad_norm(const std::vector<std::pair<std::string, at::Tensor>>& params, double max_norm) {
  std::vector<at::Tensor> t;
  t.reserve(params.size());
  for (const auto& [name, p] : params) t.push_back(p);
  return clip_grad_norm(t, max_norm);
}

}  // namespace rf
