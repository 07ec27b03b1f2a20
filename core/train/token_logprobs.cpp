// Chunked next-token log-probabilities and masked cross-entropy (see token_logprobs.h).
//
// Memory: for N positions, vocabulary V and hidden size C, the naive log_softmax(hidden W^T) keeps an
// (N, V) float32 tensor alive until backward. Here only hidden (N, C), targets (N) and logsumexp (N)
// are saved; each chunk's (rows, V) logits exist only while that chunk is processed.
#include "train/token_logprobs.h"

#include "util/error.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>

namespace rf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kAutoChunkElements = 8 * 1024 * 1024;

// One chunk's scaled logits in float32: (rows, C) x (V, C)^T / T -> (rows, V). Under CUDA autocast the
// matmul runs in bf16 like every other linear; the softmax statistics are always float32.
at::Tensor chunk_logits(const at::Tensor& h, const at::Tensor& w, double inv_temp, at::ScalarType* mm_dtype = nullptr) {
  at::Tensor z = at::mm(h, w.t());
  if (mm_dtype) *mm_dtype = z.scalar_type();
  if (z.scalar_type() != at::kFloat) z = z.to(at::kFloat);
  if (inv_temp != 1.0) z.mul_(inv_temp);
  return z;
}

struct ForwardOut {
  at::Tensor logprobs, entropy, lse;  // (N) float32 each; entropy empty unless asked
  at::ScalarType compute;             // the dtype the chunk matmuls ran in (bf16 under CUDA autocast)
};

// The forward pass over chunks (no autograd inside).
ForwardOut forward_chunks(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& targets, double inv_temp,
                          int64_t chunk, bool with_entropy) {
  const int64_t N = hidden.size(0);
  auto fopts = hidden.options().dtype(at::kFloat);
  ForwardOut out;
  out.compute = weight.scalar_type();
  out.logprobs = at::empty({N}, fopts);
  out.lse = at::empty({N}, fopts);
  out.entropy = with_entropy ? at::empty({N}, fopts) : at::empty({0}, fopts);
  for (int64_t s = 0; s < N; s += chunk) {
    const int64_t n = std::min(chunk, N - s);
    at::Tensor z = chunk_logits(hidden.narrow(0, s, n), weight, inv_temp, &out.compute);  // (n, V)
    at::Tensor lse = at::logsumexp(z, 1);                                    // (n)
    at::Tensor picked = z.gather(1, targets.narrow(0, s, n).unsqueeze(1)).squeeze(1);
    out.logprobs.narrow(0, s, n).copy_(picked - lse);
    out.lse.narrow(0, s, n).copy_(lse);
    if (with_entropy) {
      // H = lse - sum_v p_v z_v, with p = exp(z - lse)
      at::Tensor p = (z - lse.unsqueeze(1)).exp_();
      out.entropy.narrow(0, s, n).copy_(lse - (p.mul_(z)).sum(1));
    }
  }
  return out;
}

struct ChunkedLogprobFunction : public torch::autograd::Function<ChunkedLogprobFunction> {
  // hidden (N, C), weight (V, C), targets (N) -> {logprobs (N), entropy (N or 0)}
  static variable_list forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight,
                               const at::Tensor& targets, double inv_temp, int64_t chunk, bool with_entropy) {
    ForwardOut f = forward_chunks(hidden, weight, targets, inv_temp, chunk, with_entropy);
    ctx->save_for_backward({hidden, weight, targets, f.lse});
    ctx->saved_data["inv_temp"] = inv_temp;
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["compute"] = static_cast<int64_t>(f.compute);  // backward recomputes the same logits
    ctx->mark_non_differentiable({f.entropy});
    return {f.logprobs, f.entropy};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& hidden = saved[0];
    const at::Tensor& weight = saved[1];
    const at::Tensor& targets = saved[2];
    const at::Tensor& lse = saved[3];
    const double inv_temp = ctx->saved_data["inv_temp"].toDouble();
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    const auto compute = static_cast<at::ScalarType>(ctx->saved_data["compute"].toInt());
    const bool need_h = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(1);

    at::Tensor g = grad_outputs[0];  // (N) float32, undefined when logprobs did not reach the loss
    const int64_t N = hidden.size(0);
    at::Tensor grad_h, grad_w;
    if (!g.defined() || N == 0 || (!need_h && !need_w)) return {grad_h, grad_w, {}, {}, {}, {}};

    at::Tensor h = hidden.scalar_type() == compute ? hidden : hidden.to(compute);
    at::Tensor w = weight.scalar_type() == compute ? weight : weight.to(compute);
    at::Tensor gs = (g.to(at::kFloat) * inv_temp).unsqueeze(1);  // (N, 1): dL/dlogp / T
    if (need_h) grad_h = at::empty({N, hidden.size(1)}, hidden.options().dtype(compute));
    // Accumulate grad_W in float32 when the compute dtype is narrower (bf16 sums over many chunks).
    at::Tensor gw_acc;
    if (need_w) gw_acc = at::zeros(weight.sizes(), weight.options().dtype(compute == at::kDouble ? at::kDouble : at::kFloat));

    for (int64_t s = 0; s < N; s += chunk) {
      const int64_t n = std::min(chunk, N - s);
      at::Tensor hc = h.narrow(0, s, n);
      at::Tensor G = chunk_logits(hc, w, inv_temp);       // (n, V) scaled logits
      G.sub_(lse.narrow(0, s, n).unsqueeze(1)).exp_();     // softmax
      at::Tensor gc = gs.narrow(0, s, n);                  // (n, 1)
      G.mul_(gc.neg());                                    // -softmax * g / T
      G.scatter_add_(1, targets.narrow(0, s, n).unsqueeze(1), gc);  // + onehot * g / T
      at::Tensor Gc = G.scalar_type() == compute ? G : G.to(compute);
      if (need_h) {
        at::Tensor gh = grad_h.narrow(0, s, n);
        at::mm_out(gh, Gc, w);  // (n, V) x (V, C)
      }
      if (need_w) {
        if (gw_acc.scalar_type() == compute) gw_acc.addmm_(Gc.t(), hc);  // (V, n) x (n, C)
        else gw_acc.add_(at::mm(Gc.t(), hc).to(gw_acc.scalar_type()));
      }
    }
    if (need_h && grad_h.scalar_type() != hidden.scalar_type()) grad_h = grad_h.to(hidden.scalar_type());
    if (need_w) grad_w = gw_acc.scalar_type() == weight.scalar_type() ? gw_acc : gw_acc.to(weight.scalar_type());
    return {grad_h, grad_w, {}, {}, {}, {}};
  }
};

// An all-ones attention mask when the caller gave none and B > 1. (Transformer::forward_hidden reshapes
// its causal mask to the batch size, which fails for an undefined attention_mask with B > 1.)
at::Tensor mask_or_ones(const at::Tensor& attention_mask, const at::Tensor& input_ids) {
  if (attention_mask.defined() || input_ids.size(0) <= 1) return attention_mask;
  return at::ones(input_ids.sizes(), input_ids.options().dtype(at::kLong));
}

}  // namespace

int64_t logprob_chunk_auto(int64_t vocab_size, int64_t positions) {
  const int64_t rows = std::max<int64_t>(16, kAutoChunkElements / std::max<int64_t>(1, vocab_size));
  return std::max<int64_t>(1, std::min(rows, positions));
}

ChunkedLogprobs chunked_token_logprobs(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& targets,
                                       double temperature, int64_t chunk_tokens, bool with_entropy) {
  if (!hidden.defined() || hidden.dim() != 2) throw Error("token_logprobs: hidden must be (positions, hidden_size)");
  if (!weight.defined() || weight.dim() != 2 || weight.size(1) != hidden.size(1))
    throw Error("token_logprobs: lm_head weight must be (vocab, " + std::to_string(hidden.size(1)) + ")");
  if (!targets.defined() || targets.dim() != 1 || targets.size(0) != hidden.size(0))
    throw Error("token_logprobs: targets must be (" + std::to_string(hidden.size(0)) + ") token ids");
  if (!(temperature > 0) || !std::isfinite(temperature))
    throw Error("token_logprobs: temperature must be a positive number, got " + std::to_string(temperature));
  if (chunk_tokens < 0) throw Error("token_logprobs: chunk_tokens must be >= 0 (0 = automatic)");
  const int64_t N = hidden.size(0), V = weight.size(0);
  at::Tensor tgt = targets.to(hidden.device(), at::kLong);
  if (N > 0) {
    const int64_t lo = tgt.min().item<int64_t>(), hi = tgt.max().item<int64_t>();
    if (lo < 0 || hi >= V)
      throw Error("token_logprobs: target id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary (0.." +
                  std::to_string(V - 1) + ")");
  }
  const int64_t chunk = chunk_tokens > 0 ? std::min(chunk_tokens, std::max<int64_t>(N, 1)) : logprob_chunk_auto(V, N);
  const double inv_temp = 1.0 / temperature;
  at::Tensor h = hidden.is_contiguous() ? hidden : hidden.contiguous();

  ChunkedLogprobs r;
  r.chunks = N == 0 ? 0 : (N + chunk - 1) / chunk;
  r.chunk_logits_bytes = std::min(chunk, N) * V * static_cast<int64_t>(sizeof(float));
  const bool grad = at::GradMode::is_enabled() && (h.requires_grad() || weight.requires_grad());
  if (grad) {
    variable_list out = ChunkedLogprobFunction::apply(h, weight, tgt, inv_temp, chunk, with_entropy);
    r.logprobs = out[0];
    if (with_entropy) r.entropy = out[1];
    r.saved_bytes = static_cast<int64_t>(h.numel() * h.element_size() + tgt.numel() * tgt.element_size() +
                                         N * static_cast<int64_t>(sizeof(float)));
  } else {
    ForwardOut f = forward_chunks(h, weight, tgt, inv_temp, chunk, with_entropy);
    r.logprobs = f.logprobs;
    if (with_entropy) r.entropy = f.entropy;
  }
  return r;
}

TokenLogprobs token_logprobs(Transformer& model, const at::Tensor& input_ids, const at::Tensor& attention_mask,
                             const at::Tensor& position_ids, double temperature, int64_t chunk_tokens, bool with_entropy) {
  if (!input_ids.defined() || input_ids.dim() != 2) throw Error("token_logprobs: input_ids must be (batch, T)");
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  if (T < 2) throw Error("token_logprobs: input_ids needs at least 2 tokens per row, got " + std::to_string(T));
  at::Tensor hidden = model.forward_hidden({input_ids, position_ids, mask_or_ones(attention_mask, input_ids)});  // (B, T, C)
  const int64_t C = hidden.size(2);
  at::Tensor h = hidden.narrow(1, 0, T - 1).reshape({B * (T - 1), C});             // (N, C), N = B(T-1)
  at::Tensor targets = input_ids.narrow(1, 1, T - 1).reshape({B * (T - 1)}).to(hidden.device(), at::kLong);
  ChunkedLogprobs c = chunked_token_logprobs(h, model.lm_head(), targets, temperature, chunk_tokens, with_entropy);
  TokenLogprobs r;
  r.logprobs = c.logprobs.view({B, T - 1});
  if (with_entropy) r.entropy = c.entropy.view({B, T - 1});
  r.chunks = c.chunks;
  r.saved_bytes = c.saved_bytes;
  r.chunk_logits_bytes = c.chunk_logits_bytes;
  return r;
}

CrossEntropy masked_cross_entropy_from_hidden(const at::Tensor& hidden, const at::Tensor& lm_head,
                                              const at::Tensor& input_ids, const at::Tensor& loss_mask,
                                              int64_t chunk_tokens) {
  if (!hidden.defined() || hidden.dim() != 3) throw Error("cross_entropy: hidden must be (batch, T, hidden_size)");
  const int64_t B = hidden.size(0), T = hidden.size(1), C = hidden.size(2);
  if (!input_ids.defined() || input_ids.sizes() != at::IntArrayRef({B, T}))
    throw Error("cross_entropy: input_ids must be (" + std::to_string(B) + ", " + std::to_string(T) + ")");
  if (!loss_mask.defined() || loss_mask.sizes() != at::IntArrayRef({B, T}))
    throw Error("cross_entropy: loss_mask must be (" + std::to_string(B) + ", " + std::to_string(T) +
                "), aligned with input_ids");
  const at::Device dev = hidden.device();
  // Flat row b*T + t of hidden predicts token (b, t+1); keep the rows whose target is masked in.
  at::Tensor sel = loss_mask.to(dev).narrow(1, 1, T - 1).ne(0);                        // (B, T-1)
  at::Tensor rows_bt = at::arange(B, at::TensorOptions().dtype(at::kLong).device(dev)).mul_(T).unsqueeze(1) +
                       at::arange(T - 1, at::TensorOptions().dtype(at::kLong).device(dev)).unsqueeze(0);
  at::Tensor rows = rows_bt.masked_select(sel);                                        // (N)
  CrossEntropy r;
  r.tokens = rows.numel();
  if (r.tokens == 0) {
    // Nothing to predict: a zero that still belongs to the graph, so backward() works and adds nothing.
    r.sum = hidden.sum() * 0.0;
    r.loss = r.sum;
    return r;
  }
  at::Tensor targets = input_ids.to(dev, at::kLong).narrow(1, 1, T - 1).masked_select(sel);  // (N)
  at::Tensor h = (sel.all().item<bool>() && B * (T - 1) == r.tokens)
                     ? hidden.narrow(1, 0, T - 1).reshape({r.tokens, C})
                     : hidden.reshape({B * T, C}).index_select(0, rows);                 // (N, C)
  ChunkedLogprobs c = chunked_token_logprobs(h, lm_head, targets, 1.0, chunk_tokens, false);
  r.sum = -c.logprobs.sum();
  r.loss = r.sum / static_cast<double>(r.tokens);
  return r;
}

CrossEntropy masked_cross_entropy(Transformer& model, const at::Tensor& input_ids, const at::Tensor& loss_mask,
                                  const at::Tensor& attention_mask, const at::Tensor& position_ids,
                                  int64_t chunk_tokens) {
  if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.size(1) < 2)
    throw Error("cross_entropy: input_ids must be (batch, T) with T >= 2");
  at::Tensor hidden = model.forward_hidden({input_ids, position_ids, mask_or_ones(attention_mask, input_ids)});
  return masked_cross_entropy_from_hidden(hidden, model.lm_head(), input_ids, loss_mask, chunk_tokens);
}

}  // namespace rf
