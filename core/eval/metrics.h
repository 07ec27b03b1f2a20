// Evaluation metrics for ranked lists, whole recommendation runs and rating predictions.
// Conventions (each is tested against hand-computed values in tests/eval/test_metrics.cpp):
// - `ranked` is a list of item indices, best first; `relevant` the held-out targets.
// - A duplicate in `ranked` counts only at its first position (later copies earn nothing).
// - K larger than the list uses the whole list; K <= 0 or an empty list or no targets gives 0.
// - Binary relevance; NDCG@K's ideal DCG places min(K, |relevant|) targets at the top.
// - Precision@K divides by the positions looked at, min(K, list length); a target listed twice in
//   `relevant` is one target.
#pragma once

#include <cstdint>
#include <vector>

namespace rf {

// --- ranking -----------------------------------------------------------------------------------------
double metric_hit_at(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k);
double metric_recall_at(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k);
double metric_precision_at(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k);
double metric_ndcg_at(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k);
// Reciprocal rank of the first relevant item within the first k (k <= 0: the whole list); 0 when none.
double metric_mrr(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k = 0);

// Full-ranking helpers: the top k item indices by score (higher first; ties broken by the lower item
// index), skipping `exclude`; and the 1-based rank of `target` under the same order.
// NaN scores rank after every number; exclude indices outside the scores are ignored; rank_of ranks the
// target even when it is in `exclude` and throws rf::Error when it is outside the scores.
std::vector<int32_t> rank_top_k(const std::vector<float>& scores, int k, const std::vector<int32_t>& exclude = {});
int64_t rank_of(const std::vector<float>& scores, int32_t target, const std::vector<int32_t>& exclude = {});

// --- lists ---------------------------------------------------------------------------------------------
// Intra-list average distance: mean over unordered pairs of distinct positions. Lists of < 2 items give 0.
// Jaccard distance 1 - |A∩B|/|A∪B| over category sets (two empty sets are at distance 0).
double list_ilad_jaccard(const std::vector<std::vector<int32_t>>& category_sets);
// Cosine distance 1 - cos(a, b) over item embeddings, `embeddings` row-major (n, dim); a zero vector
// is at distance 1 from everything.
double list_ilad_cosine(const std::vector<float>& embeddings, int64_t n, int64_t dim);

// Mean self-information -log2(p_i) of the list's items, p_i = popularity_i / total_interactions; items with
// zero popularity count as popularity 1 (so the value stays finite). A repeated item adds 0 but counts in
// the mean; total_interactions <= 0 gives 0; an item without a popularity entry throws rf::Error.
double list_novelty(const std::vector<int32_t>& ranked, const std::vector<double>& popularity, double total_interactions);
// Novelty divided by its maximum -log2(1 / total_interactions), so it lies in [0, 1].
double list_novelty_normalised(const std::vector<int32_t>& ranked, const std::vector<double>& popularity,
                               double total_interactions);

// --- whole runs ------------------------------------------------------------------------------------------
// Share of the catalogue's n_items that appears in at least one list.
double catalogue_coverage(const std::vector<std::vector<int32_t>>& lists, int32_t n_items);
// Gini coefficient of how often each of the n_items catalogue items is shown across all lists
// (0: every item shown equally often; towards 1: exposure concentrated on few items). Formula:
// G = Σ_i (2i − n − 1) x_(i) / (n Σ x), counts sorted ascending; all exposure on one item gives (n−1)/n.
// An item repeated inside one list counts once for it. Items outside [0, n_items) throw rf::Error.
double exposure_gini(const std::vector<std::vector<int32_t>>& lists, int32_t n_items);

// --- ratings ---------------------------------------------------------------------------------------------
double rating_mae(const std::vector<double>& predicted, const std::vector<double>& truth);
double rating_rmse(const std::vector<double>& predicted, const std::vector<double>& truth);
// Share of predictions that, rounded to the nearest step of `step` (1 for stars, 0.5 for half stars),
// equal the truth.
double rating_exact_match(const std::vector<double>& predicted, const std::vector<double>& truth, double step = 1.0);
// Share of predictions within 1.0 of the truth (inclusive).
double rating_within_one(const std::vector<double>& predicted, const std::vector<double>& truth);

}  // namespace rf
