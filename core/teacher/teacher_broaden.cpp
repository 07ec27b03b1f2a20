// Maximal marginal relevance over category sets for the List teacher's broad plan (teacher_broaden.h).
#include "teacher/teacher_broaden.h"

#include "util/error.h"

#include <algorithm>
#include <iterator>

namespace rf {

double category_jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() && b.empty()) return 0.0;
  std::vector<std::string> common;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
  const size_t uni = a.size() + b.size() - common.size();
  return static_cast<double>(common.size()) / static_cast<double>(uni);
}

std::vector<size_t> list_rerank_mmr(const std::vector<size_t>& order, const std::vector<std::vector<std::string>>& categories,
                                    size_t k, double lambda) {
  if (!(lambda >= 0.0 && lambda <= 1.0)) throw Error("list re-ranking: lambda must be in [0, 1]");
  const size_t n = order.size();
  if (k > n) throw Error("list re-ranking: k (" + std::to_string(k) + ") is larger than the pool (" + std::to_string(n) + ")");
  for (size_t p : order)
    if (p >= categories.size()) throw Error("list re-ranking: pool position " + std::to_string(p) + " has no categories");
  std::vector<size_t> chosen;
  std::vector<bool> taken(n, false);
  while (chosen.size() < k) {
    size_t best = n;
    double best_score = 0;
    for (size_t r = 0; r < n; ++r) {
      if (taken[r]) continue;
      const double relevance = n > 1 ? 1.0 - static_cast<double>(r) / static_cast<double>(n - 1) : 1.0;
      double similar = 0;
      for (size_t c : chosen) similar = std::max(similar, category_jaccard(categories[order[r]], categories[c]));
      const double score = lambda * relevance - (1.0 - lambda) * similar;
      if (best == n || score > best_score) best = r, best_score = score;  // strict: ties keep the more relevant
    }
    taken[best] = true;
    chosen.push_back(order[best]);
  }
  return chosen;
}

}  // namespace rf
