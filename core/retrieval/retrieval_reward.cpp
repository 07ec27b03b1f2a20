// NDCG reward of a retrieved ranking: see retrieval_reward.h.
#include "retrieval/retrieval_reward.h"

#include "util/error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_set>

namespace rf {

namespace {

std::string rank_list(const std::vector<int>& ranks) {
  std::string s;
  const size_t shown = std::min<size_t>(ranks.size(), 5);
  for (size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  if (ranks.size() > shown) s += ", …";
  return s;
}

}  // namespace

RetrievalReward retrieval_ndcg(const std::vector<int32_t>& ranked, const std::map<int32_t, double>& gains, int k) {
  if (k < 1) throw Error("retrieval NDCG: k must be >= 1 (got " + std::to_string(k) + ")");
  RetrievalReward r;
  r.retrieved = static_cast<int>(ranked.size());
  std::vector<double> ideal;
  for (const auto& [doc, g] : gains)
    if (g > 0) ideal.push_back(g);
  const std::string of = " of " + std::to_string(r.retrieved) + " retrieved";
  if (ideal.empty()) {
    r.explanation = "no relevant target (every gain is 0)";
    return r;
  }
  std::sort(ideal.begin(), ideal.end(), std::greater<>());
  double idcg = 0;
  for (size_t i = 0; i < ideal.size() && i < static_cast<size_t>(k); ++i) idcg += ideal[i] / std::log2(i + 2.0);

  double dcg = 0;
  std::vector<int> ranks;  // 1-based ranks of relevant documents, anywhere in the list
  std::unordered_set<int32_t> seen;  // a document listed twice counts once (its best rank)
  for (size_t i = 0; i < ranked.size(); ++i) {
    const auto it = gains.find(ranked[i]);
    if (it == gains.end() || it->second <= 0 || !seen.insert(ranked[i]).second) continue;
    ranks.push_back(static_cast<int>(i) + 1);
    if (i < static_cast<size_t>(k)) dcg += it->second / std::log2(i + 2.0);
  }
  r.value = dcg / idcg;
  r.best_rank = ranks.empty() ? 0 : ranks.front();
  const size_t targets = ideal.size();
  if (targets == 1) {
    r.explanation = ranks.empty() ? "target not among the " + std::to_string(r.retrieved) + " retrieved"
                                  : "target at rank " + std::to_string(ranks[0]) + of;
  } else {
    r.explanation = std::to_string(ranks.size()) + " of " + std::to_string(targets) + " targets retrieved";
    if (!ranks.empty()) r.explanation += " (ranks " + rank_list(ranks) + ")";
    r.explanation += of;
  }
  if (!ranks.empty() && ranks.front() > k) r.explanation += ", none in the top " + std::to_string(k);
  return r;
}

RetrievalReward retrieval_ndcg(const std::vector<Bm25Hit>& ranked, const std::map<int32_t, double>& gains, int k) {
  std::vector<int32_t> docs;
  docs.reserve(ranked.size());
  for (const Bm25Hit& h : ranked) docs.push_back(h.doc);
  return retrieval_ndcg(docs, gains, k);
}

std::map<int32_t, double> retrieval_binary_gains(const std::vector<int32_t>& targets) {
  std::map<int32_t, double> g;
  for (int32_t t : targets) g[t] = 1.0;
  return g;
}

double retrieval_esci_gain(std::string_view label) {
  std::string l;
  for (char c : label) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "e" || l == "exact") return 1.0;
  if (l == "s" || l == "substitute") return 0.1;
  if (l == "c" || l == "complement") return 0.01;
  if (l == "i" || l == "irrelevant") return 0.0;
  throw Error("ESCI label '" + std::string(label) + "' is not one of E, S, C, I");
}

RetrievalReward retrieval_reward(Bm25Index& index, std::string_view query_text, const std::map<int32_t, double>& gains,
                                 const RetrievalRewardOptions& options) {
  if (options.depth < 1 || options.k < 1)
    throw Error("retrieval reward: k and depth must be >= 1 (got k " + std::to_string(options.k) + ", depth " +
                std::to_string(options.depth) + ")");
  const Bm25Query q = index.parse(query_text, options.parse);
  if (!q.ok) {
    RetrievalReward r;
    r.explanation = q.reason;
    return r;
  }
  return retrieval_ndcg(index.search(q, options.depth), gains, options.k);
}

}  // namespace rf
