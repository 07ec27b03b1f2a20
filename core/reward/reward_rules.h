// Declarative business rules for list rewards (DESIGN.md §6): JSON that says which items a rule is about
// (category, tag, creator, item id, attribute comparisons, popularity band, freshness, combined with
// all / any / not) and what it adds (a bonus or penalty per matching item, once per list if any / if none /
// if at least n match, a quota, or a limit per creator or category), with caps. Nothing in a rule runs
// code: it is data checked when parsed, and every parse error names the rule index and the field.
// The language is documented with examples in docs/rewards.md.
#pragma once

#include "reward/reward_context.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace rf {

// lt / le / gt / ge bounds on a number; NaN = not set.
struct NumberBounds {
  double lt = NAN, le = NAN, gt = NAN, ge = NAN;
  bool any() const { return !std::isnan(lt) || !std::isnan(le) || !std::isnan(gt) || !std::isnan(ge); }
  bool holds(double x) const;
};

struct RuleMatcher {
  enum class Kind { Category, Tag, Creator, ItemId, Attribute, Popularity, Freshness, All, Any, Not };
  Kind kind = Kind::All;
  std::vector<std::string> values;  // Category / Tag / Creator / ItemId: matches any of these (exact text)
  // Attribute (and Freshness by attribute): the attribute's name and conditions, all of which must hold.
  std::string attribute;
  bool has_equals = false;
  bool equals_is_number = false;
  std::string equals_text;
  double equals_number = 0;
  std::vector<std::string> in_texts;   // "in": the value equals one of these (text) ...
  std::vector<double> in_numbers;      // ... or one of these (numbers)
  int exists = -1;                     // -1 not asked, 0 must be absent, 1 must be present
  NumberBounds bounds;                 // numeric comparisons of the attribute's value
  // Popularity: percentile band (RewardCatalogue::popularity_percentile) and interaction counts.
  double top_percent = NAN;     // percentile >= 100 - top_percent
  double bottom_percent = NAN;  // percentile < bottom_percent
  NumberBounds count;           // popularity (interactions): min -> ge, max -> le
  // Freshness by age: days between the item's first interaction and `now` (default: the data set's latest).
  NumberBounds age_days;
  double now = NAN;
  std::vector<RuleMatcher> children;   // All / Any / Not (one child)
};

struct RewardRule {
  enum class Effect { PerItem, IfAny, IfNone, CountAtLeast, Quota, MaxPer };
  std::string name;            // shown in explanations; "rule <index>" when absent
  bool has_match = false;      // false: every item of the list (max_per only)
  RuleMatcher match;
  Effect effect = Effect::PerItem;
  double value = 0;            // per_item, if_any, if_none, if_count_at_least.value, max_per.per_excess
  int n = 0;                   // if_count_at_least.n, quota.at_least, max_per.max
  double bonus = 0;            // quota met
  double penalty = 0;          // quota missed
  bool per_missing = false;    // quota: penalty × missing items instead of once
  std::string per_field;       // max_per: "creator" or "category"
  double cap = NAN;            // |contribution| <= cap; NaN = no cap
};

struct RewardRules {
  std::vector<RewardRule> rules;
  double max_total = std::numeric_limits<double>::infinity();   // the sum of all rules is clamped to
  double min_total = -std::numeric_limits<double>::infinity();  // [min_total, max_total]
  nlohmann::json source = nlohmann::json::array();  // the rules as given, for the run config
};

// `rules` is the JSON array of rule objects; errors read "<where>[i].<field>: ...".
RewardRules rules_parse(const nlohmann::json& rules, const std::string& where);

bool rule_matches(const RuleMatcher& m, int32_t item, const RewardContext& ctx);

struct RuleOutcome {
  double value = 0;                 // clamped total
  std::vector<double> per_rule;     // each rule's contribution after its cap
  std::string explanation;          // "local +0.4 (2 items); one creator −0.5 (brand ×3)"
};

// Applies every rule to the list `items` (distinct item indices, best first).
RuleOutcome rules_apply(const RewardRules& rules, const std::vector<int32_t>& items, const RewardContext& ctx);

}  // namespace rf
