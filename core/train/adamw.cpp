// AdamW: the update (torch.optim.AdamW's single-tensor arithmetic) and its checkpointable state.
#include "train/adamw.h"

#include "model/safetensors.h"
#include "util/error.h"

#include <cmath>
#include <map>

namespace rf {

namespace {

at::ScalarType state_dtype(const at::Tensor& p) {
  return (p.scalar_type() == at::kBFloat16 || p.scalar_type() == at::kHalf) ? at::kFloat : p.scalar_type();
}

std::string shape_str(at::IntArrayRef s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

}  // namespace

void adamw_step(at::Tensor& param, const at::Tensor& grad, AdamWState& state, const AdamWOptions& o, double lr,
                double weight_decay) {
  at::NoGradGuard no_grad;
  const at::ScalarType sd = state_dtype(param);
  if (!state.exp_avg.defined()) {
    state.exp_avg = at::zeros(param.sizes(), param.options().dtype(sd));
    state.exp_avg_sq = at::zeros(param.sizes(), param.options().dtype(sd));
  }
  state.step += 1;
  const double bias1 = 1.0 - std::pow(o.beta1, static_cast<double>(state.step));
  const double bias2 = 1.0 - std::pow(o.beta2, static_cast<double>(state.step));
  const double step_size = lr / bias1;
  const double bias2_sqrt = std::sqrt(bias2);

  at::Tensor g = grad.scalar_type() == sd ? grad : grad.to(sd);
  const bool narrow = param.scalar_type() != sd;
  at::Tensor p = narrow ? param.to(sd) : param;  // float32 master copy of a bf16 parameter for this update

  if (weight_decay != 0.0) p.mul_(1.0 - lr * weight_decay);
  state.exp_avg.mul_(o.beta1).add_(g, 1.0 - o.beta1);
  state.exp_avg_sq.mul_(o.beta2).addcmul_(g, g, 1.0 - o.beta2);
  at::Tensor denom = state.exp_avg_sq.sqrt().div_(bias2_sqrt).add_(o.eps);
  p.addcdiv_(state.exp_avg, denom, -step_size);
  if (narrow) param.copy_(p);
}

AdamW::AdamW(NamedTensors params, AdamWOptions options) : params_(std::move(params)), options_(options) {
  std::map<std::string, int> seen;
  for (const auto& [name, p] : params_) {
    if (!p.defined()) throw Error("AdamW: parameter '" + name + "' is undefined");
    if (!p.is_floating_point()) throw Error("AdamW: parameter '" + name + "' is not a floating-point tensor");
    if (seen[name]++) throw Error("AdamW: parameter '" + name + "' is listed twice");
  }
  if (!(options_.lr >= 0) || !(options_.eps > 0) || !(options_.beta1 >= 0 && options_.beta1 < 1) ||
      !(options_.beta2 >= 0 && options_.beta2 < 1) || !(options_.weight_decay >= 0))
    throw Error("AdamW: invalid options (need lr >= 0, 0 <= beta1, beta2 < 1, eps > 0, weight_decay >= 0)");
  state_.resize(params_.size());
}

void AdamW::step() { step(options_.lr); }

void AdamW::step(double lr) {
  for (size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& p = params_[i].second;
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    const double wd = (options_.no_decay_for_1d && p.dim() <= 1) ? 0.0 : options_.weight_decay;
    adamw_step(p, g, state_[i], options_, lr, wd);
  }
  ++steps_;
}

void AdamW::zero_grad(bool set_to_none) {
  for (auto& [name, p] : params_) {
    at::Tensor& g = p.mutable_grad();
    if (!g.defined()) continue;
    if (set_to_none) g = at::Tensor();
    else g.detach_().zero_();
  }
}

NamedTensors AdamW::state_tensors() const {
  NamedTensors out;
  for (size_t i = 0; i < params_.size(); ++i) {
    const AdamWState& s = state_[i];
    if (!s.exp_avg.defined()) continue;
    const std::string& n = params_[i].first;
    out.emplace_back(n + ".exp_avg", s.exp_avg);
    out.emplace_back(n + ".exp_avg_sq", s.exp_avg_sq);
    out.emplace_back(n + ".step", at::full({1}, s.step, at::kLong));
  }
  out.emplace_back("__optimizer__.steps", at::full({1}, steps_, at::kLong));
  return out;
}

void AdamW::load_state_tensors(const NamedTensors& tensors) {
  std::map<std::string, at::Tensor> by_name(tensors.begin(), tensors.end());
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < params_.size(); ++i) index[params_[i].first] = i;
  std::vector<AdamWState> next(params_.size());
  int64_t steps = 0;
  auto step_value = [](const std::string& name, const at::Tensor& t) {
    if (t.numel() != 1 || t.is_floating_point()) throw Error("AdamW state: '" + name + "' must be one integer");
    return t.to(at::kCPU, at::kLong).item<int64_t>();
  };
  for (const auto& [name, t] : by_name) {
    if (name == "__optimizer__.steps") {
      steps = step_value(name, t);
      continue;
    }
    const size_t dot = name.rfind('.');
    const std::string param = dot == std::string::npos ? "" : name.substr(0, dot);
    const std::string field = dot == std::string::npos ? name : name.substr(dot + 1);
    auto it = index.find(param);
    if (it == index.end()) throw Error("AdamW state: tensor '" + name + "' names no parameter of this optimiser");
    const at::Tensor& p = params_[it->second].second;
    AdamWState& s = next[it->second];
    if (field == "step") {
      s.step = step_value(name, t);
    } else if (field == "exp_avg" || field == "exp_avg_sq") {
      if (t.sizes() != p.sizes())
        throw Error("AdamW state: tensor '" + name + "' has shape " + shape_str(t.sizes()) + " but the parameter has " +
                    shape_str(p.sizes()));
      if (!t.is_floating_point()) throw Error("AdamW state: tensor '" + name + "' is not floating-point");
      at::Tensor v = t.to(p.device(), state_dtype(p)).clone();
      (field == "exp_avg" ? s.exp_avg : s.exp_avg_sq) = v;
    } else {
      throw Error("AdamW state: unknown tensor '" + name + "'");
    }
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    const AdamWState& s = next[i];
    const std::string& n = params_[i].first;
    const bool any = s.exp_avg.defined() || s.exp_avg_sq.defined() || s.step != 0;
    if (!any) continue;
    if (!s.exp_avg.defined()) throw Error("AdamW state: missing tensor '" + n + ".exp_avg'");
    if (!s.exp_avg_sq.defined()) throw Error("AdamW state: missing tensor '" + n + ".exp_avg_sq'");
    if (s.step <= 0) throw Error("AdamW state: missing or invalid tensor '" + n + ".step'");
  }
  state_ = std::move(next);
  steps_ = steps;
}

void AdamW::save(const std::string& path) const {
  NamedTensors t;
  for (const auto& [n, v] : state_tensors()) t.emplace_back(n, v.detach().to(at::kCPU).contiguous());
  safetensors_save(path, t, {{"format", "pt"}, {"optimizer", "adamw"}});
}

void AdamW::load(const std::string& path) {
  SafetensorsFile f(path);
  NamedTensors t;
  for (const auto& e : f.entries()) t.emplace_back(e.name, f.tensor(e.name));
  try {
    load_state_tensors(t);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace rf
