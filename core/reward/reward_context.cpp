// Catalogue statistics and the shared scoring context: see reward_context.h.
#include "reward/reward_context.h"

#include "text/output_parse.h"
#include "util/error.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace rf {

RewardContext::RewardContext() = default;
RewardContext::~RewardContext() = default;
RewardContext::RewardContext(RewardContext&&) noexcept = default;
RewardContext& RewardContext::operator=(RewardContext&&) noexcept = default;

RewardCatalogue reward_catalogue_build(const Dataset& ds) {
  RewardCatalogue c;
  const size_t n = ds.items.size();
  c.popularity.resize(n, 0);
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    c.popularity[i] = ds.items[i].popularity;
    any = any || ds.items[i].popularity > 0;
  }
  c.first_seen.assign(n, std::numeric_limits<int64_t>::max());
  c.reference_time = std::numeric_limits<int64_t>::min();
  for (const Interaction& x : ds.interactions) {
    if (x.item < 0 || static_cast<size_t>(x.item) >= n) continue;
    // Counted here only when the importer left popularity unset (dataset_update_popularity not called).
    if (!any) c.popularity[x.item] += 1;
    c.first_seen[x.item] = std::min(c.first_seen[x.item], x.time);
    c.reference_time = std::max(c.reference_time, x.time);
  }
  if (ds.interactions.empty()) c.reference_time = 0;
  for (double p : c.popularity) c.total_interactions += p;

  // Percentile = 100 × (items with strictly lower popularity) / n: ties share one value, so a band such
  // as "top 10%" never splits equally popular items.
  std::vector<double> sorted = c.popularity;
  std::sort(sorted.begin(), sorted.end());
  c.popularity_percentile.resize(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const size_t lower = static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), c.popularity[i]) - sorted.begin());
    c.popularity_percentile[i] = 100.0 * static_cast<double>(lower) / static_cast<double>(n);
  }

  std::unordered_map<std::string, int32_t> categories;
  std::unordered_map<std::string, int32_t> creators;
  c.category_ids.resize(n);
  c.creator_ids.assign(n, -1);
  for (size_t i = 0; i < n; ++i) {
    for (const std::string& cat : ds.items[i].categories) {
      const auto [it, added] = categories.emplace(cat, static_cast<int32_t>(categories.size()));
      c.category_ids[i].push_back(it->second);
    }
    std::sort(c.category_ids[i].begin(), c.category_ids[i].end());
    c.category_ids[i].erase(std::unique(c.category_ids[i].begin(), c.category_ids[i].end()), c.category_ids[i].end());
    if (!ds.items[i].creator.empty())
      c.creator_ids[i] = creators.emplace(ds.items[i].creator, static_cast<int32_t>(creators.size())).first->second;
  }
  return c;
}

std::unique_ptr<RewardContext> reward_context_build(const Dataset& ds, const ItemEmbeddings* embeddings,
                                                    Bm25Index* retriever, double fuzzy_threshold) {
  if (embeddings && (embeddings->n != static_cast<int64_t>(ds.items.size()) || embeddings->dim < 1 ||
                     static_cast<int64_t>(embeddings->data.size()) != embeddings->n * embeddings->dim))
    throw Error("reward context: item embeddings are (" + std::to_string(embeddings->n) + ", " +
                std::to_string(embeddings->dim) + ") with " + std::to_string(embeddings->data.size()) +
                " values, expected one row per item (" + std::to_string(ds.items.size()) + " items)");
  auto ctx = std::make_unique<RewardContext>();
  ctx->dataset = &ds;
  ctx->catalogue = reward_catalogue_build(ds);
  ListCatalogue lc;
  lc.ids.reserve(ds.items.size());
  lc.titles.reserve(ds.items.size());
  for (const Item& it : ds.items) {
    lc.ids.push_back(it.id);
    lc.titles.push_back(it.title);
  }
  ctx->matcher = std::make_unique<ListMatcher>(std::move(lc), fuzzy_threshold);
  ctx->embeddings = embeddings;
  ctx->retriever = retriever;
  return ctx;
}

}  // namespace rf
