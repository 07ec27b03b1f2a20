// Biased matrix factorisation for rating prediction (Koren, Bell & Volinsky 2009):
//   r_hat(u, i) = mu + b_u + b_i + p_u . q_i
// mu is the train mean; biases and factors are fitted in LibTorch on mini-batches of the train ratings
// by Adam or plain SGD, minimising squared error plus L2 on the terms each rating touches (as Surprise's
// SVD does). Predictions are clamped to the train ratings' range. A user or item without train ratings
// contributes neither bias nor factors (the prediction falls back to mu plus the known side's bias).
#pragma once

#include "eval/recommender.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace rf {

struct BiasedMfOptions {
  // Defaults tuned on ml-latest-small leave-last-out (validation RMSE; docs/benchmarks.md).
  int64_t dim = 32;
  int64_t epochs = 20;
  int64_t batch_size = 1024;
  std::string optimizer = "adam";  // "adam" or "sgd" (plain SGD on the batch-mean loss: lr needs to be ~100x Adam's)
  double lr = 1e-2;
  double reg = 0.1;         // L2 on the factors of each rating's user and item (per rating)
  double reg_bias = 0.01;   // L2 on the biases (per rating)
  double init_std = 0.05;   // normal init of the factors; biases start at 0
  std::string device = "cpu";
  int64_t threads = 0;      // LibTorch intra-op threads while fitting (0: auto, see baseline_torch_common.h)
  int64_t seed = -1;        // -1: use fit()'s seed
};

// Defaults overridden by `params` (keys = the field names above); an unknown key, a wrong type or an
// out-of-range value is an rf::Error naming the key.
BiasedMfOptions biased_mf_options_from_json(const nlohmann::json& params);
nlohmann::json biased_mf_options_to_json(const BiasedMfOptions& options);

std::unique_ptr<RatingPredictor> biased_mf_create(const nlohmann::json& params = nlohmann::json::object());

}  // namespace rf
