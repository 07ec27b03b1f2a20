// SFT batching: which examples go together. Length-bucketed batches (the examples shuffled with a seed,
// then sorted by length inside windows of the shuffled order so a batch holds similar lengths and little
// padding, then the batches themselves shuffled), or packing (several examples concatenated in one row of
// at most max_length tokens, best-fit decreasing). Either way every example is used exactly once per
// epoch. sft_collate turns a group of examples into padded tensors.
#pragma once

#include "train/sft_data.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace rf {

// One batch = the rows of the batch; one row = the examples concatenated in it (one example unless packed).
using SftRow = std::vector<int64_t>;
using SftBatchPlan = std::vector<SftRow>;

// Batches of batch_size rows (the last may be smaller), one example per row. window = examples sorted
// together (0: 50 x batch_size). Deterministic in (lengths, seed).
std::vector<SftBatchPlan> sft_batches_bucketed(const std::vector<int64_t>& lengths, int64_t batch_size, uint64_t seed,
                                               int64_t window = 0);

// Rows of at most max_length tokens (each example fits: it was truncated to max_length), filled best-fit
// decreasing; the rows are shuffled with the seed and grouped batch_size at a time.
std::vector<SftBatchPlan> sft_batches_packed(const std::vector<int64_t>& lengths, int64_t max_length,
                                             int64_t batch_size, uint64_t seed);

struct SftBatch {
  at::Tensor input_ids;       // (B, T) int64, right-padded with pad_id
  at::Tensor loss_mask;       // (B, T) int64, 1 = token predicted and counted (aligned with input_ids)
  at::Tensor attention_mask;  // (B, T) int64, 1 = real token
  at::Tensor position_ids;    // (B, T) int64; restarts at 0 for each example of a packed row
  int64_t loss_tokens = 0;    // sum of loss_mask
  int64_t tokens = 0;         // sum of attention_mask
};

// Packed rows: examples after the first still attend to the earlier ones of the row (the model's mask is
// causal + padding only), but their positions restart and the loss never crosses an example boundary.
SftBatch sft_collate(const std::vector<SftExample>& examples, const SftBatchPlan& plan, int64_t pad_id);

}  // namespace rf
