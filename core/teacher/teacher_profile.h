// What the rule-based teacher knows about a user, read from the same prompt context the template renders
// (core/data/prompt_context.h), so an explanation never cites anything the prompt does not show: the
// dominant categories (over the whole history), the recent ones (last few items), the rating habits, the
// best and worst rated items, and per category the user's average rating. Also how one item relates to
// the history (shared categories, creator, tags), which explains why an item was chosen or left out.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rf {

struct HistoryProfile {
  int64_t history_count = 0;                              // all interactions before the target
  int64_t listed = 0;                                     // of those, listed in the context (user.history)
  std::vector<std::pair<std::string, int64_t>> dominant;  // user.top_categories (named ones), most frequent first
  std::vector<std::string> recent_categories;             // categories of the last `recent` items, most frequent first
  std::vector<std::string> recent_titles;                 // titles of the last `recent` items, oldest first
  double average_rating = NAN;                            // user.average_rating
  int64_t rating_count = 0;
  std::vector<std::string> best_titles;   // listed items with the user's highest rating (up to 3)
  std::vector<std::string> worst_titles;  // listed items with the lowest rating, when below the best
  double best_rating = NAN, worst_rating = NAN;
  std::map<std::string, int64_t> category_counts;                      // over the listed history
  std::map<std::string, std::pair<double, int64_t>> category_ratings;  // category -> (rating sum, rated count)
  std::map<std::string, int64_t> creator_counts;
  std::map<std::string, int64_t> tag_counts;
  std::map<std::string, int64_t> title_word_counts;  // lower-case distinctive title words (query_title_words)
  std::vector<std::string> frequent_title_words;     // in 2+ listed titles, most frequent first (up to 3)
};

// Reads context.user (history, top_categories, average_rating, rating_count). Category names starting with
// "attr:" (opaque Amazon attribute ids) are skipped, as the list template does. `recent` >= 1.
HistoryProfile history_profile_build(const nlohmann::json& context, int recent = 3);

// The user's average rating of listed items in `category`, NaN when none was rated.
double history_category_average(const HistoryProfile& p, const std::string& category);

struct ItemAffinity {
  std::vector<std::pair<std::string, int64_t>> categories;  // item categories seen in the history, with counts, most first
  std::vector<std::string> unseen_categories;               // item categories the history never shows
  std::string creator;                                      // the item's creator when the history has them too
  int64_t creator_count = 0;
  std::vector<std::string> tags;         // item tags seen in the history (up to 3, most frequent first)
  std::vector<std::string> title_words;  // item title words seen in history titles (up to 3)
  int64_t strength() const;              // a rough count of shared features
};

// How `item` (an item object of the context: categories, tags, creator) relates to the history.
ItemAffinity history_affinity(const HistoryProfile& p, const nlohmann::json& item);

// The named categories of an item object, without opaque "attr:" ids.
std::vector<std::string> context_item_categories(const nlohmann::json& item);

}  // namespace rf
