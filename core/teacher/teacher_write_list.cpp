// The List recipe's teacher writer (teacher_writers.h): explains a ranked answer chosen by a classic
// recommender from the user's dominant and recent categories, their ratings, what the chosen items share
// with the history, and why one candidate was left out; optionally states a focused or broad plan.
#include "teacher/teacher_profile.h"
#include "teacher/teacher_writers.h"
#include "util/error.h"

namespace rf {

namespace {

using nlohmann::json;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string item_ref(const json& c) { return "[" + c.value("id", std::string("?")) + "] " + c.value("title", std::string()); }

std::string top_names(const std::vector<std::pair<std::string, int64_t>>& cats, size_t n) {
  std::vector<std::string> names;
  for (size_t i = 0; i < cats.size() && i < n; ++i) names.push_back(cats[i].first);
  return phrase_join(names);
}

std::string opening(const HistoryProfile& p, PhraseRng& rng) {
  if (p.dominant.empty()) {
    const PhraseVars v = {{"n", std::to_string(p.history_count)},
                          {"words", p.frequent_title_words.empty() ? "" : phrase_join([&] {
                             std::vector<std::string> q;
                             for (const auto& w : p.frequent_title_words) q.push_back("\"" + w + "\"");
                             return q;
                           }())}};
    if (!p.frequent_title_words.empty())
      return phrase_pick(rng,
                         {"The history has no categories, but its titles keep returning to {words}.",
                          "Without category labels, the titles tell the story: {words} come up again and again.",
                          "Across {n} items the recurring words are {words}.",
                          "The user's {n} items have no categories; the words {words} recur in their titles.",
                          "What ties this history together is in the titles: {words}."},
                         v);
    return phrase_pick(
        rng,
        {"The history carries no categories to go on, so I judge the candidates by how close they are to the {n} items the user "
         "picked.",
         "Without category labels in the history, the best guide is which candidates resemble the user's {n} past picks.",
         "There are no categories to summarise here; I compare the candidates with the {n} items themselves.",
         "With only {n} uncategorised items, similarity to those items has to decide.",
         "No categories here: the {n} items the user chose are all I can compare with."},
        v);
  }
  const PhraseVars v = {{"cats", top_names(p.dominant, 2)},
                        {"top", p.dominant[0].first},
                        {"n", std::to_string(p.history_count)},
                        {"count", std::to_string(p.dominant[0].second)}};
  return phrase_pick(rng,
                     {"The user's history is dominated by {cats}.", "Looking at the {n} items so far, most belong to {cats}.",
                      "Most of what this user has picked falls under {cats}.", "Their past choices lean towards {cats}.",
                      "Going by the history, {cats} are the main interests.",
                      "This user keeps coming back to {top}: {count} of their {n} items carry it.",
                      "First, the overall taste: {cats} come up more than anything else.",
                      "Across {n} interactions the clearest pattern is {cats}."},
                     v);
}

std::string recent(const HistoryProfile& p, PhraseRng& rng) {
  if (p.recent_titles.empty()) return "";
  std::vector<std::string> titles;
  for (const auto& t : p.recent_titles) titles.push_back(quoted(t));
  PhraseVars v = {{"titles", phrase_join(titles)}, {"last", quoted(p.recent_titles.back())}};
  if (p.recent_categories.empty())
    return phrase_pick(rng, {"The latest items are {titles}.", "Most recently they chose {titles}."}, v);
  v["recent"] = phrase_join(
      std::vector<std::string>(p.recent_categories.begin(),
                               p.recent_categories.begin() + static_cast<long>(std::min<size_t>(2, p.recent_categories.size()))));
  const bool shifted = !p.dominant.empty() && p.recent_categories[0] != p.dominant[0].first;
  if (shifted)
    return phrase_pick(rng,
                       {"Lately the focus has shifted to {recent}, with {titles}.",
                        "Their recent picks ({titles}) move towards {recent}, so that deserves extra weight.",
                        "Recently, though, they went for {recent}: {titles}.",
                        "The newest items, {titles}, point to a fresh interest in {recent}."},
                       v);
  return phrase_pick(
      rng,
      {"The recent items ({titles}) stay with {recent}.", "Recently they chose {titles}, still within {recent}.",
       "The latest pick, {last}, confirms the interest in {recent}.", "Nothing has changed lately: {titles} are {recent} again."},
      v);
}

std::string ratings(const HistoryProfile& p, PhraseRng& rng) {
  if (std::isnan(p.average_rating) || p.best_titles.empty()) return "";
  PhraseVars v = {{"avg", phrase_number(p.average_rating)},
                  {"best", quoted(p.best_titles[0])},
                  {"best_rating", phrase_number(p.best_rating)}};
  std::string s = phrase_pick(rng,
                              {"Their ratings average {avg}, and {best} got {best_rating}.",
                               "They rate {avg} on average; the highest mark, {best_rating}, went to {best}.",
                               "Ratings help too: {avg} on average, with {best} among the favourites."},
                              v);
  if (!p.worst_titles.empty() && p.worst_rating < p.average_rating - 0.5)
    s += " " + phrase_pick(rng,
                           {"{worst} disappointed them ({worst_rating}), so items like it rank lower.",
                            "They were less happy with {worst} ({worst_rating})."},
                           {{"worst", quoted(p.worst_titles[0])}, {"worst_rating", phrase_number(p.worst_rating)}});
  return s;
}

// Why one chosen item fits.
std::string chosen(const HistoryProfile& p, const json& c, size_t rank, PhraseRng& rng, std::set<std::string>& used) {
  const ItemAffinity a = history_affinity(p, c);
  PhraseVars v = {{"item", item_ref(c)}, {"rank", std::to_string(rank + 1)}};
  std::vector<std::string> reasons;
  if (!a.categories.empty()) {
    v["cat"] = a.categories[0].first;
    v["count"] = std::to_string(a.categories[0].second);
    const bool often = a.categories[0].second * 4 >= p.listed;  // in a quarter of the listed items or more
    reasons.push_back(
        often ? phrase_pick_unused(rng,
                                   {"it is {cat}, like {count} of the listed items", "it shares {cat} with {count} past items",
                                    "it belongs to {cat}, which they return to often"},
                                   v, used)
              : phrase_pick_unused(rng,
                                   {"it is {cat}, a side interest ({count} listed items)",
                                    "it touches {cat}, which appears {count} times in the history"},
                                   v, used));
  }
  if (!a.creator.empty()) {
    v["creator"] = a.creator;
    reasons.push_back(phrase_pick_unused(
        rng, {"it is by {creator}, whom they already know", "{creator} made it, and they picked {creator} before"}, v, used));
  }
  if (!a.tags.empty()) {
    v["tags"] = phrase_join(a.tags);
    reasons.push_back(
        phrase_pick_unused(rng, {"it has {tags} in common with the history", "its tags ({tags}) match earlier picks"}, v, used));
  }
  if (!a.title_words.empty()) {
    std::vector<std::string> q;
    for (const auto& w : a.title_words) q.push_back("\"" + w + "\"");
    v["words"] = phrase_join(q);
    reasons.push_back(phrase_pick_unused(
        rng, {"its title shares {words} with earlier picks", "like earlier picks it is about {words}"}, v, used));
  }
  if (reasons.empty())
    return phrase_pick_unused(rng,
                              {"{item} shares little on the surface, but users with similar histories often go on to it.",
                               "{item} is a collaborative pick: people who liked the same items tend to choose it next.",
                               "{item} earns its place from co-occurrence with the user's items rather than from its labels."},
                              v, used);
  std::string why;
  for (const auto& r : reasons) why += (why.empty() ? "" : "; ") + r;
  v["why"] = why;
  return phrase_pick_unused(rng,
                            {"{item} fits well: {why}.", "{item} comes high because {why}.", "For {item}, {why}.",
                             "{item} is a strong match, since {why}.", "I put {item} at rank {rank}: {why}."},
                            v, used);
}

std::string left_out_reason(const HistoryProfile& p, const json& c, PhraseRng& rng) {
  const ItemAffinity a = history_affinity(p, c);
  PhraseVars v = {{"item", item_ref(c)}};
  if (a.categories.empty() && !a.unseen_categories.empty() && a.title_words.empty()) {
    v["cat"] = a.unseen_categories[0];
    return phrase_pick(
        rng,
        {"I leave out {item}: {cat} never appears in the history.", "{item} stays out, because nothing the user chose is {cat}.",
         "{item} is {cat}, a category this user has shown no interest in, so it is left out."},
        v);
  }
  if (!a.categories.empty()) {
    v["cat"] = a.categories[0].first;
    return phrase_pick(rng,
                       {"{item} is {cat} too, but it is far from the specific items they liked, so it misses the cut.",
                        "Although {item} touches {cat}, similar users rarely pick it, so it stays out.",
                        "{item} only loosely matches ({cat}) and ranks below the others."},
                       v);
  }
  if (!a.title_words.empty())
    return phrase_pick(rng,
                       {"{item} echoes a word or two of the history, but similar users seldom choose it, so it is left out.",
                        "Beyond a shared word in its title, {item} has little to do with the history; it stays out."},
                       v);
  return phrase_pick(rng,
                     {"{item} has nothing in common with the history, so it is left out.",
                      "I drop {item}: it resembles none of the user's items."},
                     v);
}

}  // namespace

std::string teacher_write_list(const json& context, const std::vector<size_t>& ranked, const std::vector<size_t>& left_out,
                               PhraseRng& rng, bool brief, ListPlan plan) {
  const json& candidates = context.at("candidates");
  for (size_t i : ranked)
    if (i >= candidates.size())
      throw Error("teacher list: ranked position " + std::to_string(i) + " is outside the candidate pool");
  if (ranked.empty()) throw Error("teacher list: nothing to rank (empty answer)");
  const HistoryProfile p = history_profile_build(context);

  std::vector<std::string> sentences;
  sentences.push_back(opening(p, rng));
  if (!brief) {
    if (std::string s = recent(p, rng); !s.empty()) sentences.push_back(std::move(s));
    if (std::string s = ratings(p, rng); !s.empty()) sentences.push_back(std::move(s));
    // The rating and recent sentences may swap: a second source of variety in the order of ideas.
    if (sentences.size() == 3 && rng.chance(30)) std::swap(sentences[1], sentences[2]);
  }

  const size_t explained = std::min<size_t>(ranked.size(), brief ? 1 : 2 + rng.below(2));
  std::set<std::string> used;
  for (size_t r = 0; r < explained; ++r) sentences.push_back(chosen(p, candidates[ranked[r]], r, rng, used));
  if (ranked.size() > explained) {
    std::vector<std::string> rest;
    for (size_t r = explained; r < ranked.size(); ++r)
      rest.push_back("[" + candidates[ranked[r]].value("id", std::string("?")) + "]");
    if (plan == ListPlan::broad)
      sentences.push_back(phrase_pick(rng,
                                      {"Then {rest}, each from a different corner of the pool.",
                                       "{rest} fill the remaining places, so that no one kind of item crowds the list.",
                                       "After those come {rest}, varied on purpose."},
                                      {{"rest", phrase_join(rest)}}));
    else
      sentences.push_back(phrase_pick(rng,
                                      {"The rest ({rest}) follow the same pattern, ordered by how close they are to the history.",
                                       "After those come {rest}, weaker but still related to what they like.",
                                       "{rest} fill the remaining places, in decreasing order of fit.",
                                       "Then {rest}, each a little further from the user's core interests."},
                                      {{"rest", phrase_join(rest)}}));
  }
  if (!brief && !left_out.empty() && left_out[0] < candidates.size()) sentences.push_back(left_out_reason(p, candidates[left_out[0]], rng));

  // The plan follows the opening; drawn last, so a focused trace is the plain one with this sentence added.
  if (plan != ListPlan::unstated)
    sentences.insert(sentences.begin() + 1,
                     plan == ListPlan::focused
                         ? phrase_pick(rng, {"I keep the list close to these interests.", "I stay with what they already like."})
                         : phrase_pick(rng, {"I mix the closest matches with other tastes.", "I widen the list beyond these interests."}));
  std::string think;
  for (const auto& s : sentences) think += (think.empty() ? "" : " ") + s;
  std::string answer = "[";
  for (size_t r = 0; r < ranked.size(); ++r) answer += (r ? ", " : "") + candidates[ranked[r]].value("id", std::string("?"));
  answer += "]";
  return "<think>\n" + think + "\n</think>\n<answer>" + answer + "</answer>";
}

}  // namespace rf
