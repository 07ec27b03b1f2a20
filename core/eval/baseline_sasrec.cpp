// SASRec training and scoring: see baseline_sasrec.h.
#include "eval/baseline_sasrec.h"

#include "eval/baseline_torch_common.h"
#include "eval/sasrec_model.h"
#include "util/cpu_threads.h"
#include "util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

namespace rf {

namespace {

const char* kModel = "sasrec";

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {"hidden", "blocks",     "heads",      "max_len",  "dropout", "loss",
                                                "negatives", "lr",      "weight_decay", "batch_size", "epochs",
                                                "eval_every", "patience", "metric",   "device",   "threads", "seed"};
  return keys;
}

// A batch of left-padded id rows (item index + 1, 0 = padding) of one length T.
struct SeqBatch {
  std::vector<int64_t> ids;      // (B, T) row-major
  std::vector<int64_t> targets;  // per real position of the training batch: the next item (0-based)
  std::vector<int64_t> flat;     // per real position: its row * T + column
  int64_t rows = 0, t = 0;
};

// Users whose sequences are `seqs[u]` (each already cut to the last L items), grouped into batches of
// equal length so that no batch pays for padding.
std::vector<std::vector<int32_t>> batches_by_length(std::vector<int32_t> users, const std::vector<size_t>& lengths,
                                                    int64_t batch_size) {
  std::stable_sort(users.begin(), users.end(), [&](int32_t a, int32_t b) { return lengths[a] < lengths[b]; });
  std::vector<std::vector<int32_t>> out;
  for (size_t i = 0; i < users.size();) {
    std::vector<int32_t> batch;
    const size_t len = lengths[static_cast<size_t>(users[i])];
    while (i < users.size() && static_cast<int64_t>(batch.size()) < batch_size && lengths[static_cast<size_t>(users[i])] == len) {
      batch.push_back(users[i++]);
    }
    out.push_back(std::move(batch));
  }
  return out;
}

class SasrecRecommender : public Recommender {
 public:
  explicit SasrecRecommender(SasrecOptions o) : o_(std::move(o)), device_(baseline::device_parse(o_.device, kModel)) {}

  std::string name() const override { return "sasrec"; }
  void fit(const FitData& data) override;
  void score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
             std::vector<std::vector<float>>& out) const override;

 private:
  // Last hidden state (B, C) of each history (already cut to <= L items, all non-empty), evaluation mode.
  at::Tensor encode_last(const std::vector<const std::vector<int32_t>*>& seqs) const;
  baseline::RankSums validate(const Split& split) const;
  // One optimisation step on `batch`; returns the mean loss over its positions.
  double train_step(const SeqBatch& batch, std::mt19937_64& rng, baseline::Adam& adam);

  SasrecOptions o_;
  at::Device device_;
  std::unique_ptr<SasrecNet> net_;
  int32_t n_items_ = 0;
  at::Tensor logits_buffer_;  // reused (M, N) workspace of the full cross-entropy
};

// Full-softmax cross-entropy of h (M, C) against every row of table (N, C), with its gradient written by
// hand: the (M, N) logits live in one reused buffer and become the gradient softmax - onehot in place, so
// autograd never stores an (M, N) tensor. Returns the mean loss; grad_h (M, C) and grad_table (N, C).
double ce_full_with_grad(const at::Tensor& h, const at::Tensor& table, const at::Tensor& target, at::Tensor& buffer,
                         at::Tensor& grad_h, at::Tensor& grad_table) {
  at::NoGradGuard no_grad;
  const int64_t m = h.size(0), n = table.size(0);
  if (!buffer.defined() || buffer.numel() < m * n || buffer.device() != h.device()) {
    buffer = at::empty({std::max<int64_t>(m * n, buffer.defined() ? buffer.numel() : 0)}, h.options());
  }
  at::Tensor g = buffer.narrow(0, 0, m * n).view({m, n});
  at::mm_out(g, h, table.t());                                          // logits (M, N)
  at::_softmax_out(g, g, 1, false);                                     // in place: one fused pass per row
  const double loss = -g.gather(1, target.unsqueeze(1)).clamp_min(1e-30).log().mean().item<double>();
  const at::Tensor flat = at::arange(m, target.options()).mul_(n).add_(target);
  g.view({-1}).index_add_(0, flat, at::full({m}, -1.0, g.options()));   // softmax - onehot
  g.mul_(1.0 / static_cast<double>(m));
  grad_h = at::mm(g, table);                                            // (M, C)
  grad_table = at::mm(g.t(), h);                                        // (N, C)
  return loss;
}

double SasrecRecommender::train_step(const SeqBatch& batch, std::mt19937_64& rng, baseline::Adam& adam) {
  const auto lopts = at::TensorOptions().dtype(at::kLong);
  const int64_t m = static_cast<int64_t>(batch.targets.size());
  const at::Tensor ids = baseline::long_tensor(batch.ids, device_, {batch.rows, batch.t});
  const at::Tensor flat = baseline::long_tensor(batch.flat, device_);
  const at::Tensor target = baseline::long_tensor(batch.targets, device_);
  const int64_t c = o_.hidden;
  const at::Tensor h = net_->forward(ids, true, rng()).reshape({-1, c}).index_select(0, flat);  // (M, C)
  const at::Tensor table = net_->item_table();                                          // (N, C)
  adam.zero_grad();
  if (o_.loss == "ce") {
    at::Tensor grad_h, grad_table;
    const double loss = ce_full_with_grad(h.detach(), table.detach(), target, logits_buffer_, grad_h, grad_table);
    if (!std::isfinite(loss)) return loss;  // skipped: no update from a non-finite loss
    h.backward(grad_h);
    net_->item_table_grad_add(grad_table);
    adam.step();
    return loss;
  }
  at::Tensor loss;
  if (o_.loss == "sampled_ce") {
    std::vector<int64_t> neg(static_cast<size_t>(o_.negatives));
    for (auto& j : neg) j = static_cast<int64_t>(rng() % static_cast<uint64_t>(n_items_));
    const at::Tensor tneg = baseline::long_tensor(neg, device_);
    const at::Tensor pos = (h * table.index_select(0, target)).sum(-1, true);               // (M, 1)
    at::Tensor negl = at::matmul(h, table.index_select(0, tneg).t());                      // (M, S)
    negl = negl.masked_fill(tneg.unsqueeze(0).eq(target.unsqueeze(1)), -std::numeric_limits<float>::infinity());
    const at::Tensor logits = at::cat({pos, negl}, 1);                                     // (M, 1 + S)
    loss = at::cross_entropy_loss(logits, at::zeros({m}, lopts.device(device_)));
  } else {
    // bce: one uniform negative per position (the original SASRec objective).
    std::vector<int64_t> neg(static_cast<size_t>(m));
    for (size_t p = 0; p < neg.size(); ++p) {
      do {
        neg[p] = static_cast<int64_t>(rng() % static_cast<uint64_t>(n_items_));
      } while (neg[p] == batch.targets[p] && n_items_ > 1);
    }
    const at::Tensor tneg = baseline::long_tensor(neg, device_);
    const at::Tensor pos = (h * table.index_select(0, target)).sum(-1);  // (M)
    const at::Tensor negl = (h * table.index_select(0, tneg)).sum(-1);   // (M)
    loss = -(at::log_sigmoid(pos) + at::log_sigmoid(-negl)).mean();
  }
  const double value = loss.item<double>();
  if (!std::isfinite(value)) return value;  // skipped: no update from a non-finite loss
  loss.backward();
  adam.step();
  return value;
}

void SasrecRecommender::fit(const FitData& data) {
  if (!data.ds || !data.split) throw Error("sasrec: fit needs a dataset and a split");
  const Dataset& ds = *data.ds;
  const Split& split = *data.split;
  if (split.users.size() != ds.users.size()) {
    throw Error("sasrec: the split has " + std::to_string(split.users.size()) + " users but the dataset " +
                std::to_string(ds.users.size()));
  }
  n_items_ = ds.item_count();
  baseline::device_check_available(device_, kModel);
  CpuThreadsGuard threads(device_, static_cast<int>(o_.threads));
  const uint64_t seed = o_.seed >= 0 ? static_cast<uint64_t>(o_.seed) : data.seed;
  const int64_t max_len = o_.max_len;

  // Training rows: inputs train[:-1] predict train[1:], the last L of them.
  std::vector<int32_t> trainable;
  std::vector<size_t> lengths(split.users.size(), 0);
  for (size_t u = 0; u < split.users.size(); ++u) {
    const auto& tr = split.users[u].train;
    for (int32_t i : tr) {
      if (i < 0 || i >= n_items_) {
        throw Error("sasrec: split user " + std::to_string(u) + " has item index " + std::to_string(i) + " outside [0, " +
                    std::to_string(n_items_) + ")");
      }
    }
    if (tr.size() < 2) continue;
    lengths[u] = std::min<size_t>(tr.size() - 1, static_cast<size_t>(max_len));
    trainable.push_back(static_cast<int32_t>(u));
  }
  if (trainable.empty()) throw Error("sasrec: no user has 2 or more train items to learn from");

  at::Generator gen = baseline::generator_for(device_, seed);
  SasrecConfig cfg;
  cfg.n_items = n_items_;
  cfg.hidden = o_.hidden;
  cfg.blocks = o_.blocks;
  cfg.heads = o_.heads;
  cfg.max_len = max_len;
  cfg.dropout = o_.dropout;
  net_ = std::make_unique<SasrecNet>(cfg, device_, gen);
  baseline::Adam adam(net_->parameters(), o_.lr, o_.weight_decay, 0.9, 0.98);

  std::mt19937_64 rng(seed ^ 0x5deece66dULL);
  baseline::EarlyStopper stopper{static_cast<int>(o_.patience)};
  std::vector<at::Tensor> best;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t epoch = 1; epoch <= o_.epochs; ++epoch) {
    std::vector<int32_t> order = trainable;
    for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng() % k]);
    std::vector<std::vector<int32_t>> batches = batches_by_length(order, lengths, o_.batch_size);
    for (size_t k = batches.size(); k > 1; --k) std::swap(batches[k - 1], batches[rng() % k]);
    double loss_sum = 0;
    int64_t positions = 0, skipped = 0;
    for (const auto& users : batches) {
      SeqBatch b;
      b.rows = static_cast<int64_t>(users.size());
      b.t = static_cast<int64_t>(lengths[static_cast<size_t>(users[0])]);
      for (int32_t u : users) {
        const auto& tr = split.users[static_cast<size_t>(u)].train;
        const size_t first = tr.size() - 1 - static_cast<size_t>(b.t);  // inputs tr[first .. end-2]
        const int64_t row = static_cast<int64_t>(b.ids.size()) / b.t;
        for (int64_t col = 0; col < b.t; ++col) {
          b.ids.push_back(tr[first + static_cast<size_t>(col)] + 1);
          b.targets.push_back(tr[first + static_cast<size_t>(col) + 1]);
          b.flat.push_back(row * b.t + col);
        }
      }
      const double l = train_step(b, rng, adam);
      if (!std::isfinite(l)) {
        ++skipped;
        continue;
      }
      loss_sum += l * static_cast<double>(b.targets.size());
      positions += static_cast<int64_t>(b.targets.size());
    }
    if (skipped == static_cast<int64_t>(batches.size())) {
      throw Error("sasrec: every step of epoch " + std::to_string(epoch) + " had a non-finite loss; lower 'lr' (" +
                  nlohmann::json(o_.lr).dump() + ")");
    }
    if (skipped > 0 && data.verbose) {
      std::fprintf(stderr, "sasrec epoch %lld: skipped %lld steps with a non-finite loss\n", (long long)epoch, (long long)skipped);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double mean_loss = loss_sum / static_cast<double>(std::max<int64_t>(1, positions));
    const bool eval_now = o_.eval_every > 0 && (epoch % o_.eval_every == 0 || epoch == o_.epochs);
    const baseline::RankSums v = eval_now ? validate(split) : baseline::RankSums{};
    if (v.users == 0) {
      if (data.verbose) std::fprintf(stderr, "sasrec epoch %lld loss %.4f (%.1f s)\n", (long long)epoch, mean_loss, secs);
      continue;
    }
    const bool improved = stopper.improved(o_.metric == "recall@10" ? v.recall_mean() : v.ndcg_mean());
    if (data.verbose) {
      std::fprintf(stderr, "sasrec epoch %lld loss %.4f valid recall@10 %.4f ndcg@10 %.4f%s (%.1f s)\n", (long long)epoch,
                   mean_loss, v.recall_mean(), v.ndcg_mean(), improved ? " *" : "", secs);
    }
    if (improved) best = net_->state_clone();
    if (stopper.should_stop()) break;
  }
  if (!best.empty()) net_->state_load(best);
}

at::Tensor SasrecRecommender::encode_last(const std::vector<const std::vector<int32_t>*>& seqs) const {
  size_t t = 1;
  for (const auto* s : seqs) t = std::max(t, s->size());
  const int64_t rows = static_cast<int64_t>(seqs.size()), tt = static_cast<int64_t>(t);
  std::vector<int64_t> ids(static_cast<size_t>(rows * tt), 0);
  for (int64_t r = 0; r < rows; ++r) {
    const auto& s = *seqs[static_cast<size_t>(r)];
    for (size_t k = 0; k < s.size(); ++k) ids[static_cast<size_t>(r * tt + tt - static_cast<int64_t>(s.size())) + k] = s[k] + 1;
  }
  const at::Tensor tids = baseline::long_tensor(ids, device_, {rows, tt});
  return net_->forward(tids, false).select(1, tt - 1);  // (B, C)
}

baseline::RankSums SasrecRecommender::validate(const Split& split) const {
  at::NoGradGuard no_grad;
  baseline::RankSums sums;
  // Histories cut to the last L train items, grouped by length so batches carry no padding.
  std::vector<std::vector<int32_t>> cut(split.users.size());
  std::vector<int32_t> users;
  std::vector<size_t> lengths(split.users.size(), 0);
  for (size_t u = 0; u < split.users.size(); ++u) {
    const auto& s = split.users[u];
    if (s.valid.empty() || s.train.empty() || s.valid[0] < 0 || s.valid[0] >= n_items_) continue;
    const size_t n = std::min(s.train.size(), static_cast<size_t>(o_.max_len));
    cut[u].assign(s.train.end() - static_cast<std::ptrdiff_t>(n), s.train.end());
    lengths[u] = n;
    users.push_back(static_cast<int32_t>(u));
  }
  const at::Tensor table_t = net_->item_table().t();
  for (const auto& batch : batches_by_length(users, lengths, 512)) {
    std::vector<const std::vector<int32_t>*> seqs, exclude;
    std::vector<int32_t> targets;
    for (int32_t u : batch) {
      seqs.push_back(&cut[static_cast<size_t>(u)]);
      exclude.push_back(&split.users[static_cast<size_t>(u)].train);
      targets.push_back(split.users[static_cast<size_t>(u)].valid[0]);
    }
    at::Tensor scores = at::matmul(encode_last(seqs), table_t);  // (B, N)
    baseline::rank_sums_add(scores, targets, exclude, 10, sums);
  }
  return sums;
}

void SasrecRecommender::score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
                              std::vector<std::vector<float>>& out) const {
  (void)users;  // SASRec reads only the history
  if (!net_) throw Error("sasrec: score called before fit");
  at::NoGradGuard no_grad;
  out.assign(histories.size(), {});
  std::vector<std::vector<int32_t>> cut(histories.size());
  std::vector<int32_t> rows;
  std::vector<size_t> lengths(histories.size(), 0);
  for (size_t r = 0; r < histories.size(); ++r) {
    const auto& h = histories[r];
    for (int32_t i : h) {
      if (i < 0 || i >= n_items_) {
        throw Error("sasrec: history " + std::to_string(r) + " has item index " + std::to_string(i) + " outside [0, " +
                    std::to_string(n_items_) + ")");
      }
    }
    if (h.empty()) {
      out[r].assign(static_cast<size_t>(n_items_), 0.0f);  // nothing to go on: every item ties
      continue;
    }
    const size_t n = std::min(h.size(), static_cast<size_t>(o_.max_len));
    cut[r].assign(h.end() - static_cast<std::ptrdiff_t>(n), h.end());
    lengths[r] = n;
    rows.push_back(static_cast<int32_t>(r));
  }
  const at::Tensor table_t = net_->item_table().t();
  for (const auto& batch : batches_by_length(rows, lengths, 512)) {
    std::vector<const std::vector<int32_t>*> seqs;
    for (int32_t r : batch) seqs.push_back(&cut[static_cast<size_t>(r)]);
    const at::Tensor scores = at::matmul(encode_last(seqs), table_t).to(at::kCPU).contiguous();  // (B, N)
    const float* p = scores.data_ptr<float>();
    for (size_t k = 0; k < batch.size(); ++k) {
      out[static_cast<size_t>(batch[k])].assign(p + static_cast<int64_t>(k) * n_items_, p + static_cast<int64_t>(k + 1) * n_items_);
    }
  }
}

}  // namespace

SasrecOptions sasrec_options_from_json(const nlohmann::json& params) {
  baseline::params_check_object(params, kModel);
  SasrecOptions o;
  if (params.is_null()) return o;
  for (auto it = params.begin(); it != params.end(); ++it) {
    const std::string& k = it.key();
    if (k == "hidden") o.hidden = baseline::param_int(params, kModel, k, 1, 4096);
    else if (k == "blocks") o.blocks = baseline::param_int(params, kModel, k, 0, 64);
    else if (k == "heads") o.heads = baseline::param_int(params, kModel, k, 1, 64);
    else if (k == "max_len") o.max_len = baseline::param_int(params, kModel, k, 1, 4096);
    else if (k == "dropout") o.dropout = baseline::param_double(params, kModel, k, 0.0, 0.95);
    else if (k == "loss") o.loss = baseline::param_choice(params, kModel, k, {"ce", "sampled_ce", "bce"});
    else if (k == "negatives") o.negatives = baseline::param_int(params, kModel, k, 1, 1 << 20);
    else if (k == "lr") o.lr = baseline::param_double(params, kModel, k, 1e-8, 10.0);
    else if (k == "weight_decay") o.weight_decay = baseline::param_double(params, kModel, k, 0.0, 10.0);
    else if (k == "batch_size") o.batch_size = baseline::param_int(params, kModel, k, 1, 1 << 20);
    else if (k == "epochs") o.epochs = baseline::param_int(params, kModel, k, 1, 100000);
    else if (k == "eval_every") o.eval_every = baseline::param_int(params, kModel, k, 0, 100000);
    else if (k == "patience") o.patience = baseline::param_int(params, kModel, k, 0, 100000);
    else if (k == "metric") o.metric = baseline::param_choice(params, kModel, k, {"ndcg@10", "recall@10"});
    else if (k == "device") o.device = baseline::device_parse(baseline::param_string(params, kModel, k), kModel).str();
    else if (k == "threads") o.threads = baseline::param_int(params, kModel, k, 0, 1024);
    else if (k == "seed") o.seed = baseline::param_int(params, kModel, k, -1, INT64_MAX);
    else baseline::param_unknown(kModel, k, known_keys());
  }
  if (o.hidden % o.heads != 0) {
    throw Error("sasrec params: 'hidden' (" + std::to_string(o.hidden) + ") must be a multiple of 'heads' (" +
                std::to_string(o.heads) + ")");
  }
  return o;
}

nlohmann::json sasrec_options_to_json(const SasrecOptions& o) {
  return {{"hidden", o.hidden},   {"blocks", o.blocks},         {"heads", o.heads},           {"max_len", o.max_len},
          {"dropout", o.dropout}, {"loss", o.loss},             {"negatives", o.negatives},   {"lr", o.lr},
          {"weight_decay", o.weight_decay}, {"batch_size", o.batch_size}, {"epochs", o.epochs},
          {"eval_every", o.eval_every}, {"patience", o.patience}, {"metric", o.metric},     {"device", o.device},
          {"threads", o.threads}, {"seed", o.seed}};
}

std::unique_ptr<Recommender> sasrec_create(const nlohmann::json& params) {
  return std::make_unique<SasrecRecommender>(sasrec_options_from_json(params));
}

}  // namespace rf
