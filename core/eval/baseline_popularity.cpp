// Popularity baseline: see baseline_popularity.h.
#include "eval/baseline_popularity.h"

#include "eval/baseline_common.h"

namespace rf {

void PopularityRecommender::fit(const FitData& data) {
  fit_data_check(data, name());
  const int32_t n_items = data.ds->item_count();
  counts_.assign(static_cast<size_t>(n_items), 0.0f);
  for (const auto& user : data.split->users) {
    items_check(user.train, n_items, name(), "a train list");
    for (int32_t i : user.train) counts_[static_cast<size_t>(i)] += 1.0f;
  }
}

void PopularityRecommender::score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
                                  std::vector<std::vector<float>>& out) const {
  if (histories.size() != users.size())
    throw Error("pop: score got " + std::to_string(users.size()) + " users but " + std::to_string(histories.size()) + " histories");
  out.resize(users.size());
  for (auto& row : out) row = counts_;
}

std::unique_ptr<Recommender> popularity_create(const nlohmann::json& params) {
  params_check(params, "pop", {});
  return std::make_unique<PopularityRecommender>();
}

}  // namespace rf
