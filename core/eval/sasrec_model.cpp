// The SASRec network: see sasrec_model.h.
#include "eval/sasrec_model.h"

#include "util/error.h"

#include <cmath>
#include <limits>

namespace rf {

namespace {

constexpr double kLnEps = 1e-8;  // the original implementation's layer-norm epsilon

at::Tensor xavier(int64_t rows, int64_t cols, const at::TensorOptions& opts, at::Generator& gen) {
  const double std = std::sqrt(2.0 / static_cast<double>(rows + cols));
  return at::empty({rows, cols}, opts).normal_(0.0, std, gen).requires_grad_(true);
}

at::Tensor param_fill(int64_t n, double value, const at::TensorOptions& opts) {
  return at::full({n}, value, opts).requires_grad_(true);
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Inverted dropout. On the CPU each 64-bit draw of the stream decides four elements (16-bit keep tests);
// the kept ones are scaled by 65536 / kept-count so the expectation is exact for the quantised p.
at::Tensor dropout(const at::Tensor& x, double p, bool train, uint64_t& stream) {
  if (!train || p <= 0) return x;
  if (!x.device().is_cpu()) return x * at::empty_like(x).bernoulli_(1.0 - p).div_(1.0 - p);
  at::Tensor mask = at::empty(x.sizes(), x.options());
  float* d = mask.data_ptr<float>();
  const int64_t n = mask.numel();
  const uint32_t threshold = static_cast<uint32_t>(std::llround(p * 65536.0));
  const float scale = threshold >= 65536 ? 0.0f : static_cast<float>(65536.0 / (65536.0 - threshold));
  uint64_t r = 0;
  for (int64_t i = 0; i < n; ++i) {
    if ((i & 3) == 0) r = splitmix64(stream);
    d[i] = static_cast<uint32_t>((r >> (16 * (i & 3))) & 0xFFFF) >= threshold ? scale : 0.0f;
  }
  return x * mask;
}

}  // namespace

SasrecNet::SasrecNet(const SasrecConfig& config, const at::Device& device, at::Generator& gen) : config_(config) {
  const int64_t c = config.hidden;
  if (config.n_items < 1) throw Error("sasrec: the catalogue is empty");
  if (c < 1 || config.heads < 1 || c % config.heads != 0) {
    throw Error("sasrec: hidden (" + std::to_string(c) + ") must be a positive multiple of heads (" +
                std::to_string(config.heads) + ")");
  }
  const auto opts = at::TensorOptions().dtype(at::kFloat).device(device);
  item_emb_ = xavier(config.n_items + 1, c, opts, gen);
  pos_emb_ = xavier(config.max_len, c, opts, gen);
  for (int64_t b = 0; b < config.blocks; ++b) {
    Block k;
    k.ln1_w = param_fill(c, 1.0, opts);
    k.ln1_b = param_fill(c, 0.0, opts);
    k.wq = xavier(c, c, opts, gen);
    k.bq = param_fill(c, 0.0, opts);
    k.wkv = xavier(2 * c, c, opts, gen);
    k.bkv = param_fill(2 * c, 0.0, opts);
    k.wo = xavier(c, c, opts, gen);
    k.bo = param_fill(c, 0.0, opts);
    k.ln2_w = param_fill(c, 1.0, opts);
    k.ln2_b = param_fill(c, 0.0, opts);
    k.w1 = xavier(c, c, opts, gen);
    k.b1 = param_fill(c, 0.0, opts);
    k.w2 = xavier(c, c, opts, gen);
    k.b2 = param_fill(c, 0.0, opts);
    blocks_.push_back(k);
  }
  lnf_w_ = param_fill(c, 1.0, opts);
  lnf_b_ = param_fill(c, 0.0, opts);
}

at::Tensor SasrecNet::forward(const at::Tensor& ids, bool train, uint64_t dropout_seed) const {
  const int64_t b = ids.size(0), t = ids.size(1), c = config_.hidden, h = config_.heads, d = c / h;
  if (t > config_.max_len || t < 1) throw Error("sasrec: sequence length " + std::to_string(t) + " outside [1, max_len]");
  const double p = config_.dropout;
  uint64_t stream = dropout_seed;
  const at::Tensor real = ids.ne(0);                                    // (B, T)
  const at::Tensor real_f = real.unsqueeze(-1).to(at::kFloat);          // (B, T, 1)

  at::Tensor x = item_emb_.index_select(0, ids.reshape({-1})).view({b, t, c}).mul(std::sqrt(static_cast<double>(c)));
  x = x + pos_emb_.narrow(0, config_.max_len - t, t);                 // newest item at position L - 1
  x = dropout(x, p, train, stream) * real_f;                                     // (B, T, C)

  // Causal attention over real keys only; each query may always see itself so rows of padding stay finite.
  const auto bool_opts = at::TensorOptions().dtype(at::kBool).device(ids.device());
  const at::Tensor causal = at::ones({t, t}, bool_opts).tril_();                       // (T, T)
  const at::Tensor self = at::eye(t, bool_opts);
  const at::Tensor allowed = causal.logical_and(real.view({b, 1, 1, t}).logical_or(self));  // (B, 1, T, T)
  const at::Tensor add_mask = at::zeros(allowed.sizes(), x.options())
                                  .masked_fill_(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));

  for (const Block& k : blocks_) {
    const at::Tensor q_in = at::layer_norm(x, {c}, k.ln1_w, k.ln1_b, kLnEps);          // (B, T, C)
    const at::Tensor q = at::linear(q_in, k.wq, k.bq).view({b, t, h, d}).transpose(1, 2);  // (B, H, T, D)
    const at::Tensor kv = at::linear(x, k.wkv, k.bkv);                                 // (B, T, 2C)
    const at::Tensor key = kv.narrow(-1, 0, c).view({b, t, h, d}).transpose(1, 2);     // (B, H, T, D)
    const at::Tensor val = kv.narrow(-1, c, c).view({b, t, h, d}).transpose(1, 2);     // (B, H, T, D)
    at::Tensor att = at::matmul(q, key.transpose(-2, -1)).mul(scale).add(add_mask);     // (B, H, T, T)
    att = dropout(at::softmax(att, -1), p, train, stream);
    const at::Tensor ctx = at::matmul(att, val).transpose(1, 2).reshape({b, t, c});    // (B, T, C)
    x = q_in + at::linear(ctx, k.wo, k.bo);
    x = at::layer_norm(x, {c}, k.ln2_w, k.ln2_b, kLnEps);
    const at::Tensor ff =
        dropout(at::linear(at::relu(dropout(at::linear(x, k.w1, k.b1), p, train, stream)), k.w2, k.b2), p, train, stream);
    x = (x + ff) * real_f;
  }
  return at::layer_norm(x, {c}, lnf_w_, lnf_b_, kLnEps);  // (B, T, C)
}

void SasrecNet::item_table_grad_add(const at::Tensor& g) {
  at::NoGradGuard no_grad;
  if (!item_emb_.grad().defined()) item_emb_.mutable_grad() = at::zeros_like(item_emb_);
  item_emb_.mutable_grad().narrow(0, 1, config_.n_items).add_(g);
}

std::vector<at::Tensor> SasrecNet::parameters() const {
  std::vector<at::Tensor> p = {item_emb_, pos_emb_};
  for (const Block& k : blocks_) {
    for (const at::Tensor& t : {k.ln1_w, k.ln1_b, k.wq, k.bq, k.wkv, k.bkv, k.wo, k.bo, k.ln2_w, k.ln2_b, k.w1, k.b1, k.w2, k.b2}) {
      p.push_back(t);
    }
  }
  p.push_back(lnf_w_);
  p.push_back(lnf_b_);
  return p;
}

std::vector<at::Tensor> SasrecNet::state_clone() const {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> out;
  for (const at::Tensor& t : parameters()) out.push_back(t.detach().clone());
  return out;
}

void SasrecNet::state_load(const std::vector<at::Tensor>& state) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> params = parameters();
  if (state.size() != params.size()) throw Error("sasrec: state has " + std::to_string(state.size()) + " tensors, expected " +
                                                 std::to_string(params.size()));
  for (size_t i = 0; i < params.size(); ++i) params[i].copy_(state[i]);
}

}  // namespace rf
