// The in-memory data model: see dataset.h.
#include "data/dataset.h"

#include "util/error.h"

#include <algorithm>
#include <numeric>

namespace rf {

int32_t Dataset::item_find(const std::string& id) const {
  auto it = item_index.find(id);
  return it == item_index.end() ? -1 : it->second;
}

int32_t Dataset::user_find(const std::string& id) const {
  auto it = user_index.find(id);
  return it == user_index.end() ? -1 : it->second;
}

int32_t dataset_add_item(Dataset& ds, Item item) {
  const auto index = static_cast<int32_t>(ds.items.size());
  auto [it, inserted] = ds.item_index.emplace(item.id, index);
  if (!inserted) throw Error("duplicate item id '" + item.id + "'");
  ds.items.push_back(std::move(item));
  return index;
}

int32_t dataset_add_user(Dataset& ds, User user) {
  const auto index = static_cast<int32_t>(ds.users.size());
  auto [it, inserted] = ds.user_index.emplace(user.id, index);
  if (!inserted) throw Error("duplicate user id '" + user.id + "'");
  ds.users.push_back(std::move(user));
  return index;
}

int32_t dataset_user_get_or_add(Dataset& ds, const std::string& id) {
  auto it = ds.user_index.find(id);
  if (it != ds.user_index.end()) return it->second;
  return dataset_add_user(ds, User{id, ""});
}

void dataset_reindex(Dataset& ds) {
  ds.item_index.clear();
  ds.user_index.clear();
  for (size_t i = 0; i < ds.items.size(); ++i) ds.item_index[ds.items[i].id] = static_cast<int32_t>(i);
  for (size_t i = 0; i < ds.users.size(); ++i) ds.user_index[ds.users[i].id] = static_cast<int32_t>(i);
}

void dataset_update_popularity(Dataset& ds) {
  for (auto& item : ds.items) item.popularity = 0;
  for (const auto& x : ds.interactions) ds.items[static_cast<size_t>(x.item)].popularity += 1;
}

std::vector<std::vector<int32_t>> dataset_user_histories(const Dataset& ds) {
  std::vector<std::vector<int32_t>> histories(ds.users.size());
  for (size_t i = 0; i < ds.interactions.size(); ++i) {
    histories[static_cast<size_t>(ds.interactions[i].user)].push_back(static_cast<int32_t>(i));
  }
  for (auto& h : histories) {
    std::stable_sort(h.begin(), h.end(), [&](int32_t a, int32_t b) {
      return ds.interactions[static_cast<size_t>(a)].time < ds.interactions[static_cast<size_t>(b)].time;
    });
  }
  return histories;
}

std::vector<std::vector<int32_t>> dataset_user_item_sequences(const Dataset& ds) {
  auto histories = dataset_user_histories(ds);
  for (auto& h : histories) {
    for (auto& x : h) x = ds.interactions[static_cast<size_t>(x)].item;
  }
  return histories;
}

}  // namespace rf
