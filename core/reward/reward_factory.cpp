// The table of component types and the helpers the components share: see reward_components.h.
#include "reward/reward_components.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace rf {

namespace {

using Maker = std::unique_ptr<RewardComponent> (*)(ParamReader&);

struct ComponentType {
  const char* name;
  Maker make;
};

const ComponentType kTypes[] = {
    {"format", reward_make_format},       {"accuracy", reward_make_accuracy}, {"rating", reward_make_rating},
    {"diversity", reward_make_diversity}, {"novelty", reward_make_novelty},   {"coverage", reward_make_coverage},
    {"validity", reward_make_validity},   {"length", reward_make_length},     {"retrieval", reward_make_retrieval},
    {"rules", reward_make_rules},
};

}  // namespace

std::vector<std::string> reward_component_types() {
  std::vector<std::string> out;
  for (const ComponentType& t : kTypes) out.push_back(t.name);
  return out;
}

std::unique_ptr<RewardComponent> reward_component_make(const std::string& type, const nlohmann::json& params,
                                                       const std::string& where) {
  for (const ComponentType& t : kTypes) {
    if (type != t.name) continue;
    ParamReader p(params, where);
    std::unique_ptr<RewardComponent> c = t.make(p);
    p.finish();
    return c;
  }
  std::string list;
  for (const ComponentType& t : kTypes) list += (list.empty() ? "" : ", ") + std::string(t.name);
  throw Error(where + ": unknown reward component type '" + type + "' (expected one of " + list + ")");
}

std::string reward_num(double x, int decimals) {
  if (std::isnan(x)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::vector<int32_t> reward_list_top(const RewardInput& in) {
  const std::vector<int32_t>& items = in.parsed.items;
  if (in.k <= 0 || items.size() <= static_cast<size_t>(in.k)) return items;
  return std::vector<int32_t>(items.begin(), items.begin() + in.k);
}

bool reward_format_gate(const RewardInput& in, bool require_format, double value, RewardValue& out) {
  if (!require_format || in.parsed.format_ok()) return false;
  std::string why = !in.parsed.tag_problems.empty()      ? in.parsed.tag_problems.front()
                    : !in.parsed.answer_problems.empty() ? in.parsed.answer_problems.front()
                                                         : std::string("answer not usable");
  out = {value, "format broken (" + why + ")"};
  return true;
}

void reward_require_context(const RewardInput& in, const std::string& component) {
  if (!in.parsed.done) throw Error("reward " + component + ": the completion was not parsed (call reward_parse first)");
  if (!in.context || !in.context->dataset) throw Error("reward " + component + ": the input has no data set (RewardInput::context)");
}

}  // namespace rf
