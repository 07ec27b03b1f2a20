// Gradient accumulation over micro-batches (see grad_accumulation.h).
#include "train/grad_accumulation.h"

#include "util/error.h"

namespace rf {

namespace {

double run(int64_t k, double scale, const std::function<at::Tensor(int64_t)>& fn) {
  double total = 0.0;
  for (int64_t i = 0; i < k; ++i) {
    at::Tensor loss = fn(i);
    if (!loss.defined() || loss.numel() != 1)
      throw Error("gradient accumulation: micro-batch " + std::to_string(i) + " did not return a scalar loss");
    total += loss.detach().item<double>();
    if (loss.requires_grad()) (loss * scale).backward();
  }
  return total * scale;
}

}  // namespace

double accumulate_gradients(int64_t micro_batches, const std::function<at::Tensor(int64_t)>& loss_fn) {
  if (micro_batches < 1) throw Error("gradient_accumulation_steps must be >= 1");
  return run(micro_batches, 1.0 / static_cast<double>(micro_batches), loss_fn);
}

double accumulate_gradients_token_sum(int64_t micro_batches, int64_t total_tokens,
                                      const std::function<at::Tensor(int64_t)>& loss_sum_fn) {
  if (micro_batches < 1) throw Error("gradient_accumulation_steps must be >= 1");
  if (total_tokens < 1) return run(micro_batches, 0.0, loss_sum_fn);
  return run(micro_batches, 1.0 / static_cast<double>(total_tokens), loss_sum_fn);
}

}  // namespace rf
