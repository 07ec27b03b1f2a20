// The sample world: a small, readable catalogue (books, albums, films and guides in a dozen topics) and
// users with hidden tastes who interact through a preference-plus-popularity choice process. Because the
// tastes are known, the world can say how good any list truly is (sample_world_satisfaction) and replay a
// recommender against the simulated users to show a filter bubble forming (sample_world_replay).
//
// Everything is a pure function of the options and the seed, on every platform: the generator uses
// std::mt19937_64 with its own integer->double and sampling code (never the <random> distributions, whose
// outputs differ between standard libraries), every tie is broken by index, and files hold floats printed
// with fixed precision. sample_world_write() therefore writes the same bytes for the same seed.
//
// The model (parameters in SampleWorldOptions, all recorded in world.json):
//   taste(u, t)       user u's weight on topic t: Dirichlet(1) weights over 1-3 topics, 0 elsewhere
//   rel_taste(u, i)   taste(u, topic(i)) / max_t taste(u, t), in [0, 1]
//   obscurity(i)      1 - log(pop_i / pop_min) / log(pop_max / pop_min), in [0, 1] (0: the most popular item)
//   satisfaction(u,i) 0.15 + 0.55 rel_taste + 0.20 quality_i + 0.10 (a_u obscurity_i + (1 - a_u)(1 - obscurity_i))
//                     in [0.15, 1], a_u the user's novelty appetite; expected rating about 1.5 + 3.5 satisfaction
//   choice            P(i) ∝ exp(β rel_taste + γ (1 - a_u) log pop_i + δ [topic(i) = topic of the last item]
//                     + 0.5 quality_i) over the items the user has not consumed yet
//   rating            clamp(round(1.5 + 3.5 satisfaction + 0.5 ε), 1, 5), ε ~ N(0, 1) (Irwin-Hall)
#pragma once

#include "data/dataset.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rf {

constexpr int kSampleWorldVersion = 2;  // 2: item ids name their topic (SampleWorldOptions::topic_ids)
constexpr uint64_t kSampleWorldDefaultSeed = 7;

struct SampleWorldOptions {
  uint64_t seed = kSampleWorldDefaultSeed;
  int32_t n_items = 300;
  int32_t n_users = 300;
  int32_t n_topics = 12;              // at most sample_world_topic_count()
  double mean_interactions = 30;      // per user; log-normal (long-tailed), at least min_interactions
  int32_t min_interactions = 5;
  double zipf_exponent = 1.0;         // latent popularity of the r-th most popular item ∝ r^-s
  double beta = 3.0;                  // weight of taste in the choice
  double gamma = 2.0;                 // weight of log popularity (scaled by 1 - novelty appetite)
  double delta = 0.5;                 // pull towards the topic of the item consumed last
  double local_share = 0.10;          // share of items tagged `local` (a business-rule tag)
  int64_t epoch = 1704067200;         // 2024-01-01T00:00:00Z: first possible interaction time
  // Item ids name their topic and number the topic's items ("noir07"), like the semantic ids of generative
  // recommenders: a model then chooses a topic with one token and the item with the next, and can see which
  // topics its list already holds (docs/results.md, "Ids that name their topic"). false: "i0001", ...
  // (version 1's ids, numbered over the whole catalogue).
  bool topic_ids = true;
};

struct SampleTopic {
  std::string name;   // e.g. "space opera" (the item's first category)
  std::string group;  // e.g. "fiction" (the item's second category)
  std::string medium; // e.g. "novel"
  std::string id_prefix;  // e.g. "space": its items' ids with topic_ids ("space07"); letters only
};

struct SampleWorld {
  SampleWorldOptions options;
  std::vector<SampleTopic> topics;
  // Hidden truth, by item index (same order as dataset.items).
  std::vector<int32_t> item_topic;
  std::vector<double> item_popularity;  // latent popularity weight in (0, 1], the most popular item 1
  std::vector<double> item_quality;     // in [0, 1]
  // Hidden truth, by user index (same order as dataset.users).
  std::vector<std::vector<double>> user_taste;  // (n_users, n_topics), rows sum to 1
  std::vector<double> user_novelty;             // novelty appetite in [0, 1]
  // What the world looks like from outside: the catalogue, users and their interactions.
  Dataset dataset;
};

int32_t sample_world_topic_count();  // topics available in the vocabulary (12)

// Builds the world; throws rf::Error on options out of range (naming the option).
SampleWorld sample_world_generate(const SampleWorldOptions& options);

// True expected satisfaction of `user` with `item`, in [0.15, 1] (formula above).
double sample_world_satisfaction(const SampleWorld& world, int32_t user, int32_t item);

struct SampleListScore {
  double mean_satisfaction = 0;  // mean true satisfaction of the list's items (0 for an empty list)
  double topic_entropy = 0;      // entropy in bits of the topics of the list's items
};
// Throws rf::Error for an item or user index outside the world.
SampleListScore sample_world_score_list(const SampleWorld& world, int32_t user, const std::vector<int32_t>& list);

// Entropy in bits of the topic distribution of `items` (0 for fewer than 2 items).
double sample_world_topic_entropy(const SampleWorld& world, const std::vector<int32_t>& items);

// --- files ------------------------------------------------------------------------------------------------
// Writes the generic import form (items.jsonl, users.jsonl, interactions.csv) plus world.json (topics, hidden
// tastes, parameters, seed, generator version) and README.md into `dir` (created when missing).
void sample_world_write(const SampleWorld& world, const std::string& dir);
// Reads a folder written by sample_world_write back, the hidden truth included. Errors name file, line, field.
SampleWorld sample_world_load(const std::string& dir);
// The README.md text of a written world (also what sample_data/README.md holds).
std::string sample_world_readme(const SampleWorld& world);

// --- replay -----------------------------------------------------------------------------------------------
// A recommender as the replay sees it: the k items to show `user` given what they consumed so far.
using SampleRecommenderFn =
    std::function<std::vector<int32_t>(int32_t user, const std::vector<int32_t>& history, int k)>;

struct SampleReplayOptions {
  int rounds = 10;
  int k = 10;
  uint64_t seed = kSampleWorldDefaultSeed;
  int start_history = 5;       // users start from their first N interactions (leaves room for the replay)
  int entropy_window = 10;     // "consumed" entropy is over each user's last N consumed items
  double more_probability = 0.3;  // after each consumption, chance of consuming one more shown item
  int max_consumed = 3;           // per user and round
};

struct SampleReplayRound {
  int round = 0;                          // 1-based
  double satisfaction_shown = 0;          // mean over users of the mean true satisfaction of their list
  double satisfaction_consumed = 0;       // mean true satisfaction of the items consumed this round
  double entropy_shown = 0;               // mean over users of the topic entropy (bits) of their list
  double entropy_consumed = 0;            // mean over users of the topic entropy of their recent consumption
  double coverage = 0;                    // share of the catalogue shown to anyone this round
  double gini = 0;                        // Gini of exposure this round
  int64_t consumed = 0;                   // items consumed this round, all users
};

// Each round every user is shown k items by `recommender` (invalid, repeated or already consumed items
// are dropped), consumes one of them by the world's choice model restricted to the list, then more with
// probability more_probability each; histories grow. Deterministic for a seed.
std::vector<SampleReplayRound> sample_world_replay(const SampleWorld& world, const SampleRecommenderFn& recommender,
                                                   const SampleReplayOptions& options);
// The same with the default options but `rounds`, `k` and `seed`.
std::vector<SampleReplayRound> sample_world_replay(const SampleWorld& world, const SampleRecommenderFn& recommender,
                                                   int rounds, int k, uint64_t seed);

// Built-in recommenders for the demo: "more-of-the-same", "popularity", "random", "diverse". The function
// keeps a reference to `world`, which must outlive it; "random" draws from its own stream of `seed`.
std::vector<std::string> sample_world_recommender_names();
SampleRecommenderFn sample_world_recommender(const SampleWorld& world, const std::string& name, uint64_t seed);

}  // namespace rf
