// The rule-based teacher's writers: given the prompt context a template rendered and the answer a classic
// recommender (or the data) chose, each writes a completion in its recipe's exact format (DESIGN.md §1)
// whose reasoning explains the answer from the user's history in varied words (teacher_phrases.h):
//   List    <think>…</think>\n<answer>[id, id, …]</answer>
//   Rating  <analyze user>…</analyze user>\n<analyze item>…</analyze item>\n<match>…</match>\n<rate>x</rate>
//   Query   [prefill]<think>…</think>\n<answer>{"query": "…"}</answer>
// The Rating writer is RecOne's "rationalised" trace: it is given the true rating and argues towards it.
#pragma once

#include "teacher/teacher_phrases.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rf {

// The plan a List trace states right after the user's main interests: none (unstated), staying close to
// them (focused: the recommender's own order), or mixing in other tastes (broad: teacher_broaden.h). A
// stated plan is one early choice the model makes in words, which a reward can then favour.
enum class ListPlan { unstated, focused, broad };

// `ranked`: positions in context.candidates, best first (the answer, usually context.k of them).
// `left_out`: positions not chosen, least suitable first; the first one is explained.
// `brief`: only the main interests, the first pick's reason and the rest (about a third of the length), for
// small models and CPU budgets where every completion token costs.
std::string teacher_write_list(const nlohmann::json& context, const std::vector<size_t>& ranked,
                               const std::vector<size_t>& left_out, PhraseRng& rng, bool brief = false,
                               ListPlan plan = ListPlan::unstated);

// context.target is the item to rate; `true_rating` the user's actual rating, written in <rate>.
std::string teacher_write_rating(const nlohmann::json& context, double true_rating, PhraseRng& rng);

// What the query writer explains: the chosen query, the words it came from and why.
struct QueryPlan {
  std::string query;                     // the BM25 query, as written in the answer
  std::vector<std::string> title_words;  // distinctive words taken from the item titles the user is heading to
  std::string category;                  // the category added to the query ("" when none)
  std::string creator;                   // the creator added to the query ("" when none)
  std::string shopper_query;             // the shopper's query it keeps (query_rewrite preset), "" otherwise
  bool uses_and = false;                 // the category is required with AND
  int best_rank = 0;                     // where the retriever put the target (1-based, 0 = not retrieved)
  double ndcg = 0;                       // NDCG@1000 of the target for this query
};

// `prefill` is the preset's assistant prefill (e.g. "Let me solve this step by step.\n<think>"); the
// completion starts with it, and "<think>" is written only when the prefill does not end with it.
std::string teacher_write_query(const nlohmann::json& context, const QueryPlan& plan, const std::string& prefill, PhraseRng& rng);

}  // namespace rf
