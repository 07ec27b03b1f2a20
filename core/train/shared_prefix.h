// Scoring completions that share their prompt: GRPO scores G completions of each prompt, and a prompt
// (a user's history, hundreds of tokens) is usually several times longer than a completion. Running the
// rows as [prompt | completion] repeats the prompt's forward and backward G times, and its attention
// is quadratic in the prompt's length. Here each distinct prompt runs once, its keys and values are
// copied (differentiably) to every row that continues it, and the completions run as a second pass
// attending to them: the same hidden states, and the same gradients, up to floating-point order.
#pragma once

#include "model/transformer.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace rf {

struct SharedPrefixRows {
  at::Tensor prompt_ids;      // (U, P) the distinct prompts, right-padded to the longest
  at::Tensor completion_ids;  // (n, L) each row's completion, right-padded
  at::Tensor row_prompt;      // (n) which prompt each row continues
  at::Tensor position_ids;    // (n, L) P_u + j: a completion continues its own prompt, not the padding
  at::Tensor attention_mask;  // (n, P + L) 0 on the padding between a row's prompt and its completion
  at::Tensor hidden_index;    // (M) into cat(prompt states (U*P), completion states (n*L)): the state
                              //     that predicts each completion token, row by row, token by token
  int64_t prompts = 0, rows = 0;
};

// prompts: the distinct prompts (each non-empty); row_prompt[r] says which one row r continues;
// completions[r] is row r's completion (may be empty: it adds no entry to hidden_index).
SharedPrefixRows shared_prefix_rows_make(const std::vector<const std::vector<int64_t>*>& prompts,
                                         const std::vector<int64_t>& row_prompt,
                                         const std::vector<const std::vector<int64_t>*>& completions, int64_t pad_id,
                                         at::Device device);

// (M, C) final-norm hidden states, in hidden_index's order; differentiable w.r.t. the model's parameters
// when GradMode is on (the prompt's share of each row's gradient flows back through the copies).
at::Tensor shared_prefix_hidden(Transformer& model, const SharedPrefixRows& rows);

}  // namespace rf
