// Chunked next-token log-probabilities and masked cross-entropy (see token_logprobs.h).
//
// Memory: for N positions, vocabulary V and hidden size C, the naive log_softmax(hidden W^T) keeps an
// (N, V) float32 tensor alive until backward. Here each chunk's (rows, V) logits exist only while that
// chunk is processed (two reused buffers). The per-token function saves hidden (N, C), targets (N) and
// logsumexp (N) and recomputes chunk logits in backward; the summed cross-entropy, whose upstream
// gradient is one scalar, finishes grad_hidden (N, C) and grad_W (V, C) in forward and saves those.
#include "train/token_logprobs.h"

#include "compat/torch_compat.h"
#include "util/error.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>

namespace rf {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// ~4M logits (16 MB in float32) per chunk: large enough for efficient matmuls, small enough that the
// chunk buffers stay below glibc's mmap threshold (32 MB) and are reused instead of page-faulted in.
constexpr int64_t kAutoChunkElements = 4 * 1024 * 1024;

// Reusable (chunk, V) float32 buffers for one pass over the chunks.
struct ChunkBuffers {
  at::Tensor a, b;
  ChunkBuffers(int64_t rows, int64_t V, const at::TensorOptions& o) {
    a = at::empty({rows, V}, o.dtype(at::kFloat));
    b = at::empty({rows, V}, o.dtype(at::kFloat));
  }
};

// One chunk's logits in float32: z = (h / T) W^T, (rows, C) x (V, C)^T -> (rows, V), written into `buf`
// when the matmul runs in float32. Under CUDA autocast the matmul runs in bf16 like every other linear
// (mm_dtype reports it); the softmax statistics are always float32.
at::Tensor chunk_logits(const at::Tensor& h, const at::Tensor& w, double inv_temp, at::Tensor buf,
                        at::ScalarType* mm_dtype = nullptr) {
  at::Tensor hs = inv_temp == 1.0 ? h : h * inv_temp;  // (rows, C): scaling here is cheaper than on (rows, V)
  const at::ScalarType dt = (hs.scalar_type() == w.scalar_type()) ? hs.scalar_type() : at::kFloat;
  if (mm_dtype) *mm_dtype = dt;
  if (dt == at::kFloat && w.scalar_type() == at::kFloat && buf.defined() && !compat::autocast_cuda_enabled()) {
    at::Tensor z = buf.narrow(0, 0, h.size(0));
    at::mm_out(z, hs, w.t());
    return z;
  }
  at::Tensor z = at::mm(hs, w.t());
  if (mm_dtype) *mm_dtype = z.scalar_type();
  return z.scalar_type() == at::kFloat ? z : z.to(at::kFloat);
}

int64_t rows_per_chunk(int64_t chunk_tokens, int64_t V, int64_t N) {
  return chunk_tokens > 0 ? std::max<int64_t>(1, std::min(chunk_tokens, std::max<int64_t>(N, 1)))
                          : logprob_chunk_auto(V, N);
}

// --- log-probabilities with a per-token upstream gradient (GRPO, KL, ...) ---------------------------

struct ForwardOut {
  at::Tensor logprobs, entropy, lse;  // (N) float32 each; entropy empty unless asked
  at::ScalarType compute;             // the dtype the chunk matmuls ran in (bf16 under CUDA autocast)
};

// The forward pass over chunks (no autograd inside).
ForwardOut forward_chunks(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& targets, double inv_temp,
                          int64_t chunk, bool with_entropy) {
  const int64_t N = hidden.size(0), V = weight.size(0);
  auto fopts = hidden.options().dtype(at::kFloat);
  ForwardOut out;
  out.compute = weight.scalar_type();
  out.logprobs = at::empty({N}, fopts);
  out.lse = at::empty({N}, fopts);
  out.entropy = with_entropy ? at::empty({N}, fopts) : at::empty({0}, fopts);
  if (N == 0) return out;
  ChunkBuffers buf(std::min(chunk, N), V, fopts);
  for (int64_t s = 0; s < N; s += chunk) {
    const int64_t n = std::min(chunk, N - s);
    at::Tensor z = chunk_logits(hidden.narrow(0, s, n), weight, inv_temp, buf.a, &out.compute);  // (n, V)
    at::Tensor lp = buf.b.narrow(0, 0, n);
    at::log_softmax_out(lp, z, 1);                                                                 // (n, V)
    at::Tensor y = targets.narrow(0, s, n).unsqueeze(1);
    at::Tensor picked = lp.gather(1, y).squeeze(1);                                                // (n)
    out.logprobs.narrow(0, s, n).copy_(picked);
    out.lse.narrow(0, s, n).copy_(z.gather(1, y).squeeze(1) - picked);  // logsumexp = z_y - log p_y
    if (with_entropy) {
      // H = -sum_v p_v log p_v (z's buffer is free now)
      at::Tensor p = z.data_ptr() == buf.a.data_ptr() ? z : at::empty_like(lp);
      at::exp_out(p, lp);
      out.entropy.narrow(0, s, n).copy_(p.mul_(lp).sum(1).neg_());
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
    const int64_t N = hidden.size(0), V = weight.size(0);
    at::Tensor grad_h, grad_w;
    if (!g.defined() || N == 0 || (!need_h && !need_w)) return {grad_h, grad_w, {}, {}, {}, {}};

    at::Tensor h = hidden.scalar_type() == compute ? hidden : hidden.to(compute);
    at::Tensor w = weight.scalar_type() == compute ? weight : weight.to(compute);
    at::Tensor gs = (g.to(at::kFloat) * inv_temp).unsqueeze(1);  // (N, 1): dL/dlogp / T
    if (need_h) grad_h = at::empty({N, hidden.size(1)}, hidden.options().dtype(compute));
    // grad_W accumulates in float32 when the compute dtype is narrower (bf16 sums over many chunks).
    const bool w_direct = compute == at::kFloat || compute == at::kDouble;
    at::Tensor gw_acc;
    if (need_w) gw_acc = at::zeros({V, hidden.size(1)}, weight.options().dtype(w_direct ? compute : at::kFloat));
    ChunkBuffers buf(std::min(chunk, N), V, hidden.options());

    for (int64_t s = 0; s < N; s += chunk) {
      const int64_t n = std::min(chunk, N - s);
      at::Tensor hc = h.narrow(0, s, n);
      at::Tensor G = chunk_logits(hc, w, inv_temp, buf.a);  // (n, V) scaled logits
      G.sub_(lse.narrow(0, s, n).unsqueeze(1)).exp_();       // softmax
      at::Tensor gc = gs.narrow(0, s, n);                    // (n, 1)
      G.mul_(gc.neg());                                      // -softmax * g / T
      G.scatter_add_(1, targets.narrow(0, s, n).unsqueeze(1), gc);  // + onehot * g / T
      at::Tensor Gc = G.scalar_type() == compute ? G : G.to(compute);
      if (need_h) {
        at::Tensor gh = grad_h.narrow(0, s, n);
        at::mm_out(gh, Gc, w);  // (n, V) x (V, C)
      }
      if (need_w) {
        if (w_direct) gw_acc.addmm_(Gc.t(), hc);  // (V, n) x (n, C)
        else gw_acc.add_(at::mm(Gc.t(), hc).to(at::kFloat));
      }
    }
    if (need_h && grad_h.scalar_type() != hidden.scalar_type()) grad_h = grad_h.to(hidden.scalar_type());
    if (need_w) grad_w = gw_acc.scalar_type() == weight.scalar_type() ? gw_acc : gw_acc.to(weight.scalar_type());
    return {grad_h, grad_w, {}, {}, {}, {}};
  }
};

// --- summed cross-entropy (SFT): the upstream gradient is one scalar --------------------------------
//
// Because d(sum_n -log p_n)/d(output) is a single number, the gradients w.r.t. hidden and the lm_head
// can be finished in the forward pass, chunk by chunk, with the logits still at hand (no recompute):
// G = softmax - onehot; grad_hidden = G W, grad_W = G^T hidden; backward only scales them.
// Saved: grad_hidden (N, C) instead of hidden, and grad_W (V, C), which backward returns as the weight's
// gradient anyway, so the extra memory is that of one weight gradient held from forward to backward.

struct CrossEntropyForward {
  at::Tensor sum, grad_h, grad_w;
};

CrossEntropyForward cross_entropy_chunks(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& targets,
                                         int64_t chunk, bool need_h, bool need_w) {
  const int64_t N = hidden.size(0), V = weight.size(0), C = hidden.size(1);
  CrossEntropyForward f;
  at::Tensor total = at::zeros({}, hidden.options().dtype(at::kFloat));
  at::ScalarType compute = weight.scalar_type();
  const bool w_direct = compute == at::kFloat || compute == at::kDouble;
  if (need_h) f.grad_h = at::empty({N, C}, hidden.options());
  if (need_w) f.grad_w = at::zeros({V, C}, weight.options().dtype(w_direct ? compute : at::kFloat));
  if (N > 0) {
    ChunkBuffers buf(std::min(chunk, N), V, hidden.options());
    for (int64_t s = 0; s < N; s += chunk) {
      const int64_t n = std::min(chunk, N - s);
      at::Tensor hc = hidden.narrow(0, s, n);
      at::Tensor z = chunk_logits(hc, weight, 1.0, buf.a, &compute);  // (n, V)
      at::Tensor lp = buf.b.narrow(0, 0, n);
      at::log_softmax_out(lp, z, 1);
      at::Tensor y = targets.narrow(0, s, n).unsqueeze(1);
      total.sub_(lp.gather(1, y).sum());
      if (!need_h && !need_w) continue;
      at::Tensor G = lp.exp_();                          // softmax
      G.scatter_add_(1, y, at::full({n, 1}, -1.0f, G.options()));  // - onehot
      at::Tensor Gc = G.scalar_type() == compute ? G : G.to(compute);
      at::Tensor w = weight.scalar_type() == compute ? weight : weight.to(compute);
      at::Tensor hcc = hc.scalar_type() == compute ? hc : hc.to(compute);
      if (need_h) {
        at::Tensor gh = f.grad_h.narrow(0, s, n);
        if (gh.scalar_type() == compute) at::mm_out(gh, Gc, w);
        else gh.copy_(at::mm(Gc, w));
      }
      if (need_w) {
        if (f.grad_w.scalar_type() == compute) f.grad_w.addmm_(Gc.t(), hcc);
        else f.grad_w.add_(at::mm(Gc.t(), hcc).to(at::kFloat));
      }
    }
  }
  if (need_w && f.grad_w.scalar_type() != weight.scalar_type()) f.grad_w = f.grad_w.to(weight.scalar_type());
  f.sum = total;
  return f;
}

struct ChunkedCrossEntropyFunction : public torch::autograd::Function<ChunkedCrossEntropyFunction> {
  // hidden (N, C), weight (V, C), targets (N) -> sum_n -log p(targets[n]) (0-d float32)
  static variable_list forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight,
                               const at::Tensor& targets, int64_t chunk) {
    const bool need_h = hidden.requires_grad(), need_w = weight.requires_grad();
    CrossEntropyForward f = cross_entropy_chunks(hidden, weight, targets, chunk, need_h, need_w);
    ctx->save_for_backward({f.grad_h, f.grad_w});
    return {f.sum};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& g = grad_outputs[0];  // 0-d
    at::Tensor gh, gw;
    if (g.defined()) {
      if (saved[0].defined() && ctx->needs_input_grad(0)) gh = saved[0] * g.to(saved[0].scalar_type());
      if (saved[1].defined() && ctx->needs_input_grad(1)) gw = saved[1] * g.to(saved[1].scalar_type());
    }
    return {gh, gw, {}, {}};
  }
};

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
  const int64_t chunk = rows_per_chunk(chunk_tokens, V, N);
  const double inv_temp = 1.0 / temperature;
  at::Tensor h = hidden.is_contiguous() ? hidden : hidden.contiguous();

  ChunkedLogprobs r;
  r.chunks = N == 0 ? 0 : (N + chunk - 1) / chunk;
  r.chunk_logits_bytes = std::min(chunk, N) * V * static_cast<int64_t>(sizeof(float));  // per buffer (two)
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
  at::Tensor hidden = model.forward_hidden({input_ids, position_ids, attention_mask});  // (B, T, C)
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
  {
    const int64_t lo = targets.min().item<int64_t>(), hi = targets.max().item<int64_t>();
    if (lo < 0 || hi >= lm_head.size(0))
      throw Error("cross_entropy: token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary (0.." +
                  std::to_string(lm_head.size(0) - 1) + ")");
  }
  at::Tensor h = r.tokens == B * (T - 1)
                     ? hidden.narrow(1, 0, T - 1).reshape({r.tokens, C})
                     : hidden.reshape({B * T, C}).index_select(0, rows);                 // (N, C)
  const int64_t chunk = rows_per_chunk(chunk_tokens, lm_head.size(0), r.tokens);
  if (at::GradMode::is_enabled() && (h.requires_grad() || lm_head.requires_grad())) {
    r.sum = ChunkedCrossEntropyFunction::apply(h, lm_head, targets, chunk)[0];
  } else {
    r.sum = cross_entropy_chunks(h, lm_head, targets, chunk, false, false).sum;
  }
  r.loss = r.sum / static_cast<double>(r.tokens);
  return r;
}

CrossEntropy masked_cross_entropy(Transformer& model, const at::Tensor& input_ids, const at::Tensor& loss_mask,
                                  const at::Tensor& attention_mask, const at::Tensor& position_ids,
                                  int64_t chunk_tokens) {
  if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.size(1) < 2)
    throw Error("cross_entropy: input_ids must be (batch, T) with T >= 2");
  at::Tensor hidden = model.forward_hidden({input_ids, position_ids, attention_mask});
  return masked_cross_entropy_from_hidden(hidden, model.lm_head(), input_ids, loss_mask, chunk_tokens);
}

}  // namespace rf
