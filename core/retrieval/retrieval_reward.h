// The Query recipe's reward (Rec-R1): run the model's query through the BM25 retriever and score the
// ranking by NDCG@k of the target item(s). Gains are binary (each target 1) or graded, e.g. ESCI's
// E = 1.0, S = 0.1, C = 0.01, I = 0 (Reddy et al. 2022); DCG uses linear gains, gain / log2(rank + 1), as
// trec_eval's ndcg_cut does, and the ideal DCG is that of the targets sorted by gain.
#pragma once

#include "retrieval/bm25_index.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rf {

struct RetrievalReward {
  double value = 0;         // NDCG@k in [0, 1]
  int best_rank = 0;        // 1-based rank of the best-ranked target among the retrieved, 0 when none
  int retrieved = 0;        // how many documents the retriever returned
  std::string explanation;  // e.g. "target at rank 3 of 1000 retrieved"
};

// NDCG@k of `ranked` (best first) against `gains` (doc -> gain; docs absent or with gain <= 0 are not
// relevant). k >= 1. A map without any positive gain gives 0 with an explanation saying so.
RetrievalReward retrieval_ndcg(const std::vector<int32_t>& ranked, const std::map<int32_t, double>& gains, int k);
RetrievalReward retrieval_ndcg(const std::vector<Bm25Hit>& ranked, const std::map<int32_t, double>& gains, int k);

// Every target with gain 1.
std::map<int32_t, double> retrieval_binary_gains(const std::vector<int32_t>& targets);

// ESCI label -> gain: E 1.0, S 0.1, C 0.01, I 0; rf::Error for any other label. Case-insensitive, and
// the long names (Exact, Substitute, Complement, Irrelevant) are accepted too.
double retrieval_esci_gain(std::string_view label);

struct RetrievalRewardOptions {
  int k = 1000;      // NDCG cut-off
  int depth = 1000;  // documents retrieved (Rec-R1 retrieves the top 1000 in training); k > depth counts as depth
  QueryParseOptions parse;
};

// Parses `query_text` with the index's tokenizer, retrieves the top `depth` and scores NDCG@k. A query
// without searchable words gets 0 and its parser's reason as the explanation.
RetrievalReward retrieval_reward(Bm25Index& index, std::string_view query_text, const std::map<int32_t, double>& gains,
                                 const RetrievalRewardOptions& options = {});

}  // namespace rf
