// Applying parsed business rules to one list (reward_rules.h). Matching reads the Dataset's item fields
// and the catalogue statistics; nothing here can fail on a parsed rule set.
#include "reward/reward_rules.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace rf {

bool NumberBounds::holds(double x) const {
  if (!std::isnan(lt) && !(x < lt)) return false;
  if (!std::isnan(le) && !(x <= le)) return false;
  if (!std::isnan(gt) && !(x > gt)) return false;
  if (!std::isnan(ge) && !(x >= ge)) return false;
  return true;
}

namespace {

// The whole text as a number ("1999", " 4.5 "), or NaN.
double parse_number(const std::string& s) {
  const char* begin = s.c_str();
  char* end = nullptr;
  const double x = std::strtod(begin, &end);
  if (end == begin) return NAN;
  while (*end == ' ' || *end == '\t') ++end;
  return *end == '\0' ? x : NAN;
}

bool any_of(const std::vector<std::string>& have, const std::vector<std::string>& wanted) {
  for (const std::string& w : wanted)
    if (std::find(have.begin(), have.end(), w) != have.end()) return true;
  return false;
}

bool attribute_matches(const RuleMatcher& m, const Item& item) {
  const auto it = item.attributes.find(m.attribute);
  const bool present = it != item.attributes.end();
  if (m.exists == 0) return !present && !m.has_equals && m.in_texts.empty() && m.in_numbers.empty() && !m.bounds.any();
  if (!present) return false;
  const std::string& text = it->second;
  const bool numeric_needed = m.equals_is_number || !m.in_numbers.empty() || m.bounds.any();
  const double x = numeric_needed ? parse_number(text) : NAN;
  if (m.has_equals) {
    if (m.equals_is_number ? !(x == m.equals_number) : text != m.equals_text) return false;
  }
  if (!m.in_texts.empty() || !m.in_numbers.empty()) {
    bool in = std::find(m.in_texts.begin(), m.in_texts.end(), text) != m.in_texts.end();
    for (double v : m.in_numbers) in = in || x == v;
    if (!in) return false;
  }
  if (m.bounds.any() && (std::isnan(x) || !m.bounds.holds(x))) return false;
  return true;
}

}  // namespace

bool rule_matches(const RuleMatcher& m, int32_t item, const RewardContext& ctx) {
  if (item < 0 || item >= ctx.dataset->item_count()) return false;
  const Item& it = ctx.dataset->items[item];
  const RewardCatalogue& c = ctx.catalogue;
  switch (m.kind) {
    case RuleMatcher::Kind::Category: return any_of(it.categories, m.values);
    case RuleMatcher::Kind::Tag: return any_of(it.tags, m.values);
    case RuleMatcher::Kind::Creator: return !it.creator.empty() && any_of({it.creator}, m.values);
    case RuleMatcher::Kind::ItemId: return any_of({it.id}, m.values);
    case RuleMatcher::Kind::Attribute: return attribute_matches(m, it);
    case RuleMatcher::Kind::Popularity: {
      const double pct = c.popularity_percentile[item];
      if (!std::isnan(m.top_percent) && !(pct >= 100.0 - m.top_percent)) return false;
      if (!std::isnan(m.bottom_percent) && !(pct < m.bottom_percent)) return false;
      return m.count.holds(c.popularity[item]);
    }
    case RuleMatcher::Kind::Freshness: {
      if (!m.attribute.empty()) {
        const auto a = it.attributes.find(m.attribute);
        if (a == it.attributes.end()) return false;
        const double x = parse_number(a->second);
        return !std::isnan(x) && m.bounds.holds(x);
      }
      if (c.first_seen[item] == std::numeric_limits<int64_t>::max()) return false;  // never interacted with
      const double now = std::isnan(m.now) ? static_cast<double>(c.reference_time) : m.now;
      return m.age_days.holds((now - static_cast<double>(c.first_seen[item])) / 86400.0);
    }
    case RuleMatcher::Kind::All:
      for (const RuleMatcher& ch : m.children)
        if (!rule_matches(ch, item, ctx)) return false;
      return true;
    case RuleMatcher::Kind::Any:
      for (const RuleMatcher& ch : m.children)
        if (rule_matches(ch, item, ctx)) return true;
      return false;
    case RuleMatcher::Kind::Not: return !rule_matches(m.children.front(), item, ctx);
  }
  return false;
}

namespace {

std::string signed_num(double x) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.3g", x);
  return buf;
}

// One rule's contribution before its cap, and a few words on why.
double rule_value(const RewardRule& r, const std::vector<int32_t>& items, const RewardContext& ctx, std::string& why) {
  std::vector<int32_t> hits;
  for (int32_t i : items)
    if (!r.has_match || rule_matches(r.match, i, ctx)) hits.push_back(i);
  const int c = static_cast<int>(hits.size());
  const std::string count = std::to_string(c) + (c == 1 ? " item" : " items");
  switch (r.effect) {
    case RewardRule::Effect::PerItem: why = count; return r.value * c;
    case RewardRule::Effect::IfAny: why = count; return c > 0 ? r.value : 0.0;
    case RewardRule::Effect::IfNone: why = count; return c == 0 ? r.value : 0.0;
    case RewardRule::Effect::CountAtLeast: why = count + " (need " + std::to_string(r.n) + ")"; return c >= r.n ? r.value : 0.0;
    case RewardRule::Effect::Quota:
      why = count + " of " + std::to_string(r.n) + " required";
      if (c >= r.n) return r.bonus;
      return r.per_missing ? r.penalty * (r.n - c) : r.penalty;
    case RewardRule::Effect::MaxPer: {
      const Dataset& ds = *ctx.dataset;
      std::map<std::string, int> per;  // creator or category -> items (ordered: deterministic explanations)
      for (int32_t i : hits) {
        if (r.per_field == "creator") {
          if (!ds.items[i].creator.empty()) ++per[ds.items[i].creator];
        } else {
          for (const std::string& cat : ds.items[i].categories) ++per[cat];
        }
      }
      int excess = 0;
      for (const auto& [key, n] : per)
        if (n > r.n) {
          excess += n - r.n;
          why += (why.empty() ? "" : ", ") + key + " x" + std::to_string(n);
        }
      if (why.empty()) why = "no " + r.per_field + " over " + std::to_string(r.n);
      return r.value * excess;
    }
  }
  return 0;
}

}  // namespace

RuleOutcome rules_apply(const RewardRules& rules, const std::vector<int32_t>& items, const RewardContext& ctx) {
  RuleOutcome out;
  double sum = 0;
  for (size_t k = 0; k < rules.rules.size(); ++k) {
    const RewardRule& r = rules.rules[k];
    std::string why;
    double v = rule_value(r, items, ctx, why);
    if (!std::isnan(r.cap)) v = std::clamp(v, -r.cap, r.cap);
    out.per_rule.push_back(v);
    sum += v;
    if (v != 0) {
      const std::string name = r.name.empty() ? "rule " + std::to_string(k) : r.name;
      out.explanation += (out.explanation.empty() ? "" : "; ") + name + " " + signed_num(v) + " (" + why + ")";
    }
  }
  out.value = std::clamp(sum, rules.min_total, rules.max_total);
  if (out.explanation.empty()) out.explanation = rules.rules.empty() ? "no rules" : "no rule applies";
  if (out.value != sum) out.explanation += "; total clamped to " + signed_num(out.value);
  return out;
}

}  // namespace rf
