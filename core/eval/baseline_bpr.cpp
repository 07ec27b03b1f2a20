// BPR-MF in LibTorch: see baseline_bpr.h.
#include "eval/baseline_bpr.h"

#include "eval/baseline_torch_common.h"
#include "util/cpu_threads.h"
#include "util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

namespace rf {

namespace {

const char* kModel = "bpr";

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {"dim",        "epochs",   "batch_size", "negatives", "lr",
                                                "reg",        "weight_decay", "init_std", "eval_every", "patience",
                                                "metric",     "device",   "threads",    "seed"};
  return keys;
}

class BprRecommender : public Recommender {
 public:
  explicit BprRecommender(BprOptions o) : o_(std::move(o)), device_(baseline::device_parse(o_.device, kModel)) {}

  std::string name() const override { return "bpr"; }

  void fit(const FitData& data) override;
  void score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
             std::vector<std::vector<float>>& out) const override;

 private:
  baseline::RankSums validate(const Split& split, const std::vector<std::vector<int32_t>>& train_sorted) const;

  BprOptions o_;
  at::Device device_;
  at::Tensor users_, items_;  // (U, D), (N, D)
  int32_t n_items_ = 0;
};

void BprRecommender::fit(const FitData& data) {
  if (!data.ds || !data.split) throw Error("bpr: fit needs a dataset and a split");
  const Dataset& ds = *data.ds;
  const Split& split = *data.split;
  if (split.users.size() != ds.users.size()) {
    throw Error("bpr: the split has " + std::to_string(split.users.size()) + " users but the dataset " +
                std::to_string(ds.users.size()));
  }
  n_items_ = ds.item_count();
  if (n_items_ < 2) throw Error("bpr: the catalogue needs at least 2 items to sample negatives");
  baseline::device_check_available(device_, kModel);
  CpuThreadsGuard threads(device_, static_cast<int>(o_.threads));
  const uint64_t seed = o_.seed >= 0 ? static_cast<uint64_t>(o_.seed) : data.seed;

  // Positive pairs and each user's sorted train items (for rejecting sampled negatives they already have).
  std::vector<std::vector<int32_t>> train_sorted(split.users.size());
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (size_t u = 0; u < split.users.size(); ++u) {
    for (int32_t i : split.users[u].train) {
      if (i < 0 || i >= n_items_) {
        throw Error("bpr: split user " + std::to_string(u) + " has item index " + std::to_string(i) + " outside [0, " +
                    std::to_string(n_items_) + ")");
      }
      pairs.emplace_back(static_cast<int32_t>(u), i);
    }
    train_sorted[u] = split.users[u].train;
    std::sort(train_sorted[u].begin(), train_sorted[u].end());
    train_sorted[u].erase(std::unique(train_sorted[u].begin(), train_sorted[u].end()), train_sorted[u].end());
  }
  if (pairs.empty()) throw Error("bpr: the split's train part has no interactions");

  at::Generator gen = baseline::generator_for(device_, seed);
  const auto fopts = at::TensorOptions().dtype(at::kFloat).device(device_);
  users_ = at::empty({ds.user_count(), o_.dim}, fopts).normal_(0.0, o_.init_std, gen).requires_grad_(true);
  items_ = at::empty({n_items_, o_.dim}, fopts).normal_(0.0, o_.init_std, gen).requires_grad_(true);
  baseline::Adam adam({users_, items_}, o_.lr, o_.weight_decay);

  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  baseline::EarlyStopper stopper{static_cast<int>(o_.patience)};
  at::Tensor best_users, best_items;
  const int64_t neg = o_.negatives;
  std::vector<int64_t> bu, bi, bj;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t epoch = 1; epoch <= o_.epochs; ++epoch) {
    for (size_t k = pairs.size(); k > 1; --k) std::swap(pairs[k - 1], pairs[rng() % k]);
    double loss_sum = 0;
    int64_t steps = 0, skipped = 0;
    for (size_t start = 0; start < pairs.size(); start += static_cast<size_t>(o_.batch_size)) {
      const size_t end = std::min(pairs.size(), start + static_cast<size_t>(o_.batch_size));
      bu.clear();
      bi.clear();
      bj.clear();
      for (size_t p = start; p < end; ++p) {
        const auto [u, i] = pairs[p];
        bu.push_back(u);
        bi.push_back(i);
        const auto& seen = train_sorted[static_cast<size_t>(u)];
        for (int64_t s = 0; s < neg; ++s) {
          int32_t j = 0;
          for (int tries = 0; tries < 64; ++tries) {  // a user who has every item keeps the last draw
            j = static_cast<int32_t>(rng() % static_cast<uint64_t>(n_items_));
            if (!std::binary_search(seen.begin(), seen.end(), j)) break;
          }
          bj.push_back(j);
        }
      }
      const int64_t b = static_cast<int64_t>(bu.size());
      const at::Tensor tu = baseline::long_tensor(bu, device_);
      const at::Tensor ti = baseline::long_tensor(bi, device_);
      const at::Tensor tj = baseline::long_tensor(bj, device_);
      const at::Tensor eu = users_.index_select(0, tu);                            // (B, D)
      const at::Tensor ei = items_.index_select(0, ti);                            // (B, D)
      const at::Tensor ej = items_.index_select(0, tj).view({b, neg, o_.dim});     // (B, S, D)
      const at::Tensor x = (eu.unsqueeze(1) * (ei.unsqueeze(1) - ej)).sum(-1);     // (B, S)
      at::Tensor loss = -at::log_sigmoid(x).mean();
      if (o_.reg > 0) {
        loss = loss + o_.reg * (eu.pow(2).sum() + ei.pow(2).sum() + ej.pow(2).sum() / static_cast<double>(neg)) /
                          static_cast<double>(b);
      }
      const double value = loss.item<double>();
      if (!std::isfinite(value)) {  // no update from a non-finite loss
        ++skipped;
        continue;
      }
      adam.zero_grad();
      loss.backward();
      adam.step();
      loss_sum += value;
      ++steps;
    }
    if (steps == 0) {
      throw Error("bpr: every step of epoch " + std::to_string(epoch) + " had a non-finite loss; lower 'lr' (" +
                  nlohmann::json(o_.lr).dump() + ")");
    }
    if (skipped > 0 && data.verbose) {
      std::fprintf(stderr, "bpr epoch %lld: skipped %lld steps with a non-finite loss\n", (long long)epoch, (long long)skipped);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool eval_now = o_.eval_every > 0 && (epoch % o_.eval_every == 0 || epoch == o_.epochs);
    if (!eval_now) {
      if (data.verbose) std::fprintf(stderr, "bpr epoch %lld loss %.4f (%.1f s)\n", (long long)epoch, loss_sum / steps, secs);
      continue;
    }
    const baseline::RankSums v = validate(split, train_sorted);
    if (v.users == 0) {  // nothing to validate on: train all epochs
      if (data.verbose) std::fprintf(stderr, "bpr epoch %lld loss %.4f (%.1f s)\n", (long long)epoch, loss_sum / steps, secs);
      continue;
    }
    const double value = o_.metric == "recall@10" ? v.recall_mean() : v.ndcg_mean();
    const bool best = stopper.improved(value);
    if (data.verbose) {
      std::fprintf(stderr, "bpr epoch %lld loss %.4f valid recall@10 %.4f ndcg@10 %.4f%s (%.1f s)\n", (long long)epoch,
                   loss_sum / steps, v.recall_mean(), v.ndcg_mean(), best ? " *" : "", secs);
    }
    if (best) {
      at::NoGradGuard no_grad;
      best_users = users_.detach().clone();
      best_items = items_.detach().clone();
    }
    if (stopper.should_stop()) break;
  }
  at::NoGradGuard no_grad;
  users_ = best_users.defined() ? best_users : users_.detach();
  items_ = best_items.defined() ? best_items : items_.detach();
}

baseline::RankSums BprRecommender::validate(const Split& split, const std::vector<std::vector<int32_t>>& train_sorted) const {
  at::NoGradGuard no_grad;
  baseline::RankSums sums;
  std::vector<int64_t> batch;
  std::vector<int32_t> targets;
  std::vector<const std::vector<int32_t>*> exclude;
  auto flush = [&] {
    if (batch.empty()) return;
    const at::Tensor tu = baseline::long_tensor(batch, device_);
    at::Tensor scores = at::matmul(users_.detach().index_select(0, tu), items_.detach().t());  // (B, N)
    baseline::rank_sums_add(scores, targets, exclude, 10, sums);
    batch.clear();
    targets.clear();
    exclude.clear();
  };
  for (size_t u = 0; u < split.users.size(); ++u) {
    const auto& s = split.users[u];
    if (s.valid.empty() || s.valid[0] < 0 || s.valid[0] >= n_items_) continue;
    batch.push_back(static_cast<int64_t>(u));
    targets.push_back(s.valid[0]);
    exclude.push_back(&train_sorted[u]);
    if (batch.size() == 1024) flush();
  }
  flush();
  return sums;
}

void BprRecommender::score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
                           std::vector<std::vector<float>>& out) const {
  (void)histories;  // BPR's user vector already summarises the training history
  if (!users_.defined()) throw Error("bpr: score called before fit");
  at::NoGradGuard no_grad;
  const int64_t n_users = users_.size(0);
  std::vector<int64_t> idx;
  for (int32_t u : users) {
    if (u < 0 || u >= n_users) {
      throw Error("bpr: user index " + std::to_string(u) + " outside the " + std::to_string(n_users) + " users it was fitted on");
    }
    idx.push_back(u);
  }
  out.assign(users.size(), {});
  const at::Tensor item_t = items_.t();
  for (size_t start = 0; start < idx.size(); start += 1024) {
    const int64_t b = static_cast<int64_t>(std::min<size_t>(1024, idx.size() - start));
    const at::Tensor tu = at::from_blob(idx.data() + start, {b}, at::kLong).to(device_);
    const at::Tensor scores = at::matmul(users_.index_select(0, tu), item_t).to(at::kCPU).contiguous();  // (B, N)
    const float* p = scores.data_ptr<float>();
    for (int64_t r = 0; r < b; ++r) out[start + static_cast<size_t>(r)].assign(p + r * n_items_, p + (r + 1) * n_items_);
  }
}

}  // namespace

BprOptions bpr_options_from_json(const nlohmann::json& params) {
  baseline::params_check_object(params, kModel);
  BprOptions o;
  if (params.is_null()) return o;
  for (auto it = params.begin(); it != params.end(); ++it) {
    const std::string& k = it.key();
    if (k == "dim") o.dim = baseline::param_int(params, kModel, k, 1, 4096);
    else if (k == "epochs") o.epochs = baseline::param_int(params, kModel, k, 1, 100000);
    else if (k == "batch_size") o.batch_size = baseline::param_int(params, kModel, k, 1, 1 << 22);
    else if (k == "negatives") o.negatives = baseline::param_int(params, kModel, k, 1, 1024);
    else if (k == "lr") o.lr = baseline::param_double(params, kModel, k, 1e-8, 10.0);
    else if (k == "reg") o.reg = baseline::param_double(params, kModel, k, 0.0, 100.0);
    else if (k == "weight_decay") o.weight_decay = baseline::param_double(params, kModel, k, 0.0, 10.0);
    else if (k == "init_std") o.init_std = baseline::param_double(params, kModel, k, 1e-6, 10.0);
    else if (k == "eval_every") o.eval_every = baseline::param_int(params, kModel, k, 0, 100000);
    else if (k == "patience") o.patience = baseline::param_int(params, kModel, k, 0, 100000);
    else if (k == "metric") o.metric = baseline::param_choice(params, kModel, k, {"ndcg@10", "recall@10"});
    else if (k == "device") o.device = baseline::device_parse(baseline::param_string(params, kModel, k), kModel).str();
    else if (k == "threads") o.threads = baseline::param_int(params, kModel, k, 0, 1024);
    else if (k == "seed") o.seed = baseline::param_int(params, kModel, k, -1, INT64_MAX);
    else baseline::param_unknown(kModel, k, known_keys());
  }
  return o;
}

nlohmann::json bpr_options_to_json(const BprOptions& o) {
  return {{"dim", o.dim},       {"epochs", o.epochs},         {"batch_size", o.batch_size}, {"negatives", o.negatives},
          {"lr", o.lr},         {"reg", o.reg},               {"weight_decay", o.weight_decay},
          {"init_std", o.init_std}, {"eval_every", o.eval_every}, {"patience", o.patience}, {"metric", o.metric},
          {"device", o.device}, {"threads", o.threads},       {"seed", o.seed}};
}

std::unique_ptr<Recommender> bpr_create(const nlohmann::json& params) {
  return std::make_unique<BprRecommender>(bpr_options_from_json(params));
}

}  // namespace rf
