// Shared plumbing of the LibTorch baselines: see baseline_torch_common.h.
#include "eval/baseline_torch_common.h"

#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>


#include <cmath>
#include <cstdlib>
#include <limits>
#include <mutex>

namespace rf::baseline {

namespace {

std::string where(const std::string& model, const std::string& key) { return model + " params: '" + key + "'"; }

const nlohmann::json& param_value(const nlohmann::json& params, const std::string& model, const std::string& key) {
  auto it = params.find(key);
  if (it == params.end()) throw Error(where(model, key) + " is missing");
  return *it;
}

}  // namespace

int64_t param_int(const nlohmann::json& params, const std::string& model, const std::string& key, int64_t lo, int64_t hi) {
  const auto& v = param_value(params, model, key);
  int64_t x = 0;
  if (v.is_number_integer()) {
    x = v.get<int64_t>();
  } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>() && std::abs(v.get<double>()) < 9e15) {
    x = static_cast<int64_t>(v.get<double>());  // 1e5 written in scientific notation is still a whole number
  } else {
    throw Error(where(model, key) + " must be an integer, got " + v.dump());
  }
  if (x < lo || x > hi) {
    throw Error(where(model, key) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                std::to_string(x));
  }
  return x;
}

double param_double(const nlohmann::json& params, const std::string& model, const std::string& key, double lo, double hi) {
  const auto& v = param_value(params, model, key);
  if (!v.is_number()) throw Error(where(model, key) + " must be a number, got " + v.dump());
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) {
    throw Error(where(model, key) + " must be in [" + nlohmann::json(lo).dump() + ", " + nlohmann::json(hi).dump() +
                "], got " + v.dump());
  }
  return x;
}

bool param_bool(const nlohmann::json& params, const std::string& model, const std::string& key) {
  const auto& v = param_value(params, model, key);
  if (!v.is_boolean()) throw Error(where(model, key) + " must be true or false, got " + v.dump());
  return v.get<bool>();
}

std::string param_string(const nlohmann::json& params, const std::string& model, const std::string& key) {
  const auto& v = param_value(params, model, key);
  if (!v.is_string()) throw Error(where(model, key) + " must be a string, got " + v.dump());
  return v.get<std::string>();
}

std::string param_choice(const nlohmann::json& params, const std::string& model, const std::string& key,
                         const std::vector<std::string>& allowed) {
  const auto& v = param_value(params, model, key);
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  if (!v.is_string()) throw Error(where(model, key) + " must be one of " + list + ", got " + v.dump());
  const std::string s = v.get<std::string>();
  for (const auto& a : allowed) {
    if (a == s) return s;
  }
  throw Error(where(model, key) + " must be one of " + list + ", got '" + s + "'");
}

void params_check_object(const nlohmann::json& params, const std::string& model) {
  if (!params.is_null() && !params.is_object()) throw Error(model + " params must be a JSON object, got " + params.dump());
}

void param_unknown(const std::string& model, const std::string& key, const std::vector<std::string>& known) {
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw Error(model + " params: unknown key '" + key + "' (known: " + list + ")");
}

at::Device device_parse(const std::string& text, const std::string& model) {
  if (text == "cpu") return at::Device(at::kCPU);
  if (text == "cuda") return at::Device(at::kCUDA, 0);
  if (text.rfind("cuda:", 0) == 0 && text.size() > 5 && text.size() < 9 &&
      text.find_first_not_of("0123456789", 5) == std::string::npos) {
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(std::stoi(text.substr(5))));
  }
  throw Error(where(model, "device") + " must be cpu, cuda or cuda:N, got '" + text + "'");
}

void device_check_available(const at::Device& device, const std::string& model) {
  if (device.is_cuda() && !at::hasCUDA()) {
    throw Error(model + ": device '" + device.str() + "' asked for, but this LibTorch has no CUDA device available");
  }
}

at::Tensor long_tensor(const std::vector<int64_t>& values, const at::Device& device, at::IntArrayRef sizes) {
  const std::vector<int64_t> flat = {static_cast<int64_t>(values.size())};
  const at::IntArrayRef shape = sizes.empty() ? at::IntArrayRef(flat) : sizes;
  // from_blob borrows the vector's memory; the copy makes the tensor own it (autograd may keep it).
  return at::from_blob(const_cast<int64_t*>(values.data()), shape, at::kLong).to(device, at::kLong, false, true);
}

at::Generator generator_for(const at::Device& device, uint64_t seed) {
  if (device.is_cpu()) return at::make_generator<at::CPUGeneratorImpl>(seed);
  at::Generator gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seed);
  return gen;
}

Adam::Adam(std::vector<at::Tensor> params, double lr, double weight_decay, double beta1, double beta2, double eps)
    : params_(std::move(params)), lr_(lr), weight_decay_(weight_decay), beta1_(beta1), beta2_(beta2), eps_(eps) {
  for (const auto& p : params_) {
    m_.push_back(at::zeros_like(p));
    v_.push_back(at::zeros_like(p));
  }
}

void Adam::step() {
  at::NoGradGuard no_grad;
  ++t_;
  const double bc1 = 1.0 - std::pow(beta1_, static_cast<double>(t_));
  const double bc2_sqrt = std::sqrt(1.0 - std::pow(beta2_, static_cast<double>(t_)));
  for (size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& p = params_[i];
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (weight_decay_ > 0) p.mul_(1.0 - lr_ * weight_decay_);
    m_[i].mul_(beta1_).add_(g, 1.0 - beta1_);
    v_[i].mul_(beta2_).addcmul_(g, g, 1.0 - beta2_);
    p.addcdiv_(m_[i], v_[i].sqrt().div_(bc2_sqrt).add_(eps_), -lr_ / bc1);
  }
}

void Adam::zero_grad() {
  for (auto& p : params_) {
    if (p.grad().defined()) p.mutable_grad() = at::Tensor();
  }
}

void rank_sums_add(at::Tensor& scores, const std::vector<int32_t>& targets,
                   const std::vector<const std::vector<int32_t>*>& exclude, int k, RankSums& sums) {
  at::NoGradGuard no_grad;
  const int64_t b = scores.size(0), n = scores.size(1);
  std::vector<int64_t> rows, cols;
  for (int64_t r = 0; r < b; ++r) {
    if (!exclude[static_cast<size_t>(r)]) continue;
    for (int32_t item : *exclude[static_cast<size_t>(r)]) {
      if (item == targets[static_cast<size_t>(r)] || item < 0 || item >= n) continue;
      rows.push_back(r);
      cols.push_back(item);
    }
  }
  const auto long_opts = at::TensorOptions().dtype(at::kLong);
  if (!rows.empty()) {
    const at::Tensor r = at::from_blob(rows.data(), {static_cast<int64_t>(rows.size())}, long_opts).to(scores.device());
    const at::Tensor c = at::from_blob(cols.data(), {static_cast<int64_t>(cols.size())}, long_opts).to(scores.device());
    scores.index_put_({r, c}, -std::numeric_limits<float>::infinity());
  }
  std::vector<int64_t> t64(targets.begin(), targets.end());
  const at::Tensor t = at::from_blob(t64.data(), {b, 1}, long_opts).to(scores.device());
  const at::Tensor target_score = scores.gather(1, t);  // (B, 1)
  const at::Tensor index = at::arange(n, long_opts.device(scores.device())).unsqueeze(0);  // (1, N)
  const at::Tensor before = scores.gt(target_score).logical_or_(scores.eq(target_score).logical_and_(index.lt(t)));
  const at::Tensor rank0 = before.sum(1).to(at::kCPU);  // (B) 0-based rank
  const int64_t* rk = rank0.data_ptr<int64_t>();
  for (int64_t r = 0; r < b; ++r) {
    if (rk[r] < k) {
      sums.recall += 1.0;
      sums.ndcg += 1.0 / std::log2(static_cast<double>(rk[r]) + 2.0);
    }
    ++sums.users;
  }
}

bool EarlyStopper::improved(double value) {
  if (value > best) {
    best = value;
    since_best = 0;
    return true;
  }
  ++since_best;
  return false;
}

}  // namespace rf::baseline
