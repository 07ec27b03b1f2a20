// The Query recipe's teacher writer (teacher_writers.h): reasons from the user's recent items (or the
// shopper's query) to the BM25 query the planner chose (teacher_query.h), explaining which words it keeps
// and why, then answers {"query": "..."} as Rec-R1's prompt asks.
#include "teacher/teacher_profile.h"
#include "teacher/teacher_writers.h"
#include "util/error.h"

namespace rf {

namespace {

using nlohmann::json;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string history_part(const HistoryProfile& p, const QueryPlan& plan, PhraseRng& rng) {
  std::vector<std::string> s;
  std::vector<std::string> titles;
  for (const auto& t : p.recent_titles) titles.push_back(quoted(t));
  if (!titles.empty())
    s.push_back(phrase_pick(
        rng,
        {"The user's latest items are {titles}.", "Most recently the user chose {titles}.",
         "Looking at the end of the history: {titles}.", "The last few picks were {titles}.", "Their newest items are {titles}.",
         "I start from the recent history: {titles}.", "What did they pick last? {titles}.", "The history ends with {titles}."},
        {{"titles", phrase_join(titles)}}));
  else
    s.push_back(
        phrase_pick(rng, {"The history is short, so I go by what little it shows.", "There is hardly any history to read."}));
  if (!p.dominant.empty()) {
    PhraseVars v = {
        {"top", p.dominant[0].first}, {"n", std::to_string(p.history_count)}, {"count", std::to_string(p.dominant[0].second)}};
    s.push_back(phrase_pick(rng,
                            {"Overall {top} dominates their {n} items.", "Their main interest is {top} ({count} of {n} items).",
                             "Across the whole history, {top} comes first.", "{count} of their {n} items are {top}."},
                            v));
    // Either order reads naturally: the overall taste first, or the recent items first.
    if (rng.chance(35)) std::swap(s[0], s[1]);
  }
  if (!plan.category.empty())
    s.push_back(phrase_pick(rng,
                            {"The next item is most likely another {cat} title.", "I expect them to stay with {cat}.",
                             "So the search should aim at {cat}."},
                            {{"cat", plan.category}}));
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return out;
}

}  // namespace

std::string teacher_write_query(const json& context, const QueryPlan& plan, const std::string& prefill, PhraseRng& rng) {
  if (plan.query.empty()) throw Error("teacher query: the plan has no query");
  const HistoryProfile p = history_profile_build(context);
  std::vector<std::string> s;
  if (!plan.shopper_query.empty())
    s.push_back(
        phrase_pick(rng,
                    {"The shopper searched for {q}.", "The original query is {q}.", "The shopper typed {q}.",
                     "Here the shopper's words are {q}.", "I begin with the shopper's query, {q}.", "The search box says {q}.",
                     "Start from what the shopper wrote: {q}."},
                    {{"q", quoted(plan.shopper_query)}}) +
        " " +
        phrase_pick(rng, {"I keep its words, since they carry the intent, and add terms the product itself would contain.",
                          "Its words stay; BM25 needs extra terms that appear in the product's title and description."}));
  else
    s.push_back(history_part(p, plan, rng));
  std::vector<std::string> parts;
  if (!plan.title_words.empty()) {
    std::vector<std::string> w;
    for (const auto& x : plan.title_words) w.push_back(quoted(x));
    parts.push_back(phrase_pick(rng, {"the distinctive title words {w}", "the keywords {w}", "specific words such as {w}"},
                                {{"w", phrase_join(w)}}));
  }
  if (!plan.creator.empty())
    parts.push_back(phrase_pick(rng, {"the creator {c}", "the name {c}"}, {{"c", quoted(plan.creator)}}));
  if (!plan.category.empty())
    parts.push_back(phrase_pick(rng, {"the category {c}", "the topic {c}"}, {{"c", quoted(plan.category)}}));
  if (!parts.empty())
    s.push_back(phrase_pick(
        rng,
        {"A keyword engine rewards rare, specific words, so the query uses {parts}.", "BM25 matches words, so I include {parts}.",
         "To match the right item the query combines {parts}.", "The query should contain {parts}."},
        {{"parts", phrase_join(parts)}}));
  if (plan.uses_and)
    s.push_back(phrase_pick(rng, {"AND keeps the results inside {c}.", "Requiring {c} with AND filters out other topics."},
                            {{"c", quoted(plan.category)}}));
  std::string think;
  for (const auto& x : s) think += (think.empty() ? "" : " ") + x;
  const std::string open_tag = prefill.size() >= 7 && prefill.compare(prefill.size() - 7, 7, "<think>") == 0 ? "" : "<think>";
  const json answer = {{"query", plan.query}};
  return prefill + open_tag + "\n" + think + "\n</think>\n<answer>" + answer.dump() + "</answer>";
}

}  // namespace rf
