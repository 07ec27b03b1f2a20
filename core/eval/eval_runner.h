// The evaluator: fits a baseline on a split's train part and measures it on the held-out items.
//
// Next-item (eval_next_item): each user with held-out targets and a non-empty history is scored through
// Recommender::score in batches. Two modes:
// - full ranking: every catalogue item is ranked except the user's history items (a target is never
//   excluded, even when it also occurs in the history);
// - sampled candidates: the targets plus N negatives drawn by candidates_sample() (uniform or popularity,
//   seeded per user) are ranked by the model's scores.
// Ties are broken by the lower item index, as in metrics.h. Reported per K: hit@K, recall@K, ndcg@K; then
// mrr (over the whole ranking), and over the top-10 lists: coverage@10 (share of the catalogue shown to
// anyone), gini@10 (exposure concentration), novelty@10 (mean self-information in bits, popularity =
// interactions in the history parts of the split), ilad@10 (Jaccard distance of category sets, only when
// items have categories).
// On test the history is train + valid; on valid it is train.
//
// Ratings (eval_rating): fits on the rated train (+ valid when testing) interactions and reports mae, rmse,
// exact_match and within_one on the rated held-out interactions.
#pragma once

#include "data/dataset.h"
#include "data/split.h"
#include "eval/recommender.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rf {

struct EvalOptions {
  std::vector<int> ks = {5, 10, 20};
  int32_t candidates = 0;  // 0: full ranking; N > 0: the targets + N sampled negatives
  NegativeSampling sampling = NegativeSampling::Uniform;
  uint64_t seed = 0;       // candidate pools (and the model's fit)
  bool on_test = true;     // false: evaluate on valid, history = train
  bool fit = true;         // fit the model first (false: it is already fitted on this split)
  int32_t batch_size = 256;  // users per Recommender::score call
  int32_t max_users = 0;   // 0: all evaluable users; else this many, evenly spaced over them
  int threads = 2;         // ranking threads
  bool verbose = false;    // progress on stderr
};

struct RatingEvalOptions {
  bool on_test = true;     // false: fit on train, evaluate on valid
  bool fit = true;
  uint64_t seed = 0;
  double step = 0;         // rating step for exact_match; 0: 1 when every held-out rating is whole, else 0.5
};

struct EvalReport {
  std::string model;
  std::string dataset;
  std::string split;       // Split::kind
  std::string target;      // "test" or "valid"
  std::string mode;        // "full", "sampled" or "rating"
  int32_t candidates = 0;  // negatives per user in sampled mode
  std::string sampling;    // "uniform" | "popularity" in sampled mode
  uint64_t seed = 0;
  int64_t users = 0;       // users evaluated
  int64_t targets = 0;     // held-out items (or ratings) evaluated
  int32_t items = 0;       // catalogue size
  std::vector<int> ks;
  std::vector<std::pair<std::string, double>> metrics;  // in report order
  double fit_seconds = 0;
  double eval_seconds = 0;

  // The value of `name` (e.g. "ndcg@10"); throws rf::Error listing the names when absent.
  double metric(const std::string& name) const;
  bool has_metric(const std::string& name) const;
  nlohmann::json to_json() const;
  // A table for people: one row per K, then the list metrics and timings.
  std::string table() const;
};

EvalReport eval_next_item(Recommender& model, const Dataset& ds, const Split& split, const EvalOptions& options);
EvalReport eval_rating(RatingPredictor& model, const Dataset& ds, const Split& split, const RatingEvalOptions& options = {});

// Several reports side by side, one row each (next-item: recall/ndcg per K, mrr, coverage@10; rating:
// mae, rmse, exact_match, within_one), with fit and eval times.
std::string eval_table_compare(const std::vector<EvalReport>& reports);

}  // namespace rf
