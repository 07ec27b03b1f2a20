// Evaluation metrics for ranked lists, whole runs and rating predictions (conventions in metrics.h).
// Every function is cheap per call; rank_top_k is the hot one (full ranking over ~12k items for ~22k
// users), so it keeps a bounded heap of k candidates instead of sorting all n scores.
#include "eval/metrics.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>

namespace rf {

namespace {

// The first min(k, n) positions of `ranked`, each marked 1 when it is a target seen there for the first
// time. Both duplicate rules of metrics.h live here: a repeated item earns nothing, and a target listed
// twice in `relevant` is one target.
struct Truncated {
  std::vector<char> gain;  // per position: 1 for a first-time hit
  int64_t targets = 0;     // distinct targets
};

Truncated truncate_hits(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k) {
  Truncated t;
  if (k <= 0 || ranked.empty() || relevant.empty()) return t;
  const std::unordered_set<int32_t> targets(relevant.begin(), relevant.end());
  t.targets = static_cast<int64_t>(targets.size());
  const size_t n = std::min(ranked.size(), static_cast<size_t>(k));
  t.gain.assign(n, 0);
  std::unordered_set<int32_t> seen;
  for (size_t i = 0; i < n; ++i) {
    if (!seen.insert(ranked[i]).second) continue;
    if (targets.count(ranked[i])) t.gain[i] = 1;
  }
  return t;
}

int64_t hit_count(const Truncated& t) {
  int64_t hits = 0;
  for (char g : t.gain) hits += g;
  return hits;
}

// "a ranks before b": higher score first, then the lower index. NaN scores rank after every number so
// that one bad score cannot scramble the order of the rest.
inline bool ranks_before(const std::vector<float>& s, int32_t a, int32_t b) {
  const float sa = s[static_cast<size_t>(a)];
  const float sb = s[static_cast<size_t>(b)];
  const bool na = std::isnan(sa), nb = std::isnan(sb);
  if (na != nb) return nb;
  if (!na && sa != sb) return sa > sb;
  return a < b;
}

std::vector<char> exclude_mask(size_t n, const std::vector<int32_t>& exclude) {
  std::vector<char> mask;
  if (exclude.empty()) return mask;
  mask.assign(n, 0);
  // Indices outside the catalogue cannot be ranked anyway, so they are simply ignored.
  for (int32_t e : exclude)
    if (e >= 0 && static_cast<size_t>(e) < n) mask[static_cast<size_t>(e)] = 1;
  return mask;
}

void check_same_size(const std::vector<double>& predicted, const std::vector<double>& truth, const char* fn) {
  if (predicted.size() != truth.size())
    throw Error(std::string(fn) + ": " + std::to_string(predicted.size()) + " predictions but " +
                std::to_string(truth.size()) + " true ratings");
}

void check_item(int32_t item, int32_t n_items, const char* fn, size_t list, size_t pos) {
  if (item < 0 || item >= n_items)
    throw Error(std::string(fn) + ": item index " + std::to_string(item) + " at list " + std::to_string(list) +
                ", position " + std::to_string(pos) + " is outside the catalogue of " + std::to_string(n_items) +
                " items");
}

}  // namespace

// --- ranking -----------------------------------------------------------------------------------------

double metric_hit_at(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k) {
  return hit_count(truncate_hits(ranked, relevant, k)) > 0 ? 1.0 : 0.0;
}

double metric_recall_at(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k) {
  const Truncated t = truncate_hits(ranked, relevant, k);
  if (t.targets == 0) return 0.0;
  return static_cast<double>(hit_count(t)) / static_cast<double>(t.targets);
}

double metric_precision_at(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k) {
  const Truncated t = truncate_hits(ranked, relevant, k);
  if (t.gain.empty()) return 0.0;
  // K beyond the list uses the whole list, so the denominator is the number of positions looked at.
  return static_cast<double>(hit_count(t)) / static_cast<double>(t.gain.size());
}

double metric_ndcg_at(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k) {
  const Truncated t = truncate_hits(ranked, relevant, k);
  if (t.gain.empty() || t.targets == 0) return 0.0;
  double dcg = 0.0;
  for (size_t i = 0; i < t.gain.size(); ++i)
    if (t.gain[i]) dcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
  const int64_t ideal_hits = std::min<int64_t>(static_cast<int64_t>(t.gain.size()), t.targets);
  double idcg = 0.0;
  for (int64_t i = 0; i < ideal_hits; ++i) idcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
  return dcg / idcg;
}

double metric_mrr(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant, int k) {
  const int depth = k <= 0 ? static_cast<int>(std::min<size_t>(ranked.size(), 0x7fffffff)) : k;
  const Truncated t = truncate_hits(ranked, relevant, depth);
  for (size_t i = 0; i < t.gain.size(); ++i)
    if (t.gain[i]) return 1.0 / static_cast<double>(i + 1);
  return 0.0;
}

std::vector<int32_t> rank_top_k(const std::vector<float>& scores, int k, const std::vector<int32_t>& exclude) {
  std::vector<int32_t> heap;
  if (k <= 0 || scores.empty()) return heap;
  const std::vector<char> mask = exclude_mask(scores.size(), exclude);
  const auto n = static_cast<int32_t>(scores.size());
  const size_t cap = std::min(static_cast<size_t>(k), scores.size());
  heap.reserve(cap);
  // A heap whose front is the worst of the kept candidates: O(n log k). With comparator `ranks_before`
  // the heap's "largest" element is the one every other kept candidate ranks before.
  auto worse_first = [&scores](int32_t a, int32_t b) { return ranks_before(scores, a, b); };
  int32_t i = 0;
  for (; i < n && heap.size() < cap; ++i) {
    if (!mask.empty() && mask[static_cast<size_t>(i)]) continue;
    heap.push_back(i);
    std::push_heap(heap.begin(), heap.end(), worse_first);
  }
  if (heap.size() == cap) {
    // Items come in increasing index, so a tie with the current worst loses (the worst has the lower
    // index): only a strictly higher score, or any number against a NaN worst, gets in. Most items fail
    // the first comparison, which keeps the scan at a few cycles per item.
    float worst = scores[static_cast<size_t>(heap.front())];
    bool worst_nan = std::isnan(worst);
    for (; i < n; ++i) {
      const float v = scores[static_cast<size_t>(i)];
      if (!(v > worst) && !(worst_nan && !std::isnan(v))) continue;
      if (!mask.empty() && mask[static_cast<size_t>(i)]) continue;
      std::pop_heap(heap.begin(), heap.end(), worse_first);
      heap.back() = i;
      std::push_heap(heap.begin(), heap.end(), worse_first);
      worst = scores[static_cast<size_t>(heap.front())];
      worst_nan = std::isnan(worst);
    }
  }
  std::sort(heap.begin(), heap.end(), worse_first);  // a total order, so the result is the same everywhere
  return heap;
}

int64_t rank_of(const std::vector<float>& scores, int32_t target, const std::vector<int32_t>& exclude) {
  if (target < 0 || static_cast<size_t>(target) >= scores.size())
    throw Error("rank_of: target item " + std::to_string(target) + " is outside the " +
                std::to_string(scores.size()) + " scores");
  const float* s = scores.data();
  const auto n = static_cast<int64_t>(scores.size());
  const float t = s[target];
  // Count everything ranked before the target with plain (vectorisable) loops, then take the excluded
  // items back out: a lower index wins a tie, and a NaN target comes after every number.
  int64_t before = 0;
  if (!std::isnan(t)) {
    for (int64_t i = 0; i < target; ++i) before += s[i] >= t;
    for (int64_t i = target + 1; i < n; ++i) before += s[i] > t;
  } else {
    for (int64_t i = 0; i < n; ++i) before += !std::isnan(s[i]);
    for (int64_t i = 0; i < target; ++i) before += std::isnan(s[i]);
  }
  if (!exclude.empty()) {
    std::vector<int32_t> ex(exclude);
    std::sort(ex.begin(), ex.end());
    ex.erase(std::unique(ex.begin(), ex.end()), ex.end());
    for (int32_t e : ex) {
      if (e < 0 || e >= n || e == target) continue;
      if (ranks_before(scores, e, target)) --before;
    }
  }
  return before + 1;
}

// --- lists ---------------------------------------------------------------------------------------------

double list_ilad_jaccard(const std::vector<std::vector<int32_t>>& category_sets) {
  const size_t n = category_sets.size();
  if (n < 2) return 0.0;
  // Sorted, de-duplicated copies so that each pair is one linear merge.
  std::vector<std::vector<int32_t>> sets(category_sets);
  for (auto& s : sets) {
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
  }
  double total = 0.0;
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b) {
      const auto& x = sets[a];
      const auto& y = sets[b];
      size_t i = 0, j = 0, common = 0;
      while (i < x.size() && j < y.size()) {
        if (x[i] < y[j]) ++i;
        else if (y[j] < x[i]) ++j;
        else { ++common; ++i; ++j; }
      }
      const size_t uni = x.size() + y.size() - common;
      if (uni > 0) total += 1.0 - static_cast<double>(common) / static_cast<double>(uni);
    }
  }
  return total / (static_cast<double>(n) * static_cast<double>(n - 1) / 2.0);
}

double list_ilad_cosine(const std::vector<float>& embeddings, int64_t n, int64_t dim) {
  if (n < 2) return 0.0;
  if (dim <= 0) throw Error("list_ilad_cosine: embedding size " + std::to_string(dim) + " must be positive");
  if (static_cast<int64_t>(embeddings.size()) < n * dim)
    throw Error("list_ilad_cosine: " + std::to_string(embeddings.size()) + " values cannot hold " + std::to_string(n) +
                " embeddings of size " + std::to_string(dim));
  std::vector<double> norms(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (int64_t d = 0; d < dim; ++d) {
      const double v = embeddings[static_cast<size_t>(i * dim + d)];
      s += v * v;
    }
    norms[static_cast<size_t>(i)] = std::sqrt(s);
  }
  double total = 0.0;
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t b = a + 1; b < n; ++b) {
      const double na = norms[static_cast<size_t>(a)], nb = norms[static_cast<size_t>(b)];
      if (na == 0.0 || nb == 0.0) {
        total += 1.0;
        continue;
      }
      double dot = 0.0;
      for (int64_t d = 0; d < dim; ++d)
        dot += static_cast<double>(embeddings[static_cast<size_t>(a * dim + d)]) *
               static_cast<double>(embeddings[static_cast<size_t>(b * dim + d)]);
      total += 1.0 - std::clamp(dot / (na * nb), -1.0, 1.0);
    }
  }
  return total / (static_cast<double>(n) * static_cast<double>(n - 1) / 2.0);
}

double list_novelty(const std::vector<int32_t>& ranked, const std::vector<double>& popularity, double total_interactions) {
  if (ranked.empty() || !(total_interactions > 0)) return 0.0;
  std::unordered_set<int32_t> seen;
  double sum = 0.0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    const int32_t item = ranked[i];
    if (item < 0 || static_cast<size_t>(item) >= popularity.size())
      throw Error("list_novelty: item index " + std::to_string(item) + " at position " + std::to_string(i) +
                  " has no popularity (" + std::to_string(popularity.size()) + " items)");
    if (!seen.insert(item).second) continue;  // a repeated item earns nothing but still takes its place
    const double pop = std::max(popularity[static_cast<size_t>(item)], 1.0);
    sum += -std::log2(pop / total_interactions);
  }
  return sum / static_cast<double>(ranked.size());
}

double list_novelty_normalised(const std::vector<int32_t>& ranked, const std::vector<double>& popularity,
                               double total_interactions) {
  if (!(total_interactions > 1)) return 0.0;  // the maximum log2(total) is 0: nothing can be novel
  return list_novelty(ranked, popularity, total_interactions) / std::log2(total_interactions);
}

// --- whole runs ------------------------------------------------------------------------------------------

double catalogue_coverage(const std::vector<std::vector<int32_t>>& lists, int32_t n_items) {
  if (n_items <= 0) return 0.0;
  std::vector<char> shown(static_cast<size_t>(n_items), 0);
  int64_t distinct = 0;
  for (size_t l = 0; l < lists.size(); ++l) {
    for (size_t p = 0; p < lists[l].size(); ++p) {
      const int32_t item = lists[l][p];
      check_item(item, n_items, "catalogue_coverage", l, p);
      if (!shown[static_cast<size_t>(item)]) {
        shown[static_cast<size_t>(item)] = 1;
        ++distinct;
      }
    }
  }
  return static_cast<double>(distinct) / static_cast<double>(n_items);
}

// G = Σ_i (2i − n − 1) · x_(i) / (n · Σ x) over the exposure counts sorted ascending (i = 1..n), which equals
// the mean absolute difference formula Σ_i Σ_j |x_i − x_j| / (2 n² mean). An item repeated inside one list
// counts once for that list.
double exposure_gini(const std::vector<std::vector<int32_t>>& lists, int32_t n_items) {
  if (n_items <= 0) return 0.0;
  std::vector<int64_t> count(static_cast<size_t>(n_items), 0);
  std::vector<int64_t> last_list(static_cast<size_t>(n_items), -1);
  int64_t total = 0;
  for (size_t l = 0; l < lists.size(); ++l) {
    for (size_t p = 0; p < lists[l].size(); ++p) {
      const int32_t item = lists[l][p];
      check_item(item, n_items, "exposure_gini", l, p);
      if (last_list[static_cast<size_t>(item)] == static_cast<int64_t>(l)) continue;
      last_list[static_cast<size_t>(item)] = static_cast<int64_t>(l);
      ++count[static_cast<size_t>(item)];
      ++total;
    }
  }
  if (total == 0) return 0.0;
  std::sort(count.begin(), count.end());
  const double n = static_cast<double>(n_items);
  double weighted = 0.0;
  for (size_t i = 0; i < count.size(); ++i)
    weighted += (2.0 * static_cast<double>(i + 1) - n - 1.0) * static_cast<double>(count[i]);
  return weighted / (n * static_cast<double>(total));
}

// --- ratings ---------------------------------------------------------------------------------------------

double rating_mae(const std::vector<double>& predicted, const std::vector<double>& truth) {
  check_same_size(predicted, truth, "rating_mae");
  if (predicted.empty()) return 0.0;
  double sum = 0.0;
  for (size_t i = 0; i < predicted.size(); ++i) sum += std::fabs(predicted[i] - truth[i]);
  return sum / static_cast<double>(predicted.size());
}

double rating_rmse(const std::vector<double>& predicted, const std::vector<double>& truth) {
  check_same_size(predicted, truth, "rating_rmse");
  if (predicted.empty()) return 0.0;
  double sum = 0.0;
  for (size_t i = 0; i < predicted.size(); ++i) sum += (predicted[i] - truth[i]) * (predicted[i] - truth[i]);
  return std::sqrt(sum / static_cast<double>(predicted.size()));
}

double rating_exact_match(const std::vector<double>& predicted, const std::vector<double>& truth, double step) {
  check_same_size(predicted, truth, "rating_exact_match");
  if (!(step > 0)) throw Error("rating_exact_match: step " + std::to_string(step) + " must be positive");
  if (predicted.empty()) return 0.0;
  int64_t match = 0;
  for (size_t i = 0; i < predicted.size(); ++i) {
    // std::round sends halves away from zero: 3.5 stars with step 1 becomes 4.
    const double rounded = std::round(predicted[i] / step) * step;
    if (std::fabs(rounded - truth[i]) < 1e-9) ++match;
  }
  return static_cast<double>(match) / static_cast<double>(predicted.size());
}

double rating_within_one(const std::vector<double>& predicted, const std::vector<double>& truth) {
  check_same_size(predicted, truth, "rating_within_one");
  if (predicted.empty()) return 0.0;
  int64_t within = 0;
  for (size_t i = 0; i < predicted.size(); ++i)
    if (std::fabs(predicted[i] - truth[i]) <= 1.0 + 1e-9) ++within;
  return static_cast<double>(within) / static_cast<double>(predicted.size());
}

}  // namespace rf
