// Log-probabilities of given tokens under the model, computed in chunks of positions so that the full
// (B, T, V) logits tensor is never held at once, neither in the forward nor in the backward pass:
// a custom autograd function over (hidden, lm_head weight) keeps only the hidden states, the weight
// and one logsumexp per position, and recomputes each chunk's logits in backward. Used by SFT
// (masked cross-entropy) and GRPO (log p of sampled completions at the sampling temperature, entropy).
#pragma once

#include "model/transformer.h"

#include <torch/types.h>

#include <cstdint>

namespace rf {

// Positions per chunk when the caller passes 0: as many rows as fit ~8M logits (32 MB in float32).
int64_t logprob_chunk_auto(int64_t vocab_size, int64_t positions);

struct ChunkedLogprobs {
  at::Tensor logprobs;  // (N) float32, differentiable w.r.t. hidden and weight
  at::Tensor entropy;   // (N) float32, no gradient; undefined unless asked for
  int64_t chunks = 0;             // chunks of positions processed (the backward pass uses the same ones)
  int64_t saved_bytes = 0;        // bytes held for backward besides the weight (hidden, targets, logsumexp)
  int64_t chunk_logits_bytes = 0; // largest transient logits buffer of one chunk (rows x V float32)
};

// The core: log softmax(hidden W^T / temperature)[n, targets[n]] for every row n.
//   hidden (N, C), weight (V, C) (the lm_head), targets (N) int64 in [0, V).
// chunk_tokens rows are processed at a time (0: logprob_chunk_auto). Gradients flow to hidden and
// weight (whichever requires grad): grad_hidden = G W, grad_W = G^T hidden, G = (onehot - softmax) g / T.
ChunkedLogprobs chunked_token_logprobs(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& targets,
                                       double temperature = 1.0, int64_t chunk_tokens = 0, bool with_entropy = false);

struct TokenLogprobs {
  at::Tensor logprobs;  // (B, T-1) float32: log p(input_ids[:, t+1] | input_ids[:, <= t])
  at::Tensor entropy;   // (B, T-1) float32 entropy of the next-token distribution (no grad), if asked
  int64_t chunks = 0;
  int64_t saved_bytes = 0;
  int64_t chunk_logits_bytes = 0;
};

// Runs the model over input_ids (B, T) (attention_mask (B, T) and position_ids (B, T) may be undefined
// for unpadded batches) and returns the log-probability of each next token at `temperature`.
// Differentiable w.r.t. the model's parameters when GradMode is on.
TokenLogprobs token_logprobs(Transformer& model, const at::Tensor& input_ids, const at::Tensor& attention_mask,
                             const at::Tensor& position_ids, double temperature = 1.0, int64_t chunk_tokens = 0,
                             bool with_entropy = false);

struct CrossEntropy {
  at::Tensor loss;  // scalar: mean over the masked target tokens of -log p (0 with a graph when none)
  at::Tensor sum;   // scalar: the sum over the same tokens (for token-weighted gradient accumulation)
  int64_t tokens = 0;  // number of masked target tokens
};

// Cross-entropy on the tokens selected by loss_mask (B, T), aligned with input_ids: loss_mask[b, t] != 0
// means token t is predicted (from the tokens before it) and counts in the loss; column 0 is ignored.
// Only the selected positions go through the lm_head, so prompt tokens cost no vocabulary projection.
// The loss is one scalar, so the lm_head gradients are finished chunk by chunk in the forward pass while
// the logits are at hand (no recomputation in backward; see token_logprobs.cpp); memory stays
// O(N x C + V x C), never O(N x V).
CrossEntropy masked_cross_entropy(Transformer& model, const at::Tensor& input_ids, const at::Tensor& loss_mask,
                                  const at::Tensor& attention_mask = {}, const at::Tensor& position_ids = {},
                                  int64_t chunk_tokens = 0);

// The same from hidden states already computed: hidden (B, T, C), lm_head weight (V, C).
CrossEntropy masked_cross_entropy_from_hidden(const at::Tensor& hidden, const at::Tensor& lm_head,
                                              const at::Tensor& input_ids, const at::Tensor& loss_mask,
                                              int64_t chunk_tokens = 0);

}  // namespace rf
