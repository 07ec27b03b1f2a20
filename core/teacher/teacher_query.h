// The Query recipe's teacher (Rec-R1): a BM25 query for the item the user turned to next, built from that
// item's title words, its category and its creator (and, for the query_rewrite preset, the shopper's own
// query), tried on the real retriever (core/retrieval), keeping the candidate that ranks the target best.
#pragma once

#include "data/dataset.h"
#include "retrieval/bm25_index.h"
#include "teacher/teacher_phrases.h"
#include "teacher/teacher_profile.h"
#include "teacher/teacher_writers.h"

#include <map>
#include <string>
#include <vector>

namespace rf {

// The distinctive words of a title: split on anything that is not a letter or digit (UTF-8 kept whole),
// English stop words and one-character words dropped, duplicates (case-insensitive) removed, at most `max_words`.
std::vector<std::string> query_title_words(const std::string& title, size_t max_words = 8);

// Tries the candidate queries for `target_item` and returns the best (highest NDCG@1000 on `index`; among
// equals a seeded choice, so the forms vary). `shopper_query` non-empty: every candidate keeps it. `gains`
// (item -> gain, e.g. ESCI's) scores the candidates when given; otherwise the target alone, with gain 1.
QueryPlan teacher_query_plan(const Dataset& ds, int32_t target_item, const HistoryProfile& profile, Bm25Index& index,
                             const std::string& shopper_query, PhraseRng& rng, const std::map<int32_t, double>& gains = {});

}  // namespace rf
