// The interface every next-item baseline implements (Popularity, ItemKNN, BPR-MF, SASRec), and the one
// for rating predictors (global / user / item mean, biased MF). The evaluator (eval_runner.h) fits a model
// on a split's train part and scores users' histories under full ranking or sampled candidates.
#pragma once

#include "data/dataset.h"
#include "data/split.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rf {

struct FitData {
  const Dataset* ds = nullptr;
  const Split* split = nullptr;  // fit on split->users[u].train; may use .valid for early stopping only
  uint64_t seed = 0;
  bool verbose = false;  // progress lines on stderr (epochs, losses)
};

class Recommender {
 public:
  virtual ~Recommender() = default;
  virtual std::string name() const = 0;
  virtual void fit(const FitData& data) = 0;
  // Scores for every catalogue item (higher is better) for each user given the history the model may see
  // (time order). out[i] has ds->item_count() entries. Items in the history are NOT masked here: the
  // evaluator excludes them.
  virtual void score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
                     std::vector<std::vector<float>>& out) const = 0;
};

class RatingPredictor {
 public:
  virtual ~RatingPredictor() = default;
  virtual std::string name() const = 0;
  // Fits on the interactions whose indices are given (each has a rating).
  virtual void fit(const Dataset& ds, const std::vector<int32_t>& train_interactions, uint64_t seed) = 0;
  virtual double predict(int32_t user, int32_t item) const = 0;
};

}  // namespace rf
