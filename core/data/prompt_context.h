// The context a prompt template sees: one JSON object with the same shape for every data set, built
// from a Dataset for one user at one point of their history. docs/templates.md documents every field.
//
//   recipe, k, query
//   dataset  {name, items, users, rating_min|null, rating_max|null}
//   user     {id, index, profile, history [...], history_count, average_rating|null, rating_count, top_categories}
//   candidates [item + position]          (List recipe; [] otherwise)
//   target   item + time/date | null      (Rating recipe: the item to rate, never its rating)
//
// History is what happened BEFORE the held-out interaction, so a prompt can never show the answer; item
// averages come from the training interactions only (and exclude the target interaction itself).
#pragma once

#include "data/dataset.h"
#include "data/split.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace rf {

// Per-item rating averages and popularity from the training interactions, built once per dataset + split.
struct PromptItemStats {
  std::vector<double> rating_sum;      // (items)
  std::vector<int32_t> rating_count;   // (items) rated train interactions
  std::vector<int32_t> interactions;   // (items) train interactions, rated or not
  std::vector<uint8_t> is_train;       // (interactions) 1 for the interactions counted above
  double rating_min = NAN, rating_max = NAN;  // the rating scale seen in training (NaN: no ratings)
};

// The training interactions of a split, as indices into ds.interactions: per user, the first
// split.users[u].train.size() interactions in time order (both leave-last-out and temporal splits keep
// train as a prefix of each user's history).
std::vector<int32_t> prompt_train_interactions(const Dataset& ds, const Split& split);

PromptItemStats prompt_item_stats_build(const Dataset& ds, const std::vector<int32_t>& train_interactions);

// What one prompt is about.
struct PromptRequest {
  std::string recipe;                // "list", "query" or "rating" (copied into the context)
  int32_t user = -1;                 // user index
  std::vector<int32_t> history;      // interaction indices in time order: all the model may see
  std::vector<int32_t> candidates;   // item indices in the order shown (List recipe)
  int32_t target_interaction = -1;   // Rating recipe: the interaction whose item is rated (shown as `target`)
  // The held-out interaction the answer is judged against, for any recipe; never shown, and left out of
  // the item statistics when it is a training interaction. -1 = none (target_interaction is used then).
  int32_t answer_interaction = -1;
  std::string query;                 // Query recipe: the shopper's query; "" -> the user's profile
  int32_t k = 10;                    // how many items the answer should hold (List recipe)
};

struct PromptContextOptions {
  int32_t history_limit = 50;   // most recent interactions listed in user.history (0 = all); history_count counts all
  int32_t top_categories = 5;   // entries in user.top_categories
  int32_t text_chars = 600;     // item text cut to this many characters, with "…" (0 = no limit)
  int32_t review_chars = 600;   // review text likewise
};

// The request for the interaction at `position` of a user's time-ordered interactions (indices into
// ds.interactions, e.g. dataset_user_histories(ds)[u]): history = everything before it, that interaction
// as the answer, and for the Rating recipe also as the target. Throws rf::Error when `position` is out of range.
PromptRequest prompt_request_at(const Dataset& ds, const std::vector<int32_t>& user_interactions, size_t position,
                                const std::string& recipe);

// Builds the context. Throws rf::Error naming the problem when an index is out of range, a history
// interaction belongs to another user, or the target / answer interaction is also in the history.
nlohmann::json prompt_context_build(const Dataset& ds, const PromptItemStats& stats, const PromptRequest& request,
                                    const PromptContextOptions& options = {});

// One item as the context shows it: {id, title, categories, tags, creator, text, attributes, average_rating,
// rating_count, popularity}. `exclude_interaction` (>= 0) is left out of the averages and counts when it is a
// training interaction: a training prompt's target must not reveal its own rating through its average.
nlohmann::json prompt_item_json(const Dataset& ds, const PromptItemStats& stats, int32_t item,
                                const PromptContextOptions& options, int32_t exclude_interaction = -1);

}  // namespace rf
