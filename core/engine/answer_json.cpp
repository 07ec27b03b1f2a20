// Model answers as stored JSON (see answer_json.h).
#include "engine/answer_json.h"

#include <cmath>

namespace rf {

using nlohmann::json;

namespace {

json json_number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

json answer_parsed_json(const ParsedCompletion& p, const Dataset& ds) {
  json j = {{"format_ok", p.format_ok()}, {"answer", p.answer}};
  json problems = json::array();
  for (const auto& s : p.tag_problems) problems.push_back(s);
  for (const auto& s : p.answer_problems) problems.push_back(s);
  j["problems"] = problems;
  if (!p.items.empty() || p.entries > 0) {
    json items = json::array();
    for (int32_t it : p.items) items.push_back(ds.items[static_cast<size_t>(it)].id);
    j["items"] = items;
    j["unmatched"] = p.unmatched;
    j["duplicates"] = p.duplicates.size();
    j["outside_pool"] = p.outside_pool.size();
  }
  if (!p.query.empty()) j["query"] = p.query;
  if (!std::isnan(p.rating)) j["rating"] = p.rating;
  return j;
}

json answer_rewards_json(const RewardBreakdown& b) {
  json terms = json::array();
  for (const RewardTerm& t : b.terms)
    terms.push_back({{"name", t.name}, {"weight", t.weight}, {"value", json_number(t.value)}, {"weighted", json_number(t.weighted)},
                     {"explanation", t.explanation}});
  return terms;
}

}  // namespace rf
