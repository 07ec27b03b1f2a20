// Parsing of the business-rule language (reward_rules.h, docs/rewards.md). Everything is checked here so
// that applying a rule cannot fail: unknown keys, wrong types, a matcher with two kinds, a rule with no
// or two effects are errors naming the rule index and the field.
#include "reward/reward_rules.h"

#include "reward/reward_params.h"

namespace rf {

using nlohmann::json;

namespace {

const char* const kEffects[] = {"per_item", "if_any", "if_none", "if_count_at_least", "quota", "max_per"};

std::vector<std::string> string_or_list(const json& v, const std::string& where) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array() && !v.empty()) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string() && !v[i].is_number())
        param_fail(where + "[" + std::to_string(i) + "]", "expected a string, found " + param_type_name(v[i]));
      out.push_back(v[i].is_string() ? v[i].get<std::string>() : v[i].dump());
    }
  } else {
    param_fail(where, "expected a string or a non-empty list of strings, found " + param_type_name(v));
  }
  return out;
}

void bounds_read(ParamReader& p, NumberBounds& b) {
  b.lt = p.optional_number("lt");
  b.le = p.optional_number("le");
  b.gt = p.optional_number("gt");
  b.ge = p.optional_number("ge");
}

RuleMatcher matcher_parse(const json& j, const std::string& where);

std::vector<RuleMatcher> matcher_list(const json& v, const std::string& where) {
  if (!v.is_array()) param_fail(where, "expected a list of matchers, found " + param_type_name(v));
  std::vector<RuleMatcher> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(matcher_parse(v[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

void attribute_parse(const json& v, const std::string& where, RuleMatcher& m) {
  ParamReader p(v, where);
  if (!v.is_object()) param_fail(where, "expected an object such as {\"name\": \"year\", \"ge\": 2015}");
  m.attribute = p.text("name", "");
  if (m.attribute.empty()) param_fail(p.field("name"), "the attribute's name is required");
  if (const json* e = p.raw("equals")) {
    m.has_equals = true;
    if (e->is_number()) {
      m.equals_is_number = true;
      m.equals_number = e->get<double>();
    } else if (e->is_string()) {
      m.equals_text = e->get<std::string>();
    } else {
      param_fail(p.field("equals"), "expected a string or a number, found " + param_type_name(*e));
    }
  }
  if (const json* in = p.raw("in")) {
    if (!in->is_array() || in->empty()) param_fail(p.field("in"), "expected a non-empty list, found " + param_type_name(*in));
    for (size_t i = 0; i < in->size(); ++i) {
      const json& x = (*in)[i];
      if (x.is_number()) m.in_numbers.push_back(x.get<double>());
      else if (x.is_string()) m.in_texts.push_back(x.get<std::string>());
      else param_fail(p.field("in") + "[" + std::to_string(i) + "]", "expected a string or a number, found " + param_type_name(x));
    }
  }
  if (p.has("exists")) m.exists = p.boolean("exists", true) ? 1 : 0;
  bounds_read(p, m.bounds);
  p.finish();
  if (!m.has_equals && m.in_texts.empty() && m.in_numbers.empty() && m.exists < 0 && !m.bounds.any())
    param_fail(where, "needs a condition: equals, in, exists, lt, le, gt or ge");
}

RuleMatcher matcher_parse(const json& j, const std::string& where) {
  if (!j.is_object() || j.size() != 1)
    param_fail(where, "expected an object with exactly one key (category, tag, creator, item, attribute, popularity, "
                      "freshness, all, any, not), found " +
                          (j.is_object() ? std::to_string(j.size()) + " keys" : param_type_name(j)));
  const std::string key = j.begin().key();
  const json& v = j.begin().value();
  const std::string at = where + "." + key;
  RuleMatcher m;
  if (key == "category" || key == "tag" || key == "creator" || key == "item") {
    m.kind = key == "category" ? RuleMatcher::Kind::Category
             : key == "tag"    ? RuleMatcher::Kind::Tag
             : key == "creator" ? RuleMatcher::Kind::Creator
                                : RuleMatcher::Kind::ItemId;
    m.values = string_or_list(v, at);
  } else if (key == "attribute") {
    m.kind = RuleMatcher::Kind::Attribute;
    attribute_parse(v, at, m);
  } else if (key == "popularity") {
    m.kind = RuleMatcher::Kind::Popularity;
    ParamReader p(v, at);
    if (!v.is_object()) param_fail(at, "expected an object such as {\"bottom_percent\": 80}");
    m.top_percent = p.optional_number("top_percent");
    m.bottom_percent = p.optional_number("bottom_percent");
    m.count.ge = p.optional_number("min");
    m.count.le = p.optional_number("max");
    p.finish();
    for (double x : {m.top_percent, m.bottom_percent})
      if (!std::isnan(x) && (x < 0 || x > 100)) param_fail(at, "top_percent and bottom_percent must lie in [0, 100]");
    if (std::isnan(m.top_percent) && std::isnan(m.bottom_percent) && !m.count.any())
      param_fail(at, "needs top_percent, bottom_percent, min or max");
  } else if (key == "freshness") {
    m.kind = RuleMatcher::Kind::Freshness;
    if (!v.is_object()) param_fail(at, "expected an object such as {\"max_age_days\": 30} or {\"attribute\": \"year\", \"ge\": 2015}");
    ParamReader p(v, at);
    if (p.has("attribute")) {
      m.attribute = p.text("attribute", "");
      if (m.attribute.empty()) param_fail(p.field("attribute"), "cannot be empty");
      bounds_read(p, m.bounds);
      if (!m.bounds.any()) param_fail(at, "an attribute freshness needs lt, le, gt or ge");
    } else {
      m.age_days.le = p.optional_number("max_age_days");
      m.age_days.ge = p.optional_number("min_age_days");
      m.now = p.optional_number("now");
      if (!m.age_days.any()) param_fail(at, "needs max_age_days, min_age_days, or an attribute with a comparison");
    }
    p.finish();
  } else if (key == "all" || key == "any") {
    m.kind = key == "all" ? RuleMatcher::Kind::All : RuleMatcher::Kind::Any;
    m.children = matcher_list(v, at);
  } else if (key == "not") {
    m.kind = RuleMatcher::Kind::Not;
    m.children.push_back(matcher_parse(v, at));
  } else {
    param_fail(at, "unknown matcher (expected category, tag, creator, item, attribute, popularity, freshness, all, any or not)");
  }
  return m;
}

RewardRule rule_parse(const json& j, const std::string& where) {
  if (!j.is_object()) param_fail(where, "expected a rule object, found " + param_type_name(j));
  ParamReader p(j, where);
  RewardRule r;
  r.name = p.text("name", "");
  if (const json* m = p.raw("match")) {
    r.has_match = true;
    r.match = matcher_parse(*m, p.field("match"));
  }
  r.cap = p.optional_number("cap");
  if (!std::isnan(r.cap) && r.cap < 0) param_fail(p.field("cap"), "must be >= 0");

  std::vector<std::string> effects;
  for (const char* e : kEffects)
    if (p.has(e)) effects.push_back(e);
  if (effects.size() != 1)
    param_fail(where, effects.empty() ? "needs one effect: per_item, if_any, if_none, if_count_at_least, quota or max_per"
                                      : "has " + std::to_string(effects.size()) + " effects (" + effects[0] + ", " + effects[1] +
                                            "); give each its own rule");
  const std::string& e = effects[0];
  if (e == "per_item" || e == "if_any" || e == "if_none") {
    r.effect = e == "per_item" ? RewardRule::Effect::PerItem : e == "if_any" ? RewardRule::Effect::IfAny : RewardRule::Effect::IfNone;
    r.value = p.number(e, 0);
  } else if (e == "if_count_at_least") {
    r.effect = RewardRule::Effect::CountAtLeast;
    ParamReader q(*p.raw(e), p.field(e));
    if (!p.raw(e)->is_object()) param_fail(p.field(e), "expected {\"n\": 3, \"value\": 0.5}");
    r.n = q.integer("n", 1, 1);
    r.value = q.number("value", 0);
    if (!q.has("value")) param_fail(q.field("value"), "is required");
    q.finish();
  } else if (e == "quota") {
    r.effect = RewardRule::Effect::Quota;
    ParamReader q(*p.raw(e), p.field(e));
    if (!p.raw(e)->is_object()) param_fail(p.field(e), "expected {\"at_least\": 2, \"penalty\": -0.5}");
    if (!q.has("at_least")) param_fail(q.field("at_least"), "is required");
    r.n = q.integer("at_least", 1, 1);
    r.bonus = q.number("bonus", 0);
    r.penalty = q.number("penalty", 0);
    r.per_missing = q.boolean("per_missing", false);
    q.finish();
  } else {
    r.effect = RewardRule::Effect::MaxPer;
    ParamReader q(*p.raw(e), p.field(e));
    if (!p.raw(e)->is_object()) param_fail(p.field(e), "expected {\"field\": \"creator\", \"max\": 2, \"per_excess\": -0.5}");
    r.per_field = q.text("field", "creator", {"creator", "category"});
    if (!q.has("max")) param_fail(q.field("max"), "is required");
    r.n = q.integer("max", 1, 0);
    r.value = q.number("per_excess", 0);
    q.finish();
  }
  if (!r.has_match && r.effect != RewardRule::Effect::MaxPer)
    param_fail(p.field("match"), "is required (only max_per may leave it out to mean every item)");
  p.finish();
  return r;
}

}  // namespace

RewardRules rules_parse(const json& rules, const std::string& where) {
  if (!rules.is_array()) param_fail(where, "expected a list of rules, found " + param_type_name(rules));
  RewardRules out;
  out.source = rules;
  for (size_t i = 0; i < rules.size(); ++i) out.rules.push_back(rule_parse(rules[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace rf
