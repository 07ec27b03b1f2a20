// Logits processing for generation, with Hugging Face's semantics: repetition penalty, temperature,
// top-k, top-p (nucleus), min-p, then greedy choice or sampling. Two implementations of the same rules:
//  - tensor functions on (B, V) logits that run on any device (CUDA uses them; tests use them as the
//    reference), and
//  - a fused per-row CPU routine (one pass over a row's floats, top-p by quickselect instead of a full
//    sort), which is what generation uses on the CPU, where per-op overhead dominates.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace rf {

struct SamplingParams {
  bool do_sample = false;           // false: greedy (argmax of the penalised logits)
  double temperature = 1.0;         // > 0; sampling only
  int64_t top_k = 0;                // 0: off; keeps every token tied with the k-th value
  double top_p = 1.0;               // (0, 1]; 1: off
  double min_p = 0.0;               // [0, 1]; 0: off; keeps p >= min_p * max p
  double repetition_penalty = 1.0;  // > 0; 1: off
};

// Throws rf::Error naming the option when a value is out of range.
void sampling_params_validate(const SamplingParams& params);

// ---- Tensor versions: logits (B, V) float32, any device. Each returns a new tensor; removed tokens are -inf.

// HF RepetitionPenaltyLogitsProcessor: for every token in `seen` (B, V) bool (true: already in the prompt
// or the output), a positive logit is divided by the penalty and a negative one multiplied by it.
at::Tensor logits_repetition_penalty(const at::Tensor& logits, const at::Tensor& seen, double penalty);
// HF TemperatureLogitsWarper: logits / temperature.
at::Tensor logits_temperature(const at::Tensor& logits, double temperature);
// HF TopKLogitsWarper: removes tokens whose logit is below the k-th largest of the row.
at::Tensor logits_top_k(const at::Tensor& logits, int64_t k);
// HF TopPLogitsWarper: keeps the smallest set of most likely tokens whose probability reaches top_p
// (the token that crosses top_p is kept; at least one token always).
at::Tensor logits_top_p(const at::Tensor& logits, double top_p);
// HF MinPLogitsWarper: removes tokens with probability below min_p times the row's largest probability.
at::Tensor logits_min_p(const at::Tensor& logits, double min_p);
// The whole chain in HF's order (repetition penalty, then for sampling: temperature, top-k, top-p,
// min-p). `seen` may be undefined when the penalty is 1.
at::Tensor logits_process(const at::Tensor& logits, const SamplingParams& params, const at::Tensor& seen);

// ---- Fused CPU version, one row at a time.

// Per-row scratch reused across steps (sized to the vocabulary once).
struct RowScratch {
  std::vector<float> x;            // (V) processed logits
  std::vector<float> w;            // (V) weights exp(x - max) of the kept tokens, 0 for removed ones
  std::vector<float> work, other;  // selection scratch (top-k, top-p)
};

struct RowChoice {
  int64_t token = 0;
  float logprob = 0.0f;  // log_softmax(raw logits / T)[token], T = 1 for greedy (what TRL/GRPO recompute)
};

// Processes one row of raw logits (V floats) with `params` and picks a token: argmax when greedy,
// otherwise the inverse CDF at `u` in [0, 1) over the kept tokens (ascending token id order).
// Probabilities use an exp accurate to ~2e-7 relative (model/fast_math.h).
// `seen_ids` lists the distinct ids of the prompt and output so far (for the repetition penalty).
RowChoice sample_row(const float* logits, int64_t vocab, const SamplingParams& params,
                     const std::vector<int64_t>& seen_ids, double u, RowScratch& scratch);

// The probability distribution sample_row draws from (V floats, zero for removed tokens); for tests
// and for comparing with softmax(logits_process(...)).
std::vector<float> sample_row_probs(const float* logits, int64_t vocab, const SamplingParams& params,
                                    const std::vector<int64_t>& seen_ids);

}  // namespace rf
