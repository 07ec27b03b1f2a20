// Replaying a recommender against the sample world's simulated users, round by round, and the built-in
// recommenders of the filter-bubble demo ("more-of-the-same", "popularity", "random", "diverse").
// Coverage and Gini are computed here with the formulas of eval/metrics.h, because the data library sits
// below eval and cannot call it.
#include "data/sample_world.h"

#include "data/sample_world_internal.h"
#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>

namespace rf {

using namespace sample_world_detail;

namespace {

constexpr uint64_t kReplayStream = 101;
constexpr uint64_t kRandomRecommenderStream = 102;
constexpr size_t kRecentWindow = 10;

// Share of the catalogue shown to anyone, and G = Σ_i (2i − n − 1) x_(i) / (n Σx) over exposure counts.
void exposure_stats(const std::vector<std::vector<int32_t>>& lists, size_t n_items, double& coverage, double& gini) {
  std::vector<int64_t> count(n_items, 0);
  int64_t total = 0, distinct = 0;
  for (const auto& list : lists) {
    for (int32_t item : list) {
      if (count[static_cast<size_t>(item)]++ == 0) ++distinct;
      ++total;
    }
  }
  coverage = n_items ? static_cast<double>(distinct) / static_cast<double>(n_items) : 0.0;
  gini = 0.0;
  if (total == 0) return;
  std::sort(count.begin(), count.end());
  const double n = static_cast<double>(n_items);
  double weighted = 0.0;
  for (size_t i = 0; i < count.size(); ++i) weighted += (2.0 * static_cast<double>(i + 1) - n - 1.0) * static_cast<double>(count[i]);
  gini = weighted / (n * static_cast<double>(total));
}

// Items by observed popularity (interactions in the data set), most popular first, ties by index.
std::vector<int32_t> popularity_order(const SampleWorld& w) {
  std::vector<int32_t> order(w.dataset.items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&w](int32_t a, int32_t b) {
    return w.dataset.items[static_cast<size_t>(a)].popularity > w.dataset.items[static_cast<size_t>(b)].popularity;
  });
  return order;
}

std::vector<char> consumed_mask(size_t n_items, const std::vector<int32_t>& history) {
  std::vector<char> mask(n_items, 0);
  for (int32_t item : history)
    if (item >= 0 && static_cast<size_t>(item) < n_items) mask[static_cast<size_t>(item)] = 1;
  return mask;
}

std::vector<int64_t> topic_counts(const SampleWorld& w, const std::vector<int32_t>& history) {
  std::vector<int64_t> count(w.topics.size(), 0);
  for (int32_t item : history)
    if (item >= 0 && static_cast<size_t>(item) < w.item_topic.size()) ++count[static_cast<size_t>(w.item_topic[static_cast<size_t>(item)])];
  return count;
}

// Slots per topic proportional to its share of the user's last kRecentWindow items (largest remainder,
// ties by topic), the most popular unconsumed items of each topic first; slots a topic cannot fill go to
// the next topics. Feeding users their own recent diet back is what narrows it: the choice model favours
// the strongest taste among what is shown, so the leading topic's share grows round after round and the
// topics tried once drop out of the window.
SampleRecommenderFn more_of_the_same(const SampleWorld& world) {
  auto order = std::make_shared<std::vector<int32_t>>(popularity_order(world));
  return [&world, order](int32_t, const std::vector<int32_t>& history, int k) {
    std::vector<int32_t> out;
    if (k <= 0) return out;
    const std::vector<char> consumed = consumed_mask(world.item_topic.size(), history);
    const size_t recent = std::min(history.size(), kRecentWindow);
    const std::vector<int64_t> count =
        topic_counts(world, std::vector<int32_t>(history.end() - static_cast<std::ptrdiff_t>(recent), history.end()));
    const int64_t total = std::accumulate(count.begin(), count.end(), int64_t{0});
    std::vector<int32_t> topics(count.size());
    std::iota(topics.begin(), topics.end(), 0);
    std::stable_sort(topics.begin(), topics.end(), [&count](int32_t a, int32_t b) { return count[static_cast<size_t>(a)] > count[static_cast<size_t>(b)]; });
    std::vector<int> slots(count.size(), 0);
    if (total > 0) {
      int given = 0;
      std::vector<double> remainder(count.size(), 0.0);
      for (size_t t = 0; t < count.size(); ++t) {
        const double exact = static_cast<double>(k) * static_cast<double>(count[t]) / static_cast<double>(total);
        slots[t] = static_cast<int>(std::floor(exact));
        remainder[t] = exact - slots[t];
        given += slots[t];
      }
      std::vector<int32_t> by_remainder = topics;
      std::stable_sort(by_remainder.begin(), by_remainder.end(),
                       [&remainder](int32_t a, int32_t b) { return remainder[static_cast<size_t>(a)] > remainder[static_cast<size_t>(b)]; });
      for (size_t j = 0; given < k && j < by_remainder.size(); ++j, ++given) ++slots[static_cast<size_t>(by_remainder[j])];
    }
    // Fill topic by topic in the order of the user's counts; what a topic cannot fill carries over.
    std::vector<char> taken(world.item_topic.size(), 0);
    int carry = 0;
    for (int32_t t : topics) {
      int want = slots[static_cast<size_t>(t)] + carry;
      for (int32_t item : *order) {
        if (want == 0) break;
        if (world.item_topic[static_cast<size_t>(item)] != t || consumed[static_cast<size_t>(item)]) continue;
        out.push_back(item);
        taken[static_cast<size_t>(item)] = 1;
        --want;
      }
      carry = want;
    }
    for (int32_t item : *order) {  // topics exhausted (or an empty history): the most popular of the rest
      if (static_cast<int>(out.size()) >= k) break;
      if (!consumed[static_cast<size_t>(item)] && !taken[static_cast<size_t>(item)]) out.push_back(item);
    }
    return out;
  };
}

SampleRecommenderFn popularity(const SampleWorld& world) {
  auto order = std::make_shared<std::vector<int32_t>>(popularity_order(world));
  return [&world, order](int32_t, const std::vector<int32_t>& history, int k) {
    std::vector<int32_t> out;
    const std::vector<char> consumed = consumed_mask(world.item_topic.size(), history);
    for (int32_t item : *order) {
      if (static_cast<int>(out.size()) >= k) break;
      if (!consumed[static_cast<size_t>(item)]) out.push_back(item);
    }
    return out;
  };
}

SampleRecommenderFn random_items(const SampleWorld& world, uint64_t seed) {
  auto rng = std::make_shared<Rng>(stream_seed(seed, kRandomRecommenderStream));
  return [&world, rng](int32_t, const std::vector<int32_t>& history, int k) {
    const std::vector<char> consumed = consumed_mask(world.item_topic.size(), history);
    std::vector<int32_t> pool;
    for (size_t i = 0; i < consumed.size(); ++i)
      if (!consumed[i]) pool.push_back(static_cast<int32_t>(i));
    // A partial Fisher-Yates: the first k positions are a uniform sample without replacement.
    const size_t take = std::min(pool.size(), static_cast<size_t>(std::max(k, 0)));
    for (size_t i = 0; i < take; ++i)
      std::swap(pool[i], pool[i + static_cast<size_t>(rng->below(static_cast<int64_t>(pool.size() - i)))]);
    pool.resize(take);
    return pool;
  };
}

// Taste-aware but diversified: at most ceil(k / 4) items per topic, so a list spans at least four topics.
// Topics come in the order of the user's history counts, then, among topics they have not tried, those
// whose group (fiction, music, ...) they consume most; within a topic the most popular unconsumed items.
SampleRecommenderFn diverse(const SampleWorld& world) {
  auto order = std::make_shared<std::vector<int32_t>>(popularity_order(world));
  return [&world, order](int32_t, const std::vector<int32_t>& history, int k) {
    std::vector<int32_t> out;
    if (k <= 0) return out;
    const std::vector<char> consumed = consumed_mask(world.item_topic.size(), history);
    const std::vector<int64_t> count = topic_counts(world, history);
    const size_t n_topics = count.size();
    std::map<std::string, int64_t> group_count;
    for (size_t t = 0; t < n_topics; ++t) group_count[world.topics[t].group] += count[t];
    std::vector<int32_t> topics(n_topics);
    std::iota(topics.begin(), topics.end(), 0);
    std::stable_sort(topics.begin(), topics.end(), [&](int32_t a, int32_t b) {
      const auto ua = static_cast<size_t>(a), ub = static_cast<size_t>(b);
      if (count[ua] != count[ub]) return count[ua] > count[ub];
      return group_count[world.topics[ua].group] > group_count[world.topics[ub].group];
    });
    const int cap = (k + 3) / 4;
    std::vector<int> per_topic(n_topics, 0);
    std::vector<char> taken(world.item_topic.size(), 0);
    for (int32_t t : topics) {
      for (int32_t item : *order) {
        if (static_cast<int>(out.size()) >= k || per_topic[static_cast<size_t>(t)] >= cap) break;
        if (world.item_topic[static_cast<size_t>(item)] != t || consumed[static_cast<size_t>(item)]) continue;
        out.push_back(item);
        taken[static_cast<size_t>(item)] = 1;
        ++per_topic[static_cast<size_t>(t)];
      }
    }
    for (int32_t item : *order) {  // fewer than four topics left: fill up with the most popular of the rest
      if (static_cast<int>(out.size()) >= k) break;
      if (!consumed[static_cast<size_t>(item)] && !taken[static_cast<size_t>(item)]) out.push_back(item);
    }
    return out;
  };
}

}  // namespace

std::vector<std::string> sample_world_recommender_names() { return {"more-of-the-same", "popularity", "random", "diverse"}; }

SampleRecommenderFn sample_world_recommender(const SampleWorld& world, const std::string& name, uint64_t seed) {
  if (name == "more-of-the-same") return more_of_the_same(world);
  if (name == "popularity") return popularity(world);
  if (name == "random") return random_items(world, seed);
  if (name == "diverse") return diverse(world);
  throw Error("sample world: unknown recommender '" + name + "' (expected more-of-the-same, popularity, random or diverse)");
}

std::vector<SampleReplayRound> sample_world_replay(const SampleWorld& world, const SampleRecommenderFn& recommender,
                                                   const SampleReplayOptions& options) {
  if (options.rounds < 1 || options.rounds > 10000) throw Error("replay: rounds must be between 1 and 10000, got " + std::to_string(options.rounds));
  if (options.k < 1 || options.k > world.dataset.item_count())
    throw Error("replay: k must be between 1 and the " + std::to_string(world.dataset.item_count()) + " items, got " +
                std::to_string(options.k));
  if (options.start_history < 0 || options.entropy_window < 1 || options.max_consumed < 1 ||
      !(options.more_probability >= 0 && options.more_probability <= 1))
    throw Error("replay: start_history >= 0, entropy_window >= 1, max_consumed >= 1 and more_probability in [0, 1]");
  if (!recommender) throw Error("replay: no recommender given");

  const size_t n_items = world.item_topic.size();
  const auto n_users = static_cast<int32_t>(world.user_taste.size());
  Rng rng(stream_seed(options.seed, kReplayStream));
  // Everyone starts from the beginning of their logged history: long enough to have a taste, short
  // enough to leave most of the catalogue to the recommender.
  std::vector<std::vector<int32_t>> history = dataset_user_item_sequences(world.dataset);
  history.resize(static_cast<size_t>(n_users));
  for (auto& h : history)
    if (h.size() > static_cast<size_t>(options.start_history)) h.resize(static_cast<size_t>(options.start_history));
  std::vector<std::vector<char>> consumed(static_cast<size_t>(n_users));
  for (int32_t u = 0; u < n_users; ++u) consumed[static_cast<size_t>(u)] = consumed_mask(n_items, history[static_cast<size_t>(u)]);

  std::vector<SampleReplayRound> rounds;
  std::vector<double> weight;
  for (int r = 1; r <= options.rounds; ++r) {
    SampleReplayRound row;
    row.round = r;
    std::vector<std::vector<int32_t>> lists(static_cast<size_t>(n_users));
    double sat_consumed = 0.0;
    for (int32_t u = 0; u < n_users; ++u) {
      auto& h = history[static_cast<size_t>(u)];
      auto& seen = consumed[static_cast<size_t>(u)];
      // What is shown: valid, new to the user, no repeats, at most k.
      std::vector<int32_t> shown;
      std::vector<char> in_list(n_items, 0);
      for (int32_t item : recommender(u, h, options.k)) {
        if (static_cast<int>(shown.size()) >= options.k) break;
        if (item < 0 || static_cast<size_t>(item) >= n_items || seen[static_cast<size_t>(item)] || in_list[static_cast<size_t>(item)]) continue;
        in_list[static_cast<size_t>(item)] = 1;
        shown.push_back(item);
      }
      const SampleListScore score = sample_world_score_list(world, u, shown);
      row.satisfaction_shown += score.mean_satisfaction;
      row.entropy_shown += score.topic_entropy;
      // Consume one item by the choice model restricted to the list, then maybe more.
      std::vector<int32_t> remaining = shown;
      for (int c = 0; c < options.max_consumed && !remaining.empty(); ++c) {
        if (c > 0 && !rng.chance(options.more_probability)) break;
        const int32_t last_topic = h.empty() ? -1 : world.item_topic[static_cast<size_t>(h.back())];
        weight.resize(remaining.size());
        for (size_t j = 0; j < remaining.size(); ++j) weight[j] = std::exp(choice_logit(world, u, remaining[j], last_topic));
        const size_t pick = rng.pick(weight);
        const int32_t item = remaining[pick];
        remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(pick));
        h.push_back(item);
        seen[static_cast<size_t>(item)] = 1;
        sat_consumed += sample_world_satisfaction(world, u, item);
        ++row.consumed;
      }
      const size_t window = std::min(h.size(), static_cast<size_t>(options.entropy_window));
      row.entropy_consumed += sample_world_topic_entropy(world, std::vector<int32_t>(h.end() - static_cast<std::ptrdiff_t>(window), h.end()));
      lists[static_cast<size_t>(u)] = std::move(shown);
    }
    if (n_users > 0) {
      row.satisfaction_shown /= n_users;
      row.entropy_shown /= n_users;
      row.entropy_consumed /= n_users;
    }
    row.satisfaction_consumed = row.consumed ? sat_consumed / static_cast<double>(row.consumed) : 0.0;
    exposure_stats(lists, n_items, row.coverage, row.gini);
    rounds.push_back(row);
  }
  return rounds;
}

std::vector<SampleReplayRound> sample_world_replay(const SampleWorld& world, const SampleRecommenderFn& recommender,
                                                   int rounds, int k, uint64_t seed) {
  SampleReplayOptions options;
  options.rounds = rounds;
  options.k = k;
  options.seed = seed;
  return sample_world_replay(world, recommender, options);
}

}  // namespace rf
