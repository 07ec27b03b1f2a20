// The Popularity baseline: every user gets the same scores, each item's number of interactions in the
// split's train part. The floor any personalised model has to clear.
#pragma once

#include "eval/recommender.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace rf {

class PopularityRecommender : public Recommender {
 public:
  std::string name() const override { return "pop"; }
  void fit(const FitData& data) override;
  void score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
             std::vector<std::vector<float>>& out) const override;
  const std::vector<float>& counts() const { return counts_; }

 private:
  std::vector<float> counts_;  // (items) train interactions per item
};

// No parameters ({} or null).
std::unique_ptr<Recommender> popularity_create(const nlohmann::json& params);

}  // namespace rf
