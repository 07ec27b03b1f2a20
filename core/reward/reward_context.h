// What every completion of a run shares when it is scored: the catalogue (the Dataset), statistics derived
// from it once (popularity shares and percentiles, first-seen times, interned category sets), the list
// matcher that reads item ids and titles back from model text, optional item embeddings and the BM25
// retriever of the Query recipe. Built once per data set and read by many threads at once.
#pragma once

#include "data/dataset.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rf {

class Bm25Index;
class ListMatcher;

// Row-major (n_items, dim) item vectors, for diversity over embeddings.
struct ItemEmbeddings {
  std::vector<float> data;  // (n, dim)
  int64_t n = 0;
  int64_t dim = 0;
};

// Per-item numbers the components and business rules read, computed once from the Dataset.
struct RewardCatalogue {
  std::vector<double> popularity;        // (items) Item::popularity, or counted from interactions when all are 0
  double total_interactions = 0;         // Σ popularity
  std::vector<double> popularity_percentile;  // (items) 100 × share of items with strictly lower popularity
  std::vector<int64_t> first_seen;       // (items) earliest interaction time; INT64_MAX when never seen
  int64_t reference_time = 0;            // latest interaction time in the data set ("now" for freshness)
  std::vector<std::vector<int32_t>> category_ids;  // (items) categories interned to ints, sorted, for Jaccard
  std::vector<int32_t> creator_ids;      // (items) creator interned; -1 when unknown
};

RewardCatalogue reward_catalogue_build(const Dataset& ds);

struct RewardContext {
  RewardContext();
  ~RewardContext();
  RewardContext(RewardContext&&) noexcept;
  RewardContext& operator=(RewardContext&&) noexcept;

  const Dataset* dataset = nullptr;            // must outlive the context
  RewardCatalogue catalogue;
  std::unique_ptr<ListMatcher> matcher;        // item ids (Item::id) and titles of `dataset`
  const ItemEmbeddings* embeddings = nullptr;  // optional, must outlive the context
  // Query recipe: the retriever queries run on. Not thread-safe: RewardComposite::score_batch gives each
  // worker thread its own clone; a single-completion score() uses it directly.
  Bm25Index* retriever = nullptr;
};

// Builds the catalogue statistics and the list matcher of `ds` (fuzzy title threshold as output_parse.h).
std::unique_ptr<RewardContext> reward_context_build(const Dataset& ds, const ItemEmbeddings* embeddings = nullptr,
                                                    Bm25Index* retriever = nullptr, double fuzzy_threshold = 0.85);

}  // namespace rf
