// Coverage: how much a list widens what the run shows, as the share of its top K (distinct) items that are
//   batch      listed by no other completion of the same scored batch (count in the batch == 1), or
//   catalogue  listed in no earlier batch of the run (new catalogue coverage; RewardComposite keeps the
//              set of items already shown and adds each batch's items after scoring it).
// Both are computed by RewardComposite::score_batch (input.batch); a completion scored alone counts as a
// batch of one with nothing shown before (value 1). An empty list scores 0.
#include "reward/reward_components.h"

#include <nlohmann/json.hpp>

namespace rf {

namespace {

class CoverageReward : public RewardComponent {
 public:
  explicit CoverageReward(ParamReader& p) : RewardComponent("coverage") {
    scope_ = p.text("scope", "batch", {"batch", "catalogue"});
    require_format_ = p.boolean("require_format", false);
  }

  nlohmann::json params() const override { return {{"scope", scope_}, {"require_format", require_format_}}; }
  bool uses_batch() const override { return true; }

  RewardValue score(const RewardInput& in) const override {
    RewardValue gated;
    if (reward_format_gate(in, require_format_, 0.0, gated)) return gated;
    const std::vector<int32_t> items = reward_list_top(in);
    if (items.empty()) return {0, "coverage 0: no items"};
    int fresh = 0;
    for (int32_t i : items) {
      if (scope_ == "batch") {
        int32_t listed = 1;  // this completion itself
        if (const auto* counts = in.batch.item_counts) {
          const auto it = counts->find(i);
          if (it != counts->end()) listed = it->second;
        }
        fresh += listed <= 1 ? 1 : 0;
      } else {
        const auto* shown = in.batch.shown_before;
        fresh += (!shown || i < 0 || static_cast<size_t>(i) >= shown->size() || !(*shown)[i]) ? 1 : 0;
      }
    }
    const double v = static_cast<double>(fresh) / static_cast<double>(items.size());
    const std::string what = scope_ == "batch" ? " listed by no other completion in the batch" : " not shown earlier in the run";
    return {v, std::to_string(fresh) + " of " + std::to_string(items.size()) + " items" + what};
  }

 private:
  std::string scope_;
  bool require_format_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_coverage(ParamReader& p) { return std::make_unique<CoverageReward>(p); }

}  // namespace rf
