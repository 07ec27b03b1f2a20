// Business-rules reward: the sum of the rules' contributions over the list's top K items (reward_rules.h,
// docs/rewards.md), clamped to [min_total, max_total]. An empty list scores 0, so that an "if none" bonus
// never rewards a completion for answering nothing.
#include "reward/reward_components.h"

#include "reward/reward_rules.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace rf {

namespace {

class RulesReward : public RewardComponent {
 public:
  explicit RulesReward(ParamReader& p) : RewardComponent("rules") {
    const nlohmann::json* rules = p.raw("rules");
    rules_ = rules_parse(rules ? *rules : nlohmann::json::array(), p.field("rules"));
    const double max = p.optional_number("max_total");
    const double min = p.optional_number("min_total");
    if (!std::isnan(max)) rules_.max_total = max;
    if (!std::isnan(min)) rules_.min_total = min;
    if (rules_.min_total > rules_.max_total) param_fail(p.field("min_total"), "must not exceed max_total");
    require_format_ = p.boolean("require_format", false);
  }

  nlohmann::json params() const override {
    auto bound = [](double x) { return std::isinf(x) ? nlohmann::json(nullptr) : nlohmann::json(x); };
    return {{"rules", rules_.source},
            {"max_total", bound(rules_.max_total)},
            {"min_total", bound(rules_.min_total)},
            {"require_format", require_format_}};
  }

  RewardValue score(const RewardInput& in) const override {
    reward_require_context(in, name());
    RewardValue gated;
    if (reward_format_gate(in, require_format_, 0.0, gated)) return gated;
    const std::vector<int32_t> items = reward_list_top(in);
    if (items.empty()) return {0, "no items"};
    const RuleOutcome o = rules_apply(rules_, items, *in.context);
    return {o.value, o.explanation};
  }

 private:
  RewardRules rules_;
  bool require_format_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_rules(ParamReader& p) { return std::make_unique<RulesReward>(p); }

}  // namespace rf
