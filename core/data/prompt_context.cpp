// Builds the prompt context (see prompt_context.h and docs/templates.md). Everything a template may print
// is derived from the interactions before the target, so no field can leak the answer; the one number that
// mixes in other users, an item's average rating, comes from training interactions only.
#include "data/prompt_context.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_set>

namespace rf {

namespace {

using json = nlohmann::json;

// Times below this are positions in a sequence file (the sequence importer's convention), not dates.
constexpr int64_t kFirstPlausibleTime = 365LL * 86400;  // 1971-01-01

std::string date_iso(int64_t t) {
  // Days since the epoch -> civil date (Howard Hinnant's algorithm); UTC.
  int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

json date_or_null(int64_t t) { return t >= kFirstPlausibleTime ? json(date_iso(t)) : json(nullptr); }

// Cuts `s` to `limit` code points (0 = no limit), marking the cut with "…"; never splits a UTF-8 sequence.
std::string cut_text(const std::string& s, int32_t limit) {
  if (limit <= 0) return s;
  size_t i = 0;
  int32_t n = 0;
  while (i < s.size() && n < limit) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++n;
  }
  if (i >= s.size()) return s;
  std::string out = s.substr(0, i);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\t')) out.pop_back();
  return out + "\u2026";
}

json rating_or_null(float r) { return std::isnan(r) ? json(nullptr) : json(static_cast<double>(r)); }

void check_interaction(const Dataset& ds, int32_t x, const char* what) {
  if (x < 0 || static_cast<size_t>(x) >= ds.interactions.size())
    throw Error(std::string("prompt context: ") + what + " interaction " + std::to_string(x) + " is outside the dataset (" +
                std::to_string(ds.interactions.size()) + " interactions)");
}

}  // namespace

std::vector<int32_t> prompt_train_interactions(const Dataset& ds, const Split& split) {
  if (split.users.size() != ds.users.size())
    throw Error("prompt_train_interactions: the split has " + std::to_string(split.users.size()) + " users, the dataset " +
                std::to_string(ds.users.size()));
  const auto histories = dataset_user_histories(ds);
  std::vector<int32_t> out;
  for (size_t u = 0; u < histories.size(); ++u) {
    const size_t n = std::min(split.users[u].train.size(), histories[u].size());
    out.insert(out.end(), histories[u].begin(), histories[u].begin() + static_cast<std::ptrdiff_t>(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

PromptItemStats prompt_item_stats_build(const Dataset& ds, const std::vector<int32_t>& train_interactions) {
  PromptItemStats s;
  s.rating_sum.assign(ds.items.size(), 0.0);
  s.rating_count.assign(ds.items.size(), 0);
  s.interactions.assign(ds.items.size(), 0);
  s.is_train.assign(ds.interactions.size(), 0);
  for (int32_t x : train_interactions) {
    check_interaction(ds, x, "training");
    if (s.is_train[static_cast<size_t>(x)]) continue;  // listed twice: count once
    s.is_train[static_cast<size_t>(x)] = 1;
    const Interaction& in = ds.interactions[static_cast<size_t>(x)];
    if (in.item < 0 || in.item >= ds.item_count())
      throw Error("prompt context: interaction " + std::to_string(x) + " names item " + std::to_string(in.item) +
                  ", outside the catalogue");
    const auto item = static_cast<size_t>(in.item);
    ++s.interactions[item];
    if (in.has_rating()) {
      s.rating_sum[item] += in.rating;
      ++s.rating_count[item];
      if (!(in.rating >= s.rating_min)) s.rating_min = in.rating;
      if (!(in.rating <= s.rating_max)) s.rating_max = in.rating;
    }
  }
  return s;
}

PromptRequest prompt_request_at(const Dataset& ds, const std::vector<int32_t>& user_interactions, size_t position,
                                const std::string& recipe) {
  if (position >= user_interactions.size())
    throw Error("prompt_request_at: position " + std::to_string(position) + " is past the user's " +
                std::to_string(user_interactions.size()) + " interactions");
  const int32_t target = user_interactions[position];
  check_interaction(ds, target, "target");
  PromptRequest r;
  r.recipe = recipe;
  r.user = ds.interactions[static_cast<size_t>(target)].user;
  r.history.assign(user_interactions.begin(), user_interactions.begin() + static_cast<std::ptrdiff_t>(position));
  r.answer_interaction = target;
  if (recipe == "rating") r.target_interaction = target;
  return r;
}

json prompt_item_json(const Dataset& ds, const PromptItemStats& stats, int32_t item, const PromptContextOptions& options,
                      int32_t exclude_interaction) {
  if (item < 0 || item >= ds.item_count())
    throw Error("prompt context: item " + std::to_string(item) + " is outside the catalogue (" +
                std::to_string(ds.item_count()) + " items)");
  if (stats.rating_sum.size() != ds.items.size() || stats.is_train.size() != ds.interactions.size())
    throw Error("prompt context: the item statistics were built for another dataset");
  const Item& it = ds.items[static_cast<size_t>(item)];
  const auto i = static_cast<size_t>(item);
  double sum = stats.rating_sum[i];
  int64_t count = stats.rating_count[i], popularity = stats.interactions[i];
  if (exclude_interaction >= 0 && static_cast<size_t>(exclude_interaction) < stats.is_train.size() &&
      stats.is_train[static_cast<size_t>(exclude_interaction)]) {
    const Interaction& x = ds.interactions[static_cast<size_t>(exclude_interaction)];
    if (x.item == item) {
      --popularity;
      if (x.has_rating()) {
        sum -= x.rating;
        --count;
      }
    }
  }
  json attributes = json::object();
  for (const auto& [k, v] : it.attributes) attributes[k] = v;
  return json{{"id", it.id},
              {"title", it.title},
              {"categories", it.categories},
              {"tags", it.tags},
              {"creator", it.creator},
              {"text", cut_text(it.text, options.text_chars)},
              {"attributes", std::move(attributes)},
              {"average_rating", count > 0 ? json(sum / static_cast<double>(count)) : json(nullptr)},
              {"rating_count", count},
              {"popularity", popularity}};
}

json prompt_context_build(const Dataset& ds, const PromptItemStats& stats, const PromptRequest& request,
                          const PromptContextOptions& options) {
  if (request.user < 0 || request.user >= ds.user_count())
    throw Error("prompt context: user " + std::to_string(request.user) + " is outside the dataset (" +
                std::to_string(ds.user_count()) + " users)");
  const User& user = ds.users[static_cast<size_t>(request.user)];
  for (int32_t x : {request.target_interaction, request.answer_interaction}) {
    if (x < 0) continue;
    check_interaction(ds, x, "target");
    if (ds.interactions[static_cast<size_t>(x)].user != request.user)
      throw Error("prompt context: the target interaction " + std::to_string(x) + " belongs to another user than '" +
                  user.id + "'");
  }
  // The interaction whose own rating must not show through item averages.
  const int32_t hidden = request.target_interaction >= 0 ? request.target_interaction : request.answer_interaction;

  // The whole history feeds the counts and averages; only the most recent `history_limit` are listed.
  std::unordered_set<int32_t> seen;
  double rating_sum = 0;
  int64_t rating_count = 0;
  std::map<std::string, int64_t> category_counts;
  for (int32_t x : request.history) {
    check_interaction(ds, x, "history");
    const Interaction& in = ds.interactions[static_cast<size_t>(x)];
    if (in.user != request.user)
      throw Error("prompt context: history interaction " + std::to_string(x) + " belongs to another user than '" + user.id + "'");
    if (x == request.target_interaction || x == request.answer_interaction)
      throw Error("prompt context: the target interaction " + std::to_string(x) +
                  " is also in the history (the prompt would show the answer)");
    if (!seen.insert(x).second) throw Error("prompt context: history interaction " + std::to_string(x) + " is listed twice");
    if (in.item < 0 || in.item >= ds.item_count())
      throw Error("prompt context: interaction " + std::to_string(x) + " names an item outside the catalogue");
    if (in.has_rating()) {
      rating_sum += in.rating;
      ++rating_count;
    }
    for (const auto& c : ds.items[static_cast<size_t>(in.item)].categories) ++category_counts[c];
  }

  const size_t total = request.history.size();
  const size_t shown = options.history_limit > 0 ? std::min(total, static_cast<size_t>(options.history_limit)) : total;
  json history = json::array();
  for (size_t p = total - shown; p < total; ++p) {
    const int32_t x = request.history[p];
    const Interaction& in = ds.interactions[static_cast<size_t>(x)];
    json h = prompt_item_json(ds, stats, in.item, options, hidden);
    h["position"] = static_cast<int64_t>(p + 1);
    h["rating"] = rating_or_null(in.rating);
    h["time"] = in.time;
    h["date"] = date_or_null(in.time);
    h["review"] = cut_text(in.review, options.review_chars);
    h["label"] = in.label;
    history.push_back(std::move(h));
  }

  std::vector<std::pair<std::string, int64_t>> cats(category_counts.begin(), category_counts.end());
  std::stable_sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  json top = json::array();
  for (size_t i = 0; i < cats.size() && static_cast<int32_t>(i) < options.top_categories; ++i)
    top.push_back(json{{"name", cats[i].first}, {"count", cats[i].second}});

  json candidates = json::array();
  for (size_t i = 0; i < request.candidates.size(); ++i) {
    json c = prompt_item_json(ds, stats, request.candidates[i], options, hidden);
    c["position"] = static_cast<int64_t>(i + 1);
    candidates.push_back(std::move(c));
  }

  json target = nullptr;
  if (request.target_interaction >= 0) {
    const Interaction& in = ds.interactions[static_cast<size_t>(request.target_interaction)];
    target = prompt_item_json(ds, stats, in.item, options, hidden);
    target["time"] = in.time;
    target["date"] = date_or_null(in.time);
  }

  return json{{"recipe", request.recipe},
              {"k", request.k},
              {"query", request.query.empty() ? user.profile : request.query},
              {"dataset", json{{"name", ds.name},
                               {"items", ds.item_count()},
                               {"users", ds.user_count()},
                               {"rating_min", std::isnan(stats.rating_min) ? json(nullptr) : json(stats.rating_min)},
                               {"rating_max", std::isnan(stats.rating_max) ? json(nullptr) : json(stats.rating_max)}}},
              {"user", json{{"id", user.id},
                            {"index", request.user},
                            {"profile", user.profile},
                            {"history", std::move(history)},
                            {"history_count", static_cast<int64_t>(total)},
                            {"average_rating", rating_count > 0 ? json(rating_sum / static_cast<double>(rating_count)) : json(nullptr)},
                            {"rating_count", rating_count},
                            {"top_categories", std::move(top)}}},
              {"candidates", std::move(candidates)},
              {"target", std::move(target)}};
}

}  // namespace rf
