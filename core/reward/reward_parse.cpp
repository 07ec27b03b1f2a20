// One parse per completion, shared by the reward components: see reward_parse.h.
#include "reward/reward_parse.h"

#include "reward/reward_params.h"
#include "text/output_parse.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <unordered_set>

namespace rf {

using nlohmann::json;

std::string recipe_name(Recipe r) {
  switch (r) {
    case Recipe::List: return "list";
    case Recipe::Query: return "query";
    case Recipe::Rating: return "rating";
  }
  return "list";
}

Recipe recipe_from_name(const std::string& name, const std::string& where) {
  if (name == "list") return Recipe::List;
  if (name == "query") return Recipe::Query;
  if (name == "rating") return Recipe::Rating;
  throw Error(where + ": recipe '" + name + "' is not one of list, query, rating");
}

RewardParseOptions reward_parse_defaults(Recipe recipe) {
  RewardParseOptions o;
  if (recipe == Recipe::Rating) {
    o.tags = {"analyze user", "analyze item", "match", "rate"};
    o.answer_tag = "rate";
  } else {
    o.tags = {"think", "answer"};
    o.answer_tag = "answer";
  }
  return o;
}

RewardParseOptions reward_parse_options_from_json(const json& j, Recipe recipe, const std::string& where) {
  RewardParseOptions o = reward_parse_defaults(recipe);
  ParamReader p(j, where);
  o.tags = p.texts("tags", o.tags);
  for (size_t i = 0; i < o.tags.size(); ++i)
    if (o.tags[i].empty()) param_fail(p.field("tags") + "[" + std::to_string(i) + "]", "a tag name cannot be empty");
  o.answer_tag = p.text("answer_tag", o.answer_tag);
  if (o.answer_tag.empty()) param_fail(p.field("answer_tag"), "cannot be empty");
  o.strict_outside = p.boolean("strict_outside", o.strict_outside);
  o.rating_min = p.number("rating_min", o.rating_min);
  o.rating_max = p.number("rating_max", o.rating_max);
  if (o.rating_min >= o.rating_max) param_fail(p.field("rating_max"), "must be greater than rating_min");
  p.finish();
  return o;
}

json reward_parse_options_to_json(const RewardParseOptions& o) {
  return json{{"tags", o.tags},
              {"answer_tag", o.answer_tag},
              {"strict_outside", o.strict_outside},
              {"rating_min", o.rating_min},
              {"rating_max", o.rating_max}};
}

namespace {

void parse_list(const std::string& answer, const RewardInput& in, ParsedCompletion& p) {
  if (!in.context || !in.context->matcher) {
    p.answer_problems.push_back("no catalogue to match the list against");
    return;
  }
  const ListAnswer la = output_parse_list(answer, *in.context->matcher, in.pool, in.k);
  p.items = la.items;
  p.outside_pool = la.outside_pool;
  p.entries = static_cast<int32_t>(la.entries.size());
  // Extra copies counted from the entries, so an item written three times is two duplicates.
  std::unordered_set<int32_t> seen;
  for (const ListEntry& e : la.entries) {
    if (e.item < 0) {
      ++p.unmatched;
    } else if (!seen.insert(e.item).second) {
      p.duplicates.push_back(e.item);
    }
  }
  p.answer_ok = la.ok;
  p.answer_problems = la.problems;
}

}  // namespace

void reward_parse(RewardInput& in, Recipe recipe, const RewardParseOptions& options) {
  in.recipe = recipe;
  ParsedCompletion p;
  p.done = true;
  const TagCheck tc = output_check_tags(in.completion, options.tags, options.strict_outside);
  p.tags_ok = tc.ok;
  p.tag_problems = tc.problems;
  const std::optional<TagSpan> block = output_last_block(in.completion, options.answer_tag);
  if (!block) {
    p.answer_problems.push_back("no <" + options.answer_tag + "> block");
    in.parsed = std::move(p);
    return;
  }
  p.answer_found = true;
  p.answer = block->content;
  switch (recipe) {
    case Recipe::List:
      parse_list(p.answer, in, p);
      break;
    case Recipe::Query: {
      const QueryAnswer q = output_parse_query(p.answer);
      p.answer_ok = q.ok;
      p.query = q.query;
      p.answer_problems = q.problems;
      break;
    }
    case Recipe::Rating: {
      const RatingAnswer r = output_parse_rating(p.answer, options.rating_min, options.rating_max);
      p.answer_ok = r.ok;
      if (r.ok) p.rating = r.value;
      p.answer_problems = r.problems;
      break;
    }
  }
  in.parsed = std::move(p);
}

}  // namespace rf
