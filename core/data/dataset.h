// The recommendation data model held in memory: a catalogue of items, users, and their interactions.
// Importers build a Dataset, the project database stores and loads it (dataset_store.h), and splits,
// metrics, baselines, prompts and rewards all read it. Items and users are addressed by dense indices
// (int32, 0-based, in insertion order); their source ids are kept as strings.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace rf {

struct Item {
  std::string id;                               // the source's id (e.g. MovieLens movieId, ASIN)
  std::string title;
  std::vector<std::string> categories;          // genres / categories, in source order, no duplicates
  std::vector<std::string> tags;                // free-text tags, no duplicates
  std::string creator;                          // brand / author / director; "" when unknown
  std::string text;                             // longer description for retrieval and prompts
  std::map<std::string, std::string> attributes;  // anything else the source has (year, price, ...)
  double popularity = 0;                        // interactions with the item (dataset_update_popularity)
};

struct User {
  std::string id;
  std::string profile;  // optional free text (ESCI: the query), "" when absent
};

struct Interaction {
  int32_t user = 0;  // index into Dataset::users
  int32_t item = 0;  // index into Dataset::items
  int64_t time = 0;  // unix seconds, or the position in a sequence file when the source has no times
  float rating = NAN;  // NaN when the source has no rating
  std::string review;  // optional review text
  std::string label;   // optional relevance label (ESCI: E, S, C or I)

  bool has_rating() const { return !std::isnan(rating); }
};

struct Dataset {
  std::string name;    // the name it is stored under in a project
  std::string source;  // where it came from, e.g. "movielens-latest:/path/to/ml-latest-small"
  std::vector<Item> items;
  std::vector<User> users;
  std::vector<Interaction> interactions;

  // Source id -> index. Kept in step by the add functions below; rebuild with dataset_reindex().
  std::unordered_map<std::string, int32_t> item_index;
  std::unordered_map<std::string, int32_t> user_index;

  int32_t item_count() const { return static_cast<int32_t>(items.size()); }
  int32_t user_count() const { return static_cast<int32_t>(users.size()); }
  int32_t item_find(const std::string& id) const;  // -1 when absent
  int32_t user_find(const std::string& id) const;  // -1 when absent
};

// Adds an item or user and returns its index; a duplicate id throws rf::Error naming the id.
int32_t dataset_add_item(Dataset& ds, Item item);
int32_t dataset_add_user(Dataset& ds, User user);
// Returns the user's index, adding a user with that id (and no profile) when it is new.
int32_t dataset_user_get_or_add(Dataset& ds, const std::string& id);

void dataset_reindex(Dataset& ds);
// Sets Item::popularity to the number of interactions of each item.
void dataset_update_popularity(Dataset& ds);

// Per user, the indices into ds.interactions in time order (ties keep their order in the source).
std::vector<std::vector<int32_t>> dataset_user_histories(const Dataset& ds);
// Per user, the item indices in time order.
std::vector<std::vector<int32_t>> dataset_user_item_sequences(const Dataset& ds);

}  // namespace rf
