// Splits (leave-last-out, temporal) and seeded candidate pools: see split.h for the conventions.
// Randomness is std::mt19937_64 (its output sequence is fixed by the C++ standard) with our own integer
// sampling, and each user's stream is derived from (seed, user) alone, so pools are the same on every
// platform and in whatever order (or on whatever thread) users are processed.
#include "data/split.h"

#include "util/error.h"

#include <algorithm>
#include <random>
#include <unordered_set>

namespace rf {

namespace {

// splitmix64's finaliser: a bijective mix, so distinct (seed, user) pairs give unrelated seeds.
uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::mt19937_64 user_stream(uint64_t seed, int32_t user) {
  return std::mt19937_64(mix64(mix64(seed) ^ static_cast<uint64_t>(static_cast<uint32_t>(user))));
}

// Uniform integer in [0, n), n > 0, by rejection of the biased top of the 64-bit range (no modulo bias,
// and unlike std::uniform_int_distribution the same on every standard library).
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t threshold = (0 - n) % n;  // = 2^64 mod n
  for (;;) {
    const uint64_t x = rng();
    if (x >= threshold) return x % n;
  }
}

void check_interactions(const Dataset& ds, const char* what) {
  for (size_t i = 0; i < ds.interactions.size(); ++i) {
    const auto& x = ds.interactions[i];
    if (x.user < 0 || x.user >= ds.user_count() || x.item < 0 || x.item >= ds.item_count())
      throw Error(std::string(what) + ": interaction " + std::to_string(i) + " has user " + std::to_string(x.user) +
                  " / item " + std::to_string(x.item) + " outside the dataset (" + std::to_string(ds.user_count()) +
                  " users, " + std::to_string(ds.item_count()) + " items)");
  }
}

// The sorted, de-duplicated items a pool must not draw as negatives; checks every index.
std::vector<int32_t> excluded_items(int32_t n_items, const std::vector<int32_t>& targets,
                                    const std::vector<int32_t>& user_items) {
  std::vector<int32_t> out;
  out.reserve(targets.size() + user_items.size());
  for (const auto* list : {&targets, &user_items}) {
    for (int32_t i : *list) {
      if (i < 0 || i >= n_items)
        throw Error("candidates_sample: item index " + std::to_string(i) + " is outside the catalogue (" +
                    std::to_string(n_items) + " items)");
      out.push_back(i);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool sorted_contains(const std::vector<int32_t>& sorted, int32_t x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

// Draws `need` items uniformly without replacement from the items not in `excluded`.
void sample_uniform(std::mt19937_64& rng, int32_t n_items, const std::vector<int32_t>& excluded, int64_t need,
                    std::vector<int32_t>& out) {
  const int64_t available = n_items - static_cast<int64_t>(excluded.size());
  if (need * 4 <= available) {
    // Sparse: rejection of excluded / already chosen items accepts at least 3/4 of the draws among the
    // available ones.
    std::unordered_set<int32_t> chosen;
    while (static_cast<int64_t>(chosen.size()) < need) {
      const auto i = static_cast<int32_t>(uniform_below(rng, static_cast<uint64_t>(n_items)));
      if (sorted_contains(excluded, i) || !chosen.insert(i).second) continue;
      out.push_back(i);
    }
    return;
  }
  // Dense: a partial Fisher-Yates shuffle of the available items.
  std::vector<int32_t> pool;
  pool.reserve(static_cast<size_t>(available));
  for (int32_t i = 0; i < n_items; ++i)
    if (!sorted_contains(excluded, i)) pool.push_back(i);
  for (int64_t k = 0; k < need; ++k) {
    const auto j = k + static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(available - k)));
    std::swap(pool[static_cast<size_t>(k)], pool[static_cast<size_t>(j)]);
    out.push_back(pool[static_cast<size_t>(k)]);
  }
}

// Draws `need` items without replacement with probability proportional to popularity (successive draws,
// each among the items still allowed). Items of zero popularity come only after every popular one is taken.
void sample_popularity(std::mt19937_64& rng, const std::vector<int64_t>& cumulative, const std::vector<int32_t>& excluded,
                       int64_t need, std::vector<int32_t>& out) {
  const auto n_items = static_cast<int32_t>(cumulative.size());
  const int64_t total = cumulative.empty() ? 0 : cumulative.back();
  std::unordered_set<int32_t> chosen;
  // Fast path: draw from the whole catalogue's prefix sums and reject what is not allowed. A budget of
  // draws bounds it when the allowed items hold little of the popularity mass.
  if (total > 0) {
    int64_t budget = 64 * need + 4096;
    while (static_cast<int64_t>(chosen.size()) < need && budget-- > 0) {
      const auto r = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(total)));
      const auto i = static_cast<int32_t>(std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin());
      if (sorted_contains(excluded, i) || !chosen.insert(i).second) continue;
      out.push_back(i);
    }
  }
  if (static_cast<int64_t>(chosen.size()) >= need) return;
  // Exact path: the same distribution over an explicit list of what is left.
  std::vector<int32_t> rest;
  std::vector<int64_t> weight;
  for (int32_t i = 0; i < n_items; ++i) {
    if (sorted_contains(excluded, i) || chosen.count(i)) continue;
    rest.push_back(i);
    weight.push_back(cumulative[static_cast<size_t>(i)] - (i > 0 ? cumulative[static_cast<size_t>(i) - 1] : 0));
  }
  int64_t rest_total = 0;
  for (int64_t w : weight) rest_total += w;
  while (static_cast<int64_t>(chosen.size()) < need && rest_total > 0) {
    int64_t r = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(rest_total)));
    size_t k = 0;
    while (r >= weight[k]) r -= weight[k++];
    chosen.insert(rest[k]);
    out.push_back(rest[k]);
    rest_total -= weight[k];
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(k));
    weight.erase(weight.begin() + static_cast<std::ptrdiff_t>(k));
  }
  // Only never-seen items are left: uniform among them.
  for (size_t k = 0; static_cast<int64_t>(chosen.size()) < need; ++k) {
    const size_t j = k + static_cast<size_t>(uniform_below(rng, rest.size() - k));
    std::swap(rest[k], rest[j]);
    chosen.insert(rest[k]);
    out.push_back(rest[k]);
  }
}

}  // namespace

Split split_leave_last_out(const Dataset& ds) {
  check_interactions(ds, "split_leave_last_out");
  Split split;
  split.kind = "leave-last-out";
  const auto sequences = dataset_user_item_sequences(ds);
  split.users.resize(sequences.size());
  for (size_t u = 0; u < sequences.size(); ++u) {
    const auto& seq = sequences[u];
    auto& s = split.users[u];
    if (seq.size() < 3) {
      s.train = seq;
      continue;
    }
    s.train.assign(seq.begin(), seq.end() - 2);
    s.valid = {seq[seq.size() - 2]};
    s.test = {seq.back()};
  }
  return split;
}

Split split_temporal(const Dataset& ds, int64_t valid_from, int64_t test_from) {
  if (valid_from > test_from)
    throw Error("split_temporal: valid_from (" + std::to_string(valid_from) + ") is after test_from (" +
                std::to_string(test_from) + ")");
  check_interactions(ds, "split_temporal");
  Split split;
  split.kind = "temporal";
  const auto histories = dataset_user_histories(ds);
  split.users.resize(histories.size());
  for (size_t u = 0; u < histories.size(); ++u) {
    auto& s = split.users[u];
    for (int32_t x : histories[u]) {
      const auto& it = ds.interactions[static_cast<size_t>(x)];
      if (it.time < valid_from) s.train.push_back(it.item);
      else if (it.time < test_from) s.valid.push_back(it.item);
      else s.test.push_back(it.item);
    }
  }
  return split;
}

CandidateSampler candidates_sampler(const Dataset& ds) {
  CandidateSampler sampler;
  sampler.ds = &ds;
  std::vector<int64_t> counts(static_cast<size_t>(ds.item_count()), 0);
  for (size_t i = 0; i < ds.interactions.size(); ++i) {
    const int32_t item = ds.interactions[i].item;
    if (item < 0 || item >= ds.item_count())
      throw Error("candidates_sampler: interaction " + std::to_string(i) + " has item " + std::to_string(item) +
                  " outside the catalogue (" + std::to_string(ds.item_count()) + " items)");
    ++counts[static_cast<size_t>(item)];
  }
  sampler.cumulative.resize(counts.size());
  int64_t sum = 0;
  for (size_t i = 0; i < counts.size(); ++i) sampler.cumulative[i] = (sum += counts[i]);
  return sampler;
}

std::vector<int32_t> candidates_sample(const CandidateSampler& sampler, int32_t user, const std::vector<int32_t>& targets,
                                       const std::vector<int32_t>& user_items, const CandidateOptions& options) {
  if (!sampler.ds) throw Error("candidates_sample: the sampler was not built (candidates_sampler)");
  const Dataset& ds = *sampler.ds;
  if (user < 0 || user >= ds.user_count())
    throw Error("candidates_sample: user index " + std::to_string(user) + " is outside the dataset (" +
                std::to_string(ds.user_count()) + " users)");
  const int32_t n_items = ds.item_count();
  const std::vector<int32_t> excluded = excluded_items(n_items, targets, user_items);

  std::vector<int32_t> pool;
  for (int32_t t : targets)
    if (std::find(pool.begin(), pool.end(), t) == pool.end()) pool.push_back(t);
  if (options.pool_size < static_cast<int32_t>(pool.size()))
    throw Error("candidates_sample: pool_size " + std::to_string(options.pool_size) + " is smaller than the " +
                std::to_string(pool.size()) + " targets of user '" + ds.users[static_cast<size_t>(user)].id + "'");
  const int64_t need = options.pool_size - static_cast<int64_t>(pool.size());
  const int64_t available = n_items - static_cast<int64_t>(excluded.size());
  if (need > available)
    throw Error("candidates_sample: a pool of " + std::to_string(options.pool_size) + " for user '" +
                ds.users[static_cast<size_t>(user)].id + "' needs " + std::to_string(need) + " negatives but only " +
                std::to_string(available) + " of the " + std::to_string(n_items) +
                " items are neither targets nor the user's items");

  if (options.sampling == NegativeSampling::Popularity && sampler.cumulative.size() != static_cast<size_t>(n_items))
    throw Error("candidates_sample: the sampler's popularity table has " + std::to_string(sampler.cumulative.size()) +
                " items but the dataset has " + std::to_string(n_items) + " (rebuild it with candidates_sampler)");
  std::mt19937_64 rng = user_stream(options.seed, user);
  pool.reserve(static_cast<size_t>(options.pool_size));
  if (options.sampling == NegativeSampling::Popularity) sample_popularity(rng, sampler.cumulative, excluded, need, pool);
  else sample_uniform(rng, n_items, excluded, need, pool);

  if (options.shuffle) {
    for (size_t k = pool.size(); k > 1; --k) std::swap(pool[k - 1], pool[static_cast<size_t>(uniform_below(rng, k))]);
  }
  return pool;
}

std::vector<int32_t> candidates_sample(const Dataset& ds, int32_t user, const std::vector<int32_t>& targets,
                                       const std::vector<int32_t>& user_items, const CandidateOptions& options) {
  if (options.sampling == NegativeSampling::Popularity) return candidates_sample(candidates_sampler(ds), user, targets, user_items, options);
  // Uniform sampling needs no tables: skip the O(interactions) pass.
  CandidateSampler sampler;
  sampler.ds = &ds;
  return candidates_sample(sampler, user, targets, user_items, options);
}

}  // namespace rf
