// A recipe's prompts for a set of users, as training and evaluation see them: for each user, the held-out
// interaction (the last training one, or the validation / test one under leave-last-out), the context
// built from everything before it (core/data/prompt_context.h), the preset's template rendered on it
// (core/text/prompt_presets.h), and what the reward needs to judge an answer (targets, graded gains for
// ESCI, the candidate pool, k, the true rating). The teacher traces, the GRPO trainer's prompts and the
// evaluation of a model all draw prompts from here, so a model is trained and judged on the same wording.
#pragma once

#include "data/dataset.h"
#include "data/split.h"
#include "reward/reward_component.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rf {

struct RecipePromptOptions {
  std::string recipe;              // "list" | "query" | "rating"
  std::string preset;              // presets.json name ("" = the recipe's default for each user)
  std::string template_file;       // replaces the preset's template ("" = the preset's own)
  std::string template_source;     // template text replacing both (the designer's editor; "" = none)
  std::string holdout = "train";   // "train" | "valid" | "test"
  int32_t users = 0;               // users drawn by the seed (0 = every eligible user)
  std::vector<int32_t> only_users; // user indices to consider (empty = all); the designer's one user
  uint64_t seed = 0;               // user sample and candidate pools
  int32_t k = 0;                   // List: answer length (0 = the preset's)
  int32_t pool_size = 0;           // List: candidates, target included (0 = the preset's)
  NegativeSampling sampling = NegativeSampling::Uniform;
  int32_t history_limit = 50;      // user.history entries in the context
};

struct RecipePrompt {
  int32_t user = -1;              // user index
  int64_t position = 0;           // the held-out interaction's position in the user's time-ordered history
  std::string preset;
  std::string system, prompt, prefill;  // the chat's system message (may be ""), user message, assistant prefill
  std::vector<std::string> stop;  // the preset's stop strings
  std::vector<std::string> tags;  // the tags the preset's parser requires ("think", "answer", ...)
  std::string answer;             // the preset's answer kind: "id_list", "json_query", "rating" ("" = not said)
  int32_t target = -1;            // the held-out item (a shopper's query: the best-judged of its products)
  // For the reward.
  std::vector<int32_t> targets;   // item indices
  std::map<int32_t, double> graded_targets;  // ESCI gains (Query recipe on a shopper's query); empty otherwise
  std::vector<int32_t> pool;      // List: the candidate pool in prompt order
  int32_t k = 10;
  double true_rating = NAN;
  nlohmann::json context;         // the context the template saw
};

// Where the held-out interaction sits in a user's time-ordered interactions; -1 when the user is not eligible
// (fewer than `min_history` interactions before it, or no such split part).
// `whole_user_id` (a shopper with a query, the query_rewrite preset): a user too short for leave-last-out
// (no valid / test part, as every ESCI query with its one judged product) is held out whole instead — its
// last interaction is the target of the part its id hashes to (recipe_whole_user_part) and of no other.
int64_t recipe_holdout_position(const UserSplit& s, size_t interactions, const std::string& holdout, int64_t min_history,
                                const std::string& whole_user_id = "");
// "train" (70 %), "valid" (10 %) or "test" (20 %), from a stable hash (FNV-1a) of the user's id.
std::string recipe_whole_user_part(const std::string& user_id);

// ESCI: a shopper's judged products (interactions of `history` with an ESCI label) as graded gains; the
// best-judged one becomes `target_item` (Rec-R1's ESCI setting).
std::map<int32_t, double> recipe_esci_gains(const Dataset& ds, const std::vector<int32_t>& history, int32_t& target_item);

// The first `n` of `eligible` in a seeded shuffle, back in user order (n <= 0: all).
std::vector<int32_t> recipe_users_pick(std::vector<int32_t> eligible, int32_t n, uint64_t seed);

// The prompts, in user order. rf::Error names a bad option (recipe, holdout, preset, k, pool size) or a data
// set with no eligible user. `eligible_users`, when given, receives how many users could have been drawn.
std::vector<RecipePrompt> recipe_prompts_build(const Dataset& ds, const Split& split, const RecipePromptOptions& options,
                                               int64_t* eligible_users = nullptr);

// The reward input of a prompt (completion left empty).
RewardInput recipe_prompt_reward_input(const RecipePrompt& prompt, const RewardContext* context);

// The recipe's default reward configuration, with the data's rating scale for the Rating recipe.
nlohmann::json recipe_reward_config_default(const std::string& recipe, const Dataset& ds, const Split& split);

}  // namespace rf
