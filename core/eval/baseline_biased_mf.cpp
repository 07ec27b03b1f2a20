// Biased MF for ratings: see baseline_biased_mf.h.
#include "eval/baseline_biased_mf.h"

#include "eval/baseline_torch_common.h"
#include "util/cpu_threads.h"
#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace rf {

namespace {

const char* kModel = "biased-mf";

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {"dim",      "epochs",   "batch_size", "optimizer", "lr",   "reg",
                                                "reg_bias", "init_std", "device",     "threads",   "seed"};
  return keys;
}

class BiasedMf : public RatingPredictor {
 public:
  explicit BiasedMf(BiasedMfOptions o) : o_(std::move(o)), device_(baseline::device_parse(o_.device, kModel)) {}

  std::string name() const override { return "biased-mf"; }
  void fit(const Dataset& ds, const std::vector<int32_t>& train_interactions, uint64_t seed) override;
  double predict(int32_t user, int32_t item) const override;

 private:
  BiasedMfOptions o_;
  at::Device device_;
  bool fitted_ = false;
  double mu_ = 0, lo_ = 0, hi_ = 0;
  int64_t n_users_ = 0, n_items_ = 0;
  // Fitted terms copied to the CPU for cheap single predictions; zero for users / items without ratings.
  std::vector<float> bu_, bi_, p_, q_;
};

void BiasedMf::fit(const Dataset& ds, const std::vector<int32_t>& train_interactions, uint64_t seed) {
  baseline::device_check_available(device_, kModel);
  CpuThreadsGuard threads(device_, static_cast<int>(o_.threads));
  const uint64_t s = o_.seed >= 0 ? static_cast<uint64_t>(o_.seed) : seed;
  n_users_ = ds.user_count();
  n_items_ = ds.item_count();

  std::vector<int64_t> us, is;
  std::vector<float> rs;
  for (int32_t k : train_interactions) {
    if (k < 0 || static_cast<size_t>(k) >= ds.interactions.size()) {
      throw Error("biased-mf: train interaction index " + std::to_string(k) + " outside the dataset's " +
                  std::to_string(ds.interactions.size()) + " interactions");
    }
    const Interaction& x = ds.interactions[static_cast<size_t>(k)];
    if (!x.has_rating() || !std::isfinite(x.rating)) {
      throw Error("biased-mf: train interaction " + std::to_string(k) + " (user '" + ds.users[static_cast<size_t>(x.user)].id +
                  "', item '" + ds.items[static_cast<size_t>(x.item)].id + "') has no rating");
    }
    us.push_back(x.user);
    is.push_back(x.item);
    rs.push_back(x.rating);
  }
  if (rs.empty()) throw Error("biased-mf: no rated train interactions to fit on");
  double sum = 0;
  for (float r : rs) sum += r;
  mu_ = sum / static_cast<double>(rs.size());
  lo_ = *std::min_element(rs.begin(), rs.end());
  hi_ = *std::max_element(rs.begin(), rs.end());

  at::Generator gen = baseline::generator_for(device_, s);
  const auto fopts = at::TensorOptions().dtype(at::kFloat).device(device_);
  at::Tensor bu = at::zeros({n_users_}, fopts).requires_grad_(true);
  at::Tensor bi = at::zeros({n_items_}, fopts).requires_grad_(true);
  at::Tensor p = at::empty({n_users_, o_.dim}, fopts).normal_(0.0, o_.init_std, gen).requires_grad_(true);
  at::Tensor q = at::empty({n_items_, o_.dim}, fopts).normal_(0.0, o_.init_std, gen).requires_grad_(true);
  const std::vector<at::Tensor> params = {bu, bi, p, q};
  std::unique_ptr<baseline::Adam> adam;
  if (o_.optimizer == "adam") adam = std::make_unique<baseline::Adam>(params, o_.lr);

  const int64_t n = static_cast<int64_t>(rs.size());
  const at::Tensor all_u = baseline::long_tensor(us, device_);
  const at::Tensor all_i = baseline::long_tensor(is, device_);
  const at::Tensor all_r = at::from_blob(rs.data(), {n}, at::kFloat).to(device_, at::kFloat, false, true);
  std::mt19937_64 rng(s ^ 0x2545f4914f6cdd1dULL);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) order[static_cast<size_t>(k)] = k;
  for (int64_t epoch = 0; epoch < o_.epochs; ++epoch) {
    for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng() % k]);
    const at::Tensor perm = baseline::long_tensor(order, device_);
    for (int64_t start = 0; start < n; start += o_.batch_size) {
      const at::Tensor idx = perm.narrow(0, start, std::min(o_.batch_size, n - start));
      const at::Tensor u = all_u.index_select(0, idx), i = all_i.index_select(0, idx), r = all_r.index_select(0, idx);
      const at::Tensor pu = p.index_select(0, u), qi = q.index_select(0, i);  // (B, D)
      const at::Tensor bu_b = bu.index_select(0, u), bi_b = bi.index_select(0, i);  // (B)
      const at::Tensor pred = (pu * qi).sum(1) + bu_b + bi_b + mu_;
      at::Tensor loss = (pred - r).pow(2).mean();
      if (o_.reg > 0) loss = loss + o_.reg * (pu.pow(2).sum(1) + qi.pow(2).sum(1)).mean();
      if (o_.reg_bias > 0) loss = loss + o_.reg_bias * (bu_b.pow(2) + bi_b.pow(2)).mean();
      if (!std::isfinite(loss.item<double>())) {
        throw Error("biased-mf: non-finite loss in epoch " + std::to_string(epoch + 1) + "; lower 'lr' (" +
                    nlohmann::json(o_.lr).dump() + ")");
      }
      for (const auto& t : params) {
        if (t.grad().defined()) t.mutable_grad() = at::Tensor();
      }
      loss.backward();
      if (adam) {
        adam->step();
      } else {
        at::NoGradGuard no_grad;
        for (at::Tensor t : params) {
          if (t.grad().defined()) t.sub_(t.grad(), o_.lr);
        }
      }
    }
  }

  // Copy out, zeroing the terms of users and items that had no train rating (never fitted, only noise).
  std::vector<char> seen_u(static_cast<size_t>(n_users_), 0), seen_i(static_cast<size_t>(n_items_), 0);
  for (size_t k = 0; k < us.size(); ++k) {
    seen_u[static_cast<size_t>(us[k])] = 1;
    seen_i[static_cast<size_t>(is[k])] = 1;
  }
  auto to_vec = [](const at::Tensor& t) {
    const at::Tensor c = t.detach().to(at::kCPU).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  };
  bu_ = to_vec(bu);
  bi_ = to_vec(bi);
  p_ = to_vec(p);
  q_ = to_vec(q);
  const size_t d = static_cast<size_t>(o_.dim);
  for (size_t u = 0; u < seen_u.size(); ++u) {
    if (seen_u[u]) continue;
    bu_[u] = 0;
    std::fill(p_.begin() + static_cast<std::ptrdiff_t>(u * d), p_.begin() + static_cast<std::ptrdiff_t>((u + 1) * d), 0.0f);
  }
  for (size_t i = 0; i < seen_i.size(); ++i) {
    if (seen_i[i]) continue;
    bi_[i] = 0;
    std::fill(q_.begin() + static_cast<std::ptrdiff_t>(i * d), q_.begin() + static_cast<std::ptrdiff_t>((i + 1) * d), 0.0f);
  }
  fitted_ = true;
}

double BiasedMf::predict(int32_t user, int32_t item) const {
  if (!fitted_) throw Error("biased-mf: predict called before fit");
  double r = mu_;
  const bool known_u = user >= 0 && user < n_users_, known_i = item >= 0 && item < n_items_;
  if (known_u) r += bu_[static_cast<size_t>(user)];
  if (known_i) r += bi_[static_cast<size_t>(item)];
  if (known_u && known_i) {
    const size_t d = static_cast<size_t>(o_.dim);
    const float* pu = p_.data() + static_cast<size_t>(user) * d;
    const float* qi = q_.data() + static_cast<size_t>(item) * d;
    double dot = 0;
    for (size_t k = 0; k < d; ++k) dot += static_cast<double>(pu[k]) * qi[k];
    r += dot;
  }
  return std::clamp(r, lo_, hi_);
}

}  // namespace

BiasedMfOptions biased_mf_options_from_json(const nlohmann::json& params) {
  baseline::params_check_object(params, kModel);
  BiasedMfOptions o;
  if (params.is_null()) return o;
  for (auto it = params.begin(); it != params.end(); ++it) {
    const std::string& k = it.key();
    if (k == "dim") o.dim = baseline::param_int(params, kModel, k, 1, 4096);
    else if (k == "epochs") o.epochs = baseline::param_int(params, kModel, k, 0, 100000);
    else if (k == "batch_size") o.batch_size = baseline::param_int(params, kModel, k, 1, 1 << 24);
    else if (k == "optimizer") o.optimizer = baseline::param_choice(params, kModel, k, {"adam", "sgd"});
    else if (k == "lr") o.lr = baseline::param_double(params, kModel, k, 1e-8, 100.0);
    else if (k == "reg") o.reg = baseline::param_double(params, kModel, k, 0.0, 100.0);
    else if (k == "reg_bias") o.reg_bias = baseline::param_double(params, kModel, k, 0.0, 100.0);
    else if (k == "init_std") o.init_std = baseline::param_double(params, kModel, k, 0.0, 10.0);
    else if (k == "device") o.device = baseline::device_parse(baseline::param_string(params, kModel, k), kModel).str();
    else if (k == "threads") o.threads = baseline::param_int(params, kModel, k, 0, 1024);
    else if (k == "seed") o.seed = baseline::param_int(params, kModel, k, -1, INT64_MAX);
    else baseline::param_unknown(kModel, k, known_keys());
  }
  return o;
}

nlohmann::json biased_mf_options_to_json(const BiasedMfOptions& o) {
  return {{"dim", o.dim},           {"epochs", o.epochs}, {"batch_size", o.batch_size}, {"optimizer", o.optimizer},
          {"lr", o.lr},             {"reg", o.reg},       {"reg_bias", o.reg_bias},     {"init_std", o.init_std},
          {"device", o.device},     {"threads", o.threads}, {"seed", o.seed}};
}

std::unique_ptr<RatingPredictor> biased_mf_create(const nlohmann::json& params) {
  return std::make_unique<BiasedMf>(biased_mf_options_from_json(params));
}

}  // namespace rf
