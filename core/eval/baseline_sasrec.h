// SASRec (Kang & McAuley 2018) as a next-item Recommender. The network is sasrec_model.h; this file
// trains it on each user's train sequence (every position predicts the next item) and scores a history
// by the dot product of its last hidden state with every item embedding.
// Losses ("loss" param):
//   "ce"          full softmax cross-entropy over the catalogue (Klenitskiy & Vasilev, RecSys 2023:
//                 converges in far fewer epochs than the original loss and ends higher) — the default;
//   "sampled_ce"  softmax over the target and `negatives` uniformly sampled items shared by the batch;
//   "bce"         the original: binary cross-entropy of the target against one sampled negative.
// Only real (non-padding) positions are computed: batches group users of equal history length, so a batch
// is as long as its histories, not max_len. Early stopping on the validation item (full ranking, the
// user's train items excluded) every `eval_every` epochs keeps the best weights.
#pragma once

#include "eval/recommender.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace rf {

// Defaults: Amazon Beauty leave-last-out, full ranking -> test Recall@10 0.0891, NDCG@10 0.0522 (published
// SASRec with the original loss: 0.0605 / 0.0318), best validation at epoch ~20 (docs/benchmarks.md).
struct SasrecOptions {
  int64_t hidden = 64;
  int64_t blocks = 2;
  int64_t heads = 1;
  int64_t max_len = 50;
  double dropout = 0.5;
  std::string loss = "ce";        // "ce", "sampled_ce" or "bce"
  int64_t negatives = 512;        // sampled_ce: shared negatives per batch
  double lr = 2e-3;
  double weight_decay = 0.0;      // decoupled (AdamW)
  int64_t batch_size = 128;       // sequences per step
  int64_t epochs = 30;            // upper bound; early stopping may end sooner
  int64_t eval_every = 2;         // epochs between validations (0: never; train all epochs)
  int64_t patience = 3;           // validations without improvement before stopping
  std::string metric = "ndcg@10";  // "ndcg@10" or "recall@10"
  std::string device = "cpu";     // "cpu", "cuda", "cuda:N"
  int64_t threads = 0;            // LibTorch intra-op threads while fitting (0: auto, see baseline_torch_common.h)
  int64_t seed = -1;              // -1: use FitData::seed
};

// Defaults overridden by `params` (keys = the field names above); an unknown key, a wrong type or an
// out-of-range value is an rf::Error naming the key.
SasrecOptions sasrec_options_from_json(const nlohmann::json& params);
nlohmann::json sasrec_options_to_json(const SasrecOptions& options);

std::unique_ptr<Recommender> sasrec_create(const nlohmann::json& params = nlohmann::json::object());

}  // namespace rf
