// The ItemKNN baseline: item-item cosine similarity on the binary user-item train matrix, shrunk towards
// zero for items with few users, keeping the top-K neighbours of each item:
//   sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i| · |U_j|) + shrink),    score(u, j) = Σ_{i in history(u)} sim(i, j)
// where U_i is the set of train users of item i and the sum runs over the distinct history items i that
// keep j among their neighbours. Parameters: {"k": 100, "shrink": 10, "threads": 2}; shrink 10 was chosen on
// Beauty's validation items (NDCG@10 0.0394 at 0, 0.0473 at 10, 0.0476 at 100: docs/benchmarks.md).
#pragma once

#include "eval/recommender.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace rf {

struct ItemNeighbour {
  int32_t item = 0;
  float sim = 0;
};

class ItemKnnRecommender : public Recommender {
 public:
  ItemKnnRecommender(int32_t k, double shrink, int threads) : k_(k), shrink_(shrink), threads_(threads) {}
  std::string name() const override { return "itemknn"; }
  void fit(const FitData& data) override;
  void score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
             std::vector<std::vector<float>>& out) const override;
  // Item i's kept neighbours, by similarity (higher first; ties: lower item index first).
  std::vector<ItemNeighbour> neighbours(int32_t item) const;

 private:
  int32_t k_;
  double shrink_;
  int threads_;
  int32_t n_items_ = 0;
  std::vector<int64_t> offsets_;          // (items + 1) into neighbours_
  std::vector<ItemNeighbour> neighbours_;
};

std::unique_ptr<Recommender> itemknn_create(const nlohmann::json& params);

}  // namespace rf
