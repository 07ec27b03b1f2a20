// Train / validation / test splits of each user's history, and candidate pools for a user.
// All randomness is seeded: the same dataset, options and seed give the same result on every machine
// (std::mt19937_64 with explicit integer arithmetic, never std::*_distribution, whose output differs
// between standard libraries).
#pragma once

#include "data/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rf {

struct UserSplit {
  std::vector<int32_t> train;  // item indices, time order
  std::vector<int32_t> valid;  // held out for validation / early stopping
  std::vector<int32_t> test;   // held out for the final numbers
};

struct Split {
  std::string kind;              // "leave-last-out" or "temporal"
  std::vector<UserSplit> users;  // indexed by user index
};

// Per user in time order: the last item is test, the second last validation, the rest train. Users with
// fewer than 3 interactions keep everything in train (they are not evaluated).
Split split_leave_last_out(const Dataset& ds);

// Interactions with time < valid_from are train, valid_from <= time < test_from validation, the rest test.
Split split_temporal(const Dataset& ds, int64_t valid_from, int64_t test_from);

enum class NegativeSampling { Uniform, Popularity };

struct CandidateOptions {
  int32_t pool_size = 20;  // total size, targets included
  NegativeSampling sampling = NegativeSampling::Uniform;
  uint64_t seed = 0;
  bool shuffle = true;  // shuffle targets among the negatives (else targets first)
};

// A candidate pool for `user`: the `targets` plus negatives sampled without replacement from the items
// the user never interacted with (`user_items`: all of the user's items, any split). The pool depends only
// on (seed, user, targets, dataset), so pools are reproducible per user whatever order users are processed in.
// Throws rf::Error when the catalogue has too few items to fill the pool.
std::vector<int32_t> candidates_sample(const Dataset& ds, int32_t user, const std::vector<int32_t>& targets,
                                       const std::vector<int32_t>& user_items, const CandidateOptions& options);

// Sampling tables built once per dataset (popularity prefix sums), so that drawing the pools of many users
// costs O(pool · log items) per user instead of O(items). Popularity = the item's number of interactions
// in ds.interactions (all splits), as integers, so the draws are exact on every platform; items nobody
// interacted with are drawn (uniformly) only once no item with interactions is left. The sampler
// keeps a pointer to `ds`, which must outlive it and not change.
struct CandidateSampler {
  const Dataset* ds = nullptr;
  std::vector<int64_t> cumulative;  // (items) running sum of interaction counts
};

CandidateSampler candidates_sampler(const Dataset& ds);

// The same pool as candidates_sample(ds, ...) above, with the tables built once.
std::vector<int32_t> candidates_sample(const CandidateSampler& sampler, int32_t user, const std::vector<int32_t>& targets,
                                       const std::vector<int32_t>& user_items, const CandidateOptions& options);

}  // namespace rf
