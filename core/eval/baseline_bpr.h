// BPR-MF (Rendle et al. 2009): user and item embeddings trained in LibTorch on (user, positive,
// sampled negative) triples with the pairwise loss -log sigmoid(u.i - u.j) plus L2 on the embeddings
// of the batch; score(u, i) = u . i over the whole catalogue (one batched matmul). Optional early
// stopping on the validation item under full ranking (Recall@10 or NDCG@10), keeping the best weights.
#pragma once

#include "eval/recommender.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace rf {

struct BprOptions {
  int64_t dim = 64;
  int64_t epochs = 60;         // upper bound; early stopping usually ends sooner
  int64_t batch_size = 1024;   // triples per step
  int64_t negatives = 1;       // sampled negatives per positive (uniform over items the user has not trained on)
  double lr = 2e-3;
  double reg = 1e-3;           // L2 weight on the batch's embeddings (summed squares / batch)
  double weight_decay = 0.0;   // decoupled (AdamW) decay on the whole tables
  double init_std = 0.1;       // normal init of both tables
  int64_t eval_every = 2;      // epochs between validation evaluations (0: never; train all epochs)
  int64_t patience = 3;        // evaluations without improvement before stopping
  std::string metric = "ndcg@10";  // early-stopping metric: "ndcg@10" or "recall@10"
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
  int64_t threads = 0;         // LibTorch intra-op threads while fitting (0: auto, see baseline_torch_common.h)
  int64_t seed = -1;           // -1: use FitData::seed
};

// Defaults overridden by `params` (a JSON object whose keys are the field names above); an unknown key,
// a wrong type or an out-of-range value is an rf::Error naming the key.
BprOptions bpr_options_from_json(const nlohmann::json& params);
nlohmann::json bpr_options_to_json(const BprOptions& options);

std::unique_ptr<Recommender> bpr_create(const nlohmann::json& params = nlohmann::json::object());

}  // namespace rf
