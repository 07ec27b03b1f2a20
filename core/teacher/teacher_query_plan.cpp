// Builds and checks the Query recipe teacher's BM25 query (teacher_query.h).
#include "retrieval/query_parse.h"
#include "retrieval/retrieval_reward.h"
#include "teacher/teacher_query.h"

#include <algorithm>
#include <cctype>

namespace rf {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A term as the query parser reads it: multi-word values are quoted as a phrase.
std::string term(const std::string& s) { return s.find(' ') == std::string::npos ? s : "\"" + s + "\""; }

std::string joined(const std::vector<std::string>& words, const std::string& sep) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + term(w);
  return out;
}

}  // namespace

std::vector<std::string> query_title_words(const std::string& title, size_t max_words) {
  std::vector<std::string> out, seen;
  std::string word;
  auto flush = [&] {
    if (word.size() >= 2 && !query_is_stop_word(lower(word))) {
      const std::string key = lower(word);
      if (std::find(seen.begin(), seen.end(), key) == seen.end() && out.size() < max_words) {
        seen.push_back(key);
        out.push_back(word);
      }
    }
    word.clear();
  };
  for (char ch : title) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80)
      word += ch;
    else
      flush();
  }
  flush();
  return out;
}

QueryPlan teacher_query_plan(const Dataset& ds, int32_t target_item, const HistoryProfile& profile, Bm25Index& index,
                             const std::string& shopper_query, PhraseRng& rng, const std::map<int32_t, double>& graded) {
  const Item& item = ds.items.at(static_cast<size_t>(target_item));
  const std::vector<std::string> words = query_title_words(item.title);
  // The category to add: one the user's history shares when there is one, else the item's first named one.
  std::string category;
  for (const auto& c : item.categories)
    if (c.rfind("attr:", 0) != 0 && profile.category_counts.count(c)) {
      category = c;
      break;
    }
  if (category.empty())
    for (const auto& c : item.categories)
      if (c.rfind("attr:", 0) != 0) {
        category = c;
        break;
      }

  std::vector<QueryPlan> plans;
  auto add = [&](std::vector<std::string> w, std::string cat, std::string creator, bool use_and, const std::string& sep) {
    QueryPlan p;
    p.title_words = w;
    p.category = cat;
    p.creator = creator;
    p.uses_and = use_and && !cat.empty();
    p.shopper_query = shopper_query;
    std::string q = shopper_query.empty() ? "" : shopper_query;
    std::string body = joined(w, sep);
    if (!creator.empty()) body += (body.empty() ? "" : sep) + term(creator);
    if (p.uses_and) {
      body = (body.empty() ? "" : "(" + body + ") AND ") + term(cat);
    } else if (!cat.empty()) {
      body += (body.empty() ? "" : sep) + term(cat);
    }
    if (!q.empty() && !body.empty())
      q += " " + body;
    else if (q.empty())
      q = body;
    if (q.empty()) return;
    p.query = q;
    plans.push_back(std::move(p));
  };
  for (const std::string sep : {" ", " OR "}) {
    add(words, "", "", false, sep);
    add(words, category, "", false, sep);
    add(words, category, "", true, sep);
    if (!item.creator.empty()) add(words, "", item.creator, false, sep);
  }
  if (!shopper_query.empty()) add({}, "", "", false, " ");
  if (plans.empty()) add({}, category, item.creator, false, " ");
  if (plans.empty()) {
    QueryPlan p;
    p.query = item.title.empty() ? item.id : item.title;
    plans.push_back(p);
  }

  RetrievalRewardOptions ro;  // Rec-R1: NDCG@1000 over the top 1000
  const auto gains = graded.empty() ? retrieval_binary_gains({target_item}) : graded;
  double best = -1;
  for (auto& p : plans) {
    const RetrievalReward r = retrieval_reward(index, p.query, gains, ro);
    p.ndcg = r.value;
    p.best_rank = r.best_rank;
    best = std::max(best, r.value);
  }
  std::vector<size_t> top;
  for (size_t i = 0; i < plans.size(); ++i)
    if (plans[i].ndcg >= best - 1e-9) top.push_back(i);
  return plans[top[rng.below(top.size())]];
}

}  // namespace rf
