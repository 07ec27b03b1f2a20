// Parses a completion once for all reward components (output parsers of core/text/output_parse.h): the
// recipe's required tags, then the answer block as a ranked list, a search query or a rating. Never throws
// on model text; what was wrong is kept in ParsedCompletion's problem lists for the explanations.
#pragma once

#include "reward/reward_component.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace rf {

struct RewardParseOptions {
  std::vector<std::string> tags;   // required tags in order, names without brackets
  std::string answer_tag;          // block holding the answer (the last one counts)
  bool strict_outside = false;     // true: only whitespace may appear outside the tags
  double rating_min = 1;           // Rating recipe: valid range
  double rating_max = 5;
};

// List and Query: <think>, <answer>; Rating: <analyze user>, <analyze item>, <match>, <rate> (answer in
// <rate>, 1..5).
RewardParseOptions reward_parse_defaults(Recipe recipe);
// Keys: tags, answer_tag, strict_outside, rating_min, rating_max (absent keys keep the recipe's default).
RewardParseOptions reward_parse_options_from_json(const nlohmann::json& j, Recipe recipe, const std::string& where);
nlohmann::json reward_parse_options_to_json(const RewardParseOptions& o);

// Fills input.parsed (and input.recipe = recipe). The list recipe needs input.context (its matcher).
void reward_parse(RewardInput& input, Recipe recipe, const RewardParseOptions& options);

}  // namespace rf
