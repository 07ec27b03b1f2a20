// Accuracy of a ranked list against the user's held-out items (core/eval/metrics.h conventions: binary
// relevance, a duplicate counts at its first position only):
//   hit     1 when a target is in the top K
//   recall  |top K ∩ targets| / |targets|
//   ndcg    Σ_{targets at rank r ≤ K} 1/log2(r + 1)  /  Σ_{r=1..min(K,|targets|)} 1/log2(r + 1)
//   mrr     1 / rank of the first target in the top K
// K = the `k` parameter, or the input's k when 0. An empty or unparsed list scores 0.
#include "reward/reward_components.h"

#include "eval/metrics.h"

#include <nlohmann/json.hpp>

namespace rf {

namespace {

class AccuracyReward : public RewardComponent {
 public:
  explicit AccuracyReward(ParamReader& p) : RewardComponent("accuracy") {
    metric_ = p.text("metric", "ndcg", {"hit", "recall", "ndcg", "mrr"});
    k_ = p.integer("k", 0, 0, 1000000);
    require_format_ = p.boolean("require_format", false);
  }

  nlohmann::json params() const override { return {{"metric", metric_}, {"k", k_}, {"require_format", require_format_}}; }

  RewardValue score(const RewardInput& in) const override {
    RewardValue gated;
    if (reward_format_gate(in, require_format_, 0.0, gated)) return gated;
    const int k = k_ > 0 ? k_ : in.k;
    const std::string label = metric_ + "@" + std::to_string(k);
    if (in.targets.empty()) return {0, label + " 0: no held-out items"};
    const std::vector<int32_t>& items = in.parsed.items;
    if (items.empty()) return {0, label + " 0: no items in the answer"};
    double v = 0;
    if (metric_ == "hit") v = metric_hit_at(items, in.targets, k);
    else if (metric_ == "recall") v = metric_recall_at(items, in.targets, k);
    else if (metric_ == "ndcg") v = metric_ndcg_at(items, in.targets, k);
    else v = metric_mrr(items, in.targets, k);
    // The first target's rank makes the number readable in the inspector.
    int rank = 0;
    for (size_t i = 0; i < items.size() && i < static_cast<size_t>(k) && rank == 0; ++i)
      for (int32_t t : in.targets)
        if (items[i] == t) rank = static_cast<int>(i) + 1;
    return {v, label + " " + reward_num(v) + (rank ? ": first target at rank " + std::to_string(rank)
                                                   : ": no target in the top " + std::to_string(k))};
  }

 private:
  std::string metric_;
  int k_;
  bool require_format_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_accuracy(ParamReader& p) { return std::make_unique<AccuracyReward>(p); }

}  // namespace rf
