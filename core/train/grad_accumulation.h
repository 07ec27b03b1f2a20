// Gradient accumulation: k micro-batches, each backpropagated with its loss scaled so that the summed
// gradients equal those of one step over the whole batch; the optimiser steps once afterwards.
//
//   double loss = accumulate_gradients(k, [&](int64_t i) { return loss_of_micro_batch(i); });
//   GradNorm n = clip_grad_norm(params, 1.0);
//   if (n.finite) optimiser.step(lr);  // else: skip and report
//   optimiser.zero_grad();
//
// Mean-per-micro-batch losses (equal-sized micro-batches, loss = mean over that micro-batch) are
// scaled by 1/k. For a token-mean loss over micro-batches with different token counts, pass each
// micro-batch's summed loss (CrossEntropy::sum) and the total token count: it is scaled by 1/total,
// which gives exactly the full batch's token mean.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>

namespace rf {

// Runs loss_fn(0..k-1), calling backward() on loss_i / k after each (so each micro-batch's graph is
// freed before the next is built). Returns the mean of the k losses (for logging).
double accumulate_gradients(int64_t micro_batches, const std::function<at::Tensor(int64_t)>& loss_fn);

// Token-weighted form: loss_fn returns the micro-batch's summed loss; backward() on sum_i / total_tokens.
// Returns sum_i loss_sum_i / total_tokens (the batch's token-mean loss).
double accumulate_gradients_token_sum(int64_t micro_batches, int64_t total_tokens,
                                      const std::function<at::Tensor(int64_t)>& loss_sum_fn);

}  // namespace rf
