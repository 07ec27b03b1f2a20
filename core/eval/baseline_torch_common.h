// Shared plumbing of the LibTorch baselines (BPR-MF, SASRec, biased MF): typed reading of the JSON
// params with errors that name the model and the key, device and generator set-up, a plain Adam
// over a list of tensors, the CPU thread choice for training, and the full-ranking validation
// metric used for early stopping.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rf::baseline {

// --- params --------------------------------------------------------------------------------------------
// Each reads params[key] (which must exist) and checks the type and the range [lo, hi]; rf::Error
// "<model> params: '<key>' ..." otherwise.
int64_t param_int(const nlohmann::json& params, const std::string& model, const std::string& key, int64_t lo, int64_t hi);
double param_double(const nlohmann::json& params, const std::string& model, const std::string& key, double lo, double hi);
bool param_bool(const nlohmann::json& params, const std::string& model, const std::string& key);
std::string param_string(const nlohmann::json& params, const std::string& model, const std::string& key);
// The value must be one of `allowed`.
std::string param_choice(const nlohmann::json& params, const std::string& model, const std::string& key,
                         const std::vector<std::string>& allowed);
// params must be a JSON object (or null: no overrides); rf::Error otherwise.
void params_check_object(const nlohmann::json& params, const std::string& model);
// rf::Error "<model> params: unknown key '<key>' (known: a, b, ...)".
[[noreturn]] void param_unknown(const std::string& model, const std::string& key, const std::vector<std::string>& known);

// "cpu", "cuda" or "cuda:N". CUDA without a CUDA build of LibTorch is an rf::Error at fit time.
at::Device device_parse(const std::string& text, const std::string& model);
void device_check_available(const at::Device& device, const std::string& model);

// An owning int64 tensor on `device` holding a copy of `values`, shaped `sizes` (default: 1-D).
at::Tensor long_tensor(const std::vector<int64_t>& values, const at::Device& device, at::IntArrayRef sizes = {});

// --- randomness ------------------------------------------------------------------------------------------
// A generator for random tensors on `device`, seeded: a private CPU generator on the CPU (so fitting
// does not touch the global one); on CUDA the device's default generator, re-seeded.
at::Generator generator_for(const at::Device& device, uint64_t seed);

// --- optimiser --------------------------------------------------------------------------------------------
// Adam (Kingma & Ba) with optional decoupled weight decay (AdamW when weight_decay > 0), as
// torch.optim.AdamW. Parameters must be leaf tensors with requires_grad; ones without grad are skipped.
class Adam {
 public:
  Adam(std::vector<at::Tensor> params, double lr, double weight_decay = 0.0, double beta1 = 0.9, double beta2 = 0.999,
       double eps = 1e-8);
  void step();
  void zero_grad();
  void lr_set(double lr) { lr_ = lr; }

 private:
  std::vector<at::Tensor> params_, m_, v_;
  double lr_, weight_decay_, beta1_, beta2_, eps_;
  int64_t t_ = 0;
};


// --- validation ranking ------------------------------------------------------------------------------------
// Sums of Recall@k and NDCG@k over users (one target each) under full ranking: the target's rank counts the
// items scoring strictly higher plus ties at a lower index (metrics.h's order), skipping excluded items.
struct RankSums {
  double recall = 0;
  double ndcg = 0;
  int64_t users = 0;
  double recall_mean() const { return users ? recall / static_cast<double>(users) : 0.0; }
  double ndcg_mean() const { return users ? ndcg / static_cast<double>(users) : 0.0; }
};
// scores: (B, N) float on any device; targets[b] in [0, N); exclude[b]: items not ranked (the target
// itself is never excluded). Modifies `scores`.
void rank_sums_add(at::Tensor& scores, const std::vector<int32_t>& targets,
                   const std::vector<const std::vector<int32_t>*>& exclude, int k, RankSums& sums);

// Keeps the best validation value seen and counts evaluations without improvement.
struct EarlyStopper {
  int patience = 0;  // evaluations without improvement before stopping; <= 0 never stops
  double best = -1;
  int since_best = 0;
  // Returns true when `value` is a new best.
  bool improved(double value);
  bool should_stop() const { return patience > 0 && since_best >= patience; }
};

}  // namespace rf::baseline
