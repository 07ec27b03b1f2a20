// Rating baselines that predict a mean: the global mean of the train ratings, a user's mean or an item's
// mean. Means are damped towards the global mean g with `damping` pseudo-ratings,
//   (Σ ratings + damping · g) / (n + damping),
// and an unknown user or item (no train rating) gets g. Parameters: {"damping": 0}.
#pragma once

#include "eval/recommender.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace rf {

enum class RatingMeanKind { Global, User, Item };

class RatingMeanPredictor : public RatingPredictor {
 public:
  RatingMeanPredictor(RatingMeanKind kind, double damping) : kind_(kind), damping_(damping) {}
  std::string name() const override;
  void fit(const Dataset& ds, const std::vector<int32_t>& train_interactions, uint64_t seed) override;
  double predict(int32_t user, int32_t item) const override;
  double global_mean() const { return global_; }

 private:
  RatingMeanKind kind_;
  double damping_;
  bool fitted_ = false;
  double global_ = 0;
  std::vector<double> sum_;    // per user or item
  std::vector<int64_t> count_;
};

std::unique_ptr<RatingPredictor> global_mean_create(const nlohmann::json& params);
std::unique_ptr<RatingPredictor> user_mean_create(const nlohmann::json& params);
std::unique_ptr<RatingPredictor> item_mean_create(const nlohmann::json& params);

}  // namespace rf
