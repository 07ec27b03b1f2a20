// The recipes' default rewards, reproducing the papers' code (DESIGN.md §1): Rec-R1 (Query), RecZero
// (Rating) and RecLLM-R1 (List). The same JSON ships as resources/rewards/<name>.json for users to copy and
// edit; tests/reward checks that the two agree.
#include "reward/reward_presets.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

namespace rf {

namespace {

struct Preset {
  const char* name;
  const char* json;
};

const Preset kPresets[] = {
    {"rec-r1", R"json({
  "name": "rec-r1",
  "description": "Rec-R1 (arXiv 2503.24289), Query recipe: NDCG@1000 of the target when BM25 runs the model's query; +0.1 for a well-formed answer only when something relevant is retrieved; -2 for a broken format or a query that retrieves nothing searchable.",
  "recipe": "query",
  "parse": {"tags": ["think", "answer"], "answer_tag": "answer", "strict_outside": false},
  "components": [
    {"type": "format", "name": "format", "weight": 1.0,
     "params": {"ok": 0.1, "bad": -2.0, "require_answer": true, "ok_only_if_retrieved": true, "unretrieved": 0.0, "failed_query": -2.0}},
    {"type": "retrieval", "name": "retrieval", "weight": 1.0,
     "params": {"k": 1000, "depth": 1000, "implicit_and": false, "require_format": true}}
  ]
})json"},
    {"reczero", R"json({
  "name": "reczero",
  "description": "RecZero / RecOne (arXiv 2510.23077), Rating recipe: format +1 when <analyze user>, <analyze item>, <match>, <rate> appear once each, in order, non-empty, with a rating in [1, 5], else -1; plus 1 - |pred - true| / 2 (variants: \"exact\", \"shifted\" = 2 - |e| / 2).",
  "recipe": "rating",
  "parse": {"tags": ["analyze user", "analyze item", "match", "rate"], "answer_tag": "rate", "rating_min": 1, "rating_max": 5},
  "components": [
    {"type": "format", "name": "format", "weight": 1.0, "params": {"ok": 1.0, "bad": -1.0, "require_answer": true}},
    {"type": "rating", "name": "rating", "weight": 1.0, "params": {"variant": "linear", "offset": 1.0, "slope": 0.5, "invalid": 0.0}}
  ]
})json"},
    {"recllm-r1", R"json({
  "name": "recllm-r1",
  "description": "RecLLM-R1 (arXiv 2506.19235), List recipe: format, NDCG@K and Recall@K against the held-out next items, ILAD over categories, normalised novelty, list validity and business rules (none by default; add yours to the rules component). The paper publishes no weights: these are RecForge's defaults.",
  "recipe": "list",
  "parse": {"tags": ["think", "answer"], "answer_tag": "answer"},
  "components": [
    {"type": "format", "name": "format", "weight": 1.0, "params": {"ok": 0.1, "bad": -1.0, "require_answer": true}},
    {"type": "accuracy", "name": "ndcg", "weight": 1.0, "params": {"metric": "ndcg", "k": 0}},
    {"type": "accuracy", "name": "recall", "weight": 0.5, "params": {"metric": "recall", "k": 0}},
    {"type": "diversity", "name": "diversity", "weight": 0.2, "params": {"space": "categories"}},
    {"type": "novelty", "name": "novelty", "weight": 0.2, "params": {"normalised": true}},
    {"type": "validity", "name": "validity", "weight": 1.0,
     "params": {"duplicate": -0.1, "outside_pool": -0.1, "unmatched": -0.1, "wrong_length": -0.1, "empty": -1.0}},
    {"type": "rules", "name": "rules", "weight": 1.0, "params": {"rules": []}}
  ]
})json"},
};

}  // namespace

std::vector<std::string> reward_preset_names() {
  std::vector<std::string> out;
  for (const Preset& p : kPresets) out.push_back(p.name);
  return out;
}

nlohmann::json reward_preset(const std::string& name) {
  for (const Preset& p : kPresets)
    if (name == p.name) return nlohmann::json::parse(p.json);
  std::string list;
  for (const Preset& p : kPresets) list += (list.empty() ? "" : ", ") + std::string(p.name);
  throw Error("reward preset '" + name + "' does not exist (presets: " + list + ")");
}

nlohmann::json reward_preset_for_recipe(Recipe recipe) {
  switch (recipe) {
    case Recipe::Query: return reward_preset("rec-r1");
    case Recipe::Rating: return reward_preset("reczero");
    case Recipe::List: break;
  }
  return reward_preset("recllm-r1");
}

}  // namespace rf
