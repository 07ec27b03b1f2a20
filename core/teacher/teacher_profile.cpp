// Reads a user's history out of the prompt context for the rule-based teacher (teacher_profile.h).
#include "teacher/teacher_profile.h"

#include "teacher/teacher_query.h"

#include <algorithm>
#include <cctype>

namespace rf {

namespace {

using nlohmann::json;

bool named(const std::string& c) { return !c.empty() && c.rfind("attr:", 0) != 0; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string str_or(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double number_or_nan(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

// Keys by descending count, ties in first-seen order of `order`.
std::vector<std::string> by_count(const std::map<std::string, int64_t>& counts, const std::vector<std::string>& order) {
  std::vector<std::string> keys;
  for (const auto& k : order)
    if (counts.count(k) && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  std::stable_sort(keys.begin(), keys.end(),
                   [&](const std::string& a, const std::string& b) { return counts.at(a) > counts.at(b); });
  return keys;
}

}  // namespace

std::vector<std::string> context_item_categories(const json& item) {
  std::vector<std::string> out;
  const auto it = item.find("categories");
  if (it == item.end() || !it->is_array()) return out;
  for (const auto& c : *it)
    if (c.is_string() && named(c.get<std::string>())) out.push_back(c.get<std::string>());
  return out;
}

HistoryProfile history_profile_build(const json& context, int recent) {
  HistoryProfile p;
  const json& user = context.at("user");
  p.history_count = user.value("history_count", int64_t{0});
  p.average_rating = number_or_nan(user, "average_rating");
  p.rating_count = user.value("rating_count", int64_t{0});
  if (const auto it = user.find("top_categories"); it != user.end() && it->is_array())
    for (const auto& c : *it) {
      const std::string name = str_or(c, "name");
      if (named(name)) p.dominant.emplace_back(name, c.value("count", int64_t{0}));
    }
  const json history = user.contains("history") && user["history"].is_array() ? user["history"] : json::array();
  p.listed = static_cast<int64_t>(history.size());
  std::vector<std::string> order, tag_order, title_order;
  for (const auto& h : history) {
    const double r = number_or_nan(h, "rating");
    for (const auto& c : context_item_categories(h)) {
      ++p.category_counts[c];
      order.push_back(c);
      if (!std::isnan(r)) {
        p.category_ratings[c].first += r;
        ++p.category_ratings[c].second;
      }
    }
    if (const std::string cr = str_or(h, "creator"); !cr.empty()) ++p.creator_counts[cr];
    for (const auto& w : query_title_words(str_or(h, "title"), 64)) {
      if (w.size() < 3) continue;
      if (p.title_word_counts[lower(w)]++ == 0) title_order.push_back(w);
    }
    if (const auto t = h.find("tags"); t != h.end() && t->is_array())
      for (const auto& tag : *t)
        if (tag.is_string()) {
          ++p.tag_counts[tag.get<std::string>()];
          tag_order.push_back(tag.get<std::string>());
        }
    if (!std::isnan(r)) {
      if (std::isnan(p.best_rating) || r > p.best_rating) p.best_rating = r;
      if (std::isnan(p.worst_rating) || r < p.worst_rating) p.worst_rating = r;
    }
  }
  // Best and worst: the most recent first (they say most about the current taste).
  for (auto h = history.rbegin(); h != history.rend(); ++h) {
    const double r = number_or_nan(*h, "rating");
    if (std::isnan(r)) continue;
    if (r == p.best_rating && p.best_titles.size() < 3) p.best_titles.push_back(str_or(*h, "title"));
    if (r == p.worst_rating && p.worst_rating < p.best_rating && p.worst_titles.size() < 2)
      p.worst_titles.push_back(str_or(*h, "title"));
  }
  const size_t n = history.size(),
               from = n > static_cast<size_t>(std::max(recent, 1)) ? n - static_cast<size_t>(std::max(recent, 1)) : 0;
  std::map<std::string, int64_t> recent_counts;
  std::vector<std::string> recent_order;
  for (size_t i = from; i < n; ++i) {
    p.recent_titles.push_back(str_or(history[i], "title"));
    for (const auto& c : context_item_categories(history[i])) {
      ++recent_counts[c];
      recent_order.push_back(c);
    }
  }
  p.recent_categories = by_count(recent_counts, recent_order);
  std::vector<std::string> frequent;
  for (const auto& w : title_order)
    if (p.title_word_counts[lower(w)] >= 2) frequent.push_back(w);
  std::stable_sort(frequent.begin(), frequent.end(), [&](const std::string& a, const std::string& b) {
    return p.title_word_counts.at(lower(a)) > p.title_word_counts.at(lower(b));
  });
  if (frequent.size() > 3) frequent.resize(3);
  p.frequent_title_words = frequent;
  return p;
}

double history_category_average(const HistoryProfile& p, const std::string& category) {
  const auto it = p.category_ratings.find(category);
  if (it == p.category_ratings.end() || it->second.second == 0) return NAN;
  return it->second.first / static_cast<double>(it->second.second);
}

int64_t ItemAffinity::strength() const {
  int64_t s = 0;
  for (const auto& c : categories) s += c.second;
  return s + 2 * creator_count + static_cast<int64_t>(tags.size() + title_words.size());
}

ItemAffinity history_affinity(const HistoryProfile& p, const json& item) {
  ItemAffinity a;
  for (const auto& c : context_item_categories(item)) {
    const auto it = p.category_counts.find(c);
    if (it != p.category_counts.end())
      a.categories.emplace_back(c, it->second);
    else
      a.unseen_categories.push_back(c);
  }
  std::stable_sort(a.categories.begin(), a.categories.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  const std::string creator = str_or(item, "creator");
  if (!creator.empty())
    if (const auto it = p.creator_counts.find(creator); it != p.creator_counts.end()) {
      a.creator = creator;
      a.creator_count = it->second;
    }
  std::vector<std::pair<std::string, int64_t>> tags;
  if (const auto t = item.find("tags"); t != item.end() && t->is_array())
    for (const auto& tag : *t)
      if (tag.is_string())
        if (const auto it = p.tag_counts.find(tag.get<std::string>()); it != p.tag_counts.end())
          tags.emplace_back(it->first, it->second);
  std::stable_sort(tags.begin(), tags.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  for (size_t i = 0; i < tags.size() && i < 3; ++i) a.tags.push_back(tags[i].first);
  for (const auto& w : query_title_words(str_or(item, "title"), 64))
    if (w.size() >= 3 && p.title_word_counts.count(lower(w)) && a.title_words.size() < 3) a.title_words.push_back(w);
  return a;
}

}  // namespace rf
