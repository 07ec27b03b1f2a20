// The List teacher's "broad" plan: the recommender's ranking re-ranked by maximal marginal relevance
// (Carbonell & Goldstein 1998) over the items' category sets, so the answer mixes the closest matches with
// picks from other tastes. Teacher traces mix focused and broad plans, each stated in the reasoning, so an
// SFT model learns both and GRPO's diversity weight can choose between them (docs/results.md).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace rf {

// Jaccard similarity of two sorted, duplicate-free sets (0 when both are empty).
double category_jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b);

// `order`: pool positions, most relevant first (all of them). `categories[p]`: pool position p's categories,
// sorted. Returns k positions: the most relevant first, then greedily the one maximising
//   lambda * relevance - (1 - lambda) * max similarity to those already chosen,
// relevance = 1 - rank / (n - 1) (1 for the best, 0 for the worst); ties go to the more relevant.
// lambda = 1 gives the first k of `order`. rf::Error for lambda outside [0, 1], k > n or a position
// without categories.
std::vector<size_t> list_rerank_mmr(const std::vector<size_t>& order, const std::vector<std::vector<std::string>>& categories,
                                    size_t k, double lambda);

}  // namespace rf
