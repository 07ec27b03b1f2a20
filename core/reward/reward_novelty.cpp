// Novelty: mean self-information of the list's top K items, −log2(p_i) with p_i = popularity_i / Σ
// popularity (an item never interacted with counts as popularity 1), and by default normalised by its
// maximum −log2(1 / Σ popularity) so it lies in [0, 1] (core/eval/metrics.h list_novelty_normalised).
// An empty list scores 0.
#include "reward/reward_components.h"

#include "eval/metrics.h"

#include <nlohmann/json.hpp>

namespace rf {

namespace {

class NoveltyReward : public RewardComponent {
 public:
  explicit NoveltyReward(ParamReader& p) : RewardComponent("novelty") {
    normalised_ = p.boolean("normalised", true);
    require_format_ = p.boolean("require_format", false);
  }

  nlohmann::json params() const override { return {{"normalised", normalised_}, {"require_format", require_format_}}; }

  RewardValue score(const RewardInput& in) const override {
    reward_require_context(in, name());
    RewardValue gated;
    if (reward_format_gate(in, require_format_, 0.0, gated)) return gated;
    const std::vector<int32_t> items = reward_list_top(in);
    if (items.empty()) return {0, "novelty 0: no items"};
    const RewardCatalogue& c = in.context->catalogue;
    const double v = normalised_ ? list_novelty_normalised(items, c.popularity, c.total_interactions)
                                 : list_novelty(items, c.popularity, c.total_interactions);
    return {v, std::string(normalised_ ? "normalised novelty " : "novelty (bits) ") + reward_num(v) + " over " +
                   std::to_string(items.size()) + " items"};
  }

 private:
  bool normalised_, require_format_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_novelty(ParamReader& p) { return std::make_unique<NoveltyReward>(p); }

}  // namespace rf
