// AdamW (Loshchilov & Hutter: Adam with decoupled weight decay), computed exactly as
// torch.optim.AdamW (amsgrad off): per parameter
//   p   <- p * (1 - lr * wd)
//   m   <- beta1 m + (1 - beta1) g          v <- beta2 v + (1 - beta2) g^2
//   p   <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// over a list of named parameters, with state (step, exp_avg, exp_avg_sq) that can be exported and
// imported as named tensors for checkpoints (safetensors via save/load).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rf {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

struct AdamWOptions {
  double lr = 1e-3;  // the default learning rate of step(); a schedule passes its own value
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;
  // HF Trainer's convention: 1-D tensors (biases, norm weights) get no weight decay. Off = torch's
  // behaviour (every parameter decays).
  bool no_decay_for_1d = false;
};

struct AdamWState {
  int64_t step = 0;
  at::Tensor exp_avg;     // like the parameter (float32 when the parameter is bf16/fp16)
  at::Tensor exp_avg_sq;  // like the parameter (float32 when the parameter is bf16/fp16)
};

// One AdamW update of one tensor in place (under no-grad). lr and weight_decay as given.
void adamw_step(at::Tensor& param, const at::Tensor& grad, AdamWState& state, const AdamWOptions& options, double lr,
                double weight_decay);

class AdamW {
 public:
  // Parameters must be leaf tensors (they are updated in place, which updates the model).
  AdamW(NamedTensors params, AdamWOptions options = {});

  // One update with options().lr, or with `lr` (from a schedule). Parameters without a gradient are
  // skipped and keep their state, as in torch.
  void step();
  void step(double lr);
  // Sets every gradient to undefined (set_to_none, torch's default) or to zero.
  void zero_grad(bool set_to_none = true);

  const NamedTensors& parameters() const { return params_; }
  const AdamWOptions& options() const { return options_; }
  AdamWOptions& options() { return options_; }
  const AdamWState& state(size_t index) const { return state_[index]; }
  int64_t steps_taken() const { return steps_; }

  // State as named tensors: "<param>.exp_avg", "<param>.exp_avg_sq", "<param>.step" (int64, shape [1]),
  // for parameters that have state; plus "__optimizer__.steps" (int64, shape [1]).
  NamedTensors state_tensors() const;
  // Restores state; every tensor must match a parameter's name and shape (rf::Error naming it otherwise).
  void load_state_tensors(const NamedTensors& tensors);
  // Writes / reads the state as one safetensors file (atomic write).
  void save(const std::string& path) const;
  void load(const std::string& path);

 private:
  NamedTensors params_;
  std::vector<AdamWState> state_;
  AdamWOptions options_;
  int64_t steps_ = 0;
};

}  // namespace rf
