// The sample-world generator and its truth: the catalogue (titles, tags, creators, texts, attributes, a
// long-tailed latent popularity), users with hidden tastes, the interaction process, and the true
// satisfaction any list earns (model in sample_world.h).
#include "data/sample_world.h"

#include "data/sample_world_internal.h"
#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace rf {

using namespace sample_world_detail;

namespace sample_world_detail {

size_t Rng::pick(const std::vector<double>& weights) {
  double total = 0.0;
  for (double w : weights) total += w;
  if (!(total > 0)) return static_cast<size_t>(below(static_cast<int64_t>(weights.size())));
  const double target = uniform() * total;
  double run = 0.0;
  size_t last_positive = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    run += weights[i];
    last_positive = i;
    if (target < run) return i;
  }
  return last_positive;  // rounding left target at the very end
}

uint64_t stream_seed(uint64_t seed, uint64_t purpose) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (purpose + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double obscurity(const SampleWorld& w, int32_t item) {
  const double pop_min = std::pow(static_cast<double>(w.item_popularity.size()), -w.options.zipf_exponent);
  const double span = -std::log(pop_min);  // log(pop_max / pop_min), pop_max = 1
  if (!(span > 0)) return 0.0;
  return std::clamp(-std::log(w.item_popularity[static_cast<size_t>(item)]) / span, 0.0, 1.0);
}

double rel_taste(const SampleWorld& w, int32_t user, int32_t item) {
  const auto& taste = w.user_taste[static_cast<size_t>(user)];
  const double top = *std::max_element(taste.begin(), taste.end());
  if (!(top > 0)) return 0.0;
  return taste[static_cast<size_t>(w.item_topic[static_cast<size_t>(item)])] / top;
}

double choice_logit(const SampleWorld& w, int32_t user, int32_t item, int32_t last_topic) {
  const auto& o = w.options;
  const double appetite = w.user_novelty[static_cast<size_t>(user)];
  const int32_t topic = w.item_topic[static_cast<size_t>(item)];
  return o.beta * rel_taste(w, user, item) +
         o.gamma * (1.0 - appetite) * std::log(w.item_popularity[static_cast<size_t>(item)]) +
         (topic == last_topic ? o.delta : 0.0) + 0.5 * w.item_quality[static_cast<size_t>(item)];
}

}  // namespace sample_world_detail

namespace {

// Stream tags (see stream_seed): one independent random stream per part of the world.
enum Stream : uint64_t { kTopics = 1, kItems = 2, kCreators = 3, kUsers = 4, kInteractions = 5 };

void check_options(const SampleWorldOptions& o) {
  auto fail = [](const std::string& what) { throw Error("sample world: " + what); };
  if (o.n_topics < 1 || o.n_topics > sample_world_topic_count())
    fail("topics must be between 1 and " + std::to_string(sample_world_topic_count()) + ", got " + std::to_string(o.n_topics));
  if (o.n_items < o.n_topics || o.n_items > 100000)
    fail("items must be between the number of topics (" + std::to_string(o.n_topics) + ") and 100000, got " +
         std::to_string(o.n_items));
  if (o.n_users < 1 || o.n_users > 100000) fail("users must be between 1 and 100000, got " + std::to_string(o.n_users));
  if (o.min_interactions < 1 || o.min_interactions > o.n_items / 2)
    fail("min_interactions must be between 1 and half the items, got " + std::to_string(o.min_interactions));
  // A mean above what the catalogue allows just saturates: counts are capped at half the items.
  if (!(o.mean_interactions >= o.min_interactions && o.mean_interactions <= 100000))
    fail("mean_interactions must be between min_interactions and 100000");
  if (!(o.zipf_exponent > 0 && o.zipf_exponent <= 2)) fail("zipf_exponent must be in (0, 2]");
  if (!(o.local_share >= 0 && o.local_share <= 1)) fail("local_share must be in [0, 1]");
  for (double v : {o.beta, o.gamma, o.delta})
    if (!std::isfinite(v)) fail("beta, gamma and delta must be finite");
}

std::string fill_template(const std::string& pattern, const std::string& a, const std::string& b, const std::string& c) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{' && i + 2 < pattern.size() && pattern[i + 2] == '}') {
      const char slot = pattern[i + 1];
      out += slot == 'A' ? a : slot == 'B' ? b : c;
      i += 2;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

std::string price_text(int cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d.%02d", cents / 100, cents % 100);
  return buf;
}

// prefix + number, zero-padded to `width` digits or to as many as `count` has when that is more.
std::string padded_id(const std::string& prefix, int64_t number, int64_t count, int width) {
  for (int64_t c = count, w = 1; c >= 10; c /= 10) width = std::max(width, static_cast<int>(++w));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(number));
  return prefix + buf;
}

const char* article_for(const std::string& word) {
  const char c = word.empty() ? 'x' : word[0];
  return (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') ? "An" : "A";
}

struct Creator {
  std::string name;
  int32_t topic = 0;
};

std::vector<Creator> make_creators(const SampleWorldOptions& o) {
  Rng rng(stream_seed(o.seed, kCreators));
  const auto& first = vocab_first_names();
  const auto& last = vocab_surnames();
  // About five creators per topic for the default catalogue (25 items per topic).
  const int per_topic = std::max(2, static_cast<int>(std::lround(o.n_items / (5.0 * o.n_topics))));
  const int64_t wanted = std::min<int64_t>(static_cast<int64_t>(per_topic) * o.n_topics,
                                           static_cast<int64_t>(first.size() * last.size()));
  std::set<std::string> used;
  std::vector<Creator> out;
  for (int64_t i = 0; i < wanted; ++i) {
    std::string name;
    do {
      name = first[static_cast<size_t>(rng.below(static_cast<int64_t>(first.size())))] + " " +
             last[static_cast<size_t>(rng.below(static_cast<int64_t>(last.size())))];
    } while (!used.insert(name).second);
    out.push_back({name, static_cast<int32_t>(i % o.n_topics)});
  }
  return out;
}

// A title not used yet: a random template of the topic, then (after many clashes) a volume number.
std::string make_title(Rng& rng, const TopicVocab& v, std::set<std::string>& used) {
  auto any = [&rng](const std::vector<std::string>& list) { return list[static_cast<size_t>(rng.below(static_cast<int64_t>(list.size())))]; };
  for (int attempt = 0; attempt < 200; ++attempt) {
    const std::string title = fill_template(any(v.templates), any(v.a), any(v.b), any(v.c));
    if (used.insert(title).second) return title;
  }
  const std::string base = fill_template(any(v.templates), any(v.a), any(v.b), any(v.c));
  for (int volume = 2;; ++volume) {
    const std::string title = base + ", Volume " + std::to_string(volume);
    if (used.insert(title).second) return title;
  }
}

void make_items(SampleWorld& w, const std::vector<Creator>& creators) {
  const auto& o = w.options;
  Rng rng(stream_seed(o.seed, kItems));
  const auto& vocab = vocab_topics();
  const auto n = static_cast<size_t>(o.n_items);

  // Balanced topics in a shuffled order, so item ids do not reveal topic blocks.
  w.item_topic.resize(n);
  for (size_t i = 0; i < n; ++i) w.item_topic[i] = static_cast<int32_t>(i % static_cast<size_t>(o.n_topics));
  rng.shuffle(w.item_topic);
  // Long tail: the item at popularity rank r (a random permutation) gets r^-s.
  std::vector<int64_t> rank(n);
  for (size_t i = 0; i < n; ++i) rank[i] = static_cast<int64_t>(i) + 1;
  rng.shuffle(rank);
  w.item_popularity.resize(n);
  for (size_t i = 0; i < n; ++i)
    w.item_popularity[i] = round_to(std::pow(static_cast<double>(rank[i]), -o.zipf_exponent), 12);
  w.item_quality.resize(n);
  for (size_t i = 0; i < n; ++i) {
    // Popular items tend to be a little better, but quality has a life of its own.
    const double q = 0.5 + 0.15 * rng.normal() + 0.2 * (0.5 - obscurity(w, static_cast<int32_t>(i)));
    w.item_quality[i] = round_to(std::clamp(q, 0.0, 1.0), 3);
  }

  std::vector<std::vector<int32_t>> creators_of(static_cast<size_t>(o.n_topics));
  for (size_t c = 0; c < creators.size(); ++c) creators_of[static_cast<size_t>(creators[c].topic)].push_back(static_cast<int32_t>(c));

  std::vector<int64_t> topic_size(static_cast<size_t>(o.n_topics)), topic_seen(static_cast<size_t>(o.n_topics));
  for (int32_t t : w.item_topic) ++topic_size[static_cast<size_t>(t)];

  std::set<std::string> titles;
  for (size_t i = 0; i < n; ++i) {
    const TopicVocab& v = vocab[static_cast<size_t>(w.item_topic[i])];
    auto any = [&rng](const std::vector<std::string>& list) { return list[static_cast<size_t>(rng.below(static_cast<int64_t>(list.size())))]; };
    Item item;
    const auto topic = static_cast<size_t>(w.item_topic[i]);
    item.id = o.topic_ids ? padded_id(v.topic.id_prefix, ++topic_seen[topic], topic_size[topic], 2)
                          : padded_id("i", static_cast<int64_t>(i) + 1, o.n_items, 4);
    item.title = make_title(rng, v, titles);
    item.categories = {v.topic.name, v.topic.group};
    if (item.categories[0] == item.categories[1]) item.categories.pop_back();

    // Creators mostly work in one topic; one item in eight is a side project from another topic.
    const auto& home = creators_of[static_cast<size_t>(w.item_topic[i])];
    const int32_t creator = rng.chance(0.125) || home.empty()
                                ? static_cast<int32_t>(rng.below(static_cast<int64_t>(creators.size())))
                                : home[static_cast<size_t>(rng.below(static_cast<int64_t>(home.size())))];
    item.creator = creators[static_cast<size_t>(creator)].name;

    // Skewed towards recent years: 2024 - floor(60 u^2).
    const double u = rng.uniform();
    const int year = 2024 - static_cast<int>(std::floor(60.0 * u * u));
    const int length = v.length_min + static_cast<int>(rng.below(v.length_max - v.length_min + 1));
    const int price = v.price_min_cents + 100 * static_cast<int>(rng.below((v.price_max_cents - v.price_min_cents) / 100 + 1));
    item.attributes["year"] = std::to_string(year);
    item.attributes["format"] = v.topic.medium;
    item.attributes[v.length_unit] = std::to_string(length);
    item.attributes["price"] = price_text(price);

    // 3-5 tags: topic tags first, then cross-topic ones that follow from the item, then `local`.
    std::vector<std::string> cross;
    if (year < 1990) cross.push_back("classic");
    if (year >= 2023) cross.push_back("new release");
    if (w.item_quality[i] > 0.7 && rng.chance(0.5)) cross.push_back("award winner");
    if (rng.chance(0.08)) cross.push_back("gift idea");
    if (cross.size() > 2) cross.resize(2);
    if (rng.chance(o.local_share)) cross.push_back("local");
    const int c = static_cast<int>(cross.size());
    const int t = std::clamp(2 + static_cast<int>(rng.below(3)), std::max(1, 3 - c), std::max(1, 5 - c));
    std::vector<std::string> topic_tags = v.tags;
    rng.shuffle(topic_tags);
    item.tags.assign(topic_tags.begin(), topic_tags.begin() + std::min<size_t>(static_cast<size_t>(t), topic_tags.size()));
    item.tags.insert(item.tags.end(), cross.begin(), cross.end());

    const std::string tone = any(v.tones);
    item.text = std::string(article_for(tone)) + " " + tone + " " + v.kind + " " + any(v.phrases) + ".";
    dataset_add_item(w.dataset, std::move(item));
  }
}

void make_users(SampleWorld& w) {
  const auto& o = w.options;
  Rng rng(stream_seed(o.seed, kUsers));
  const auto& vocab = vocab_topics();
  // Some topics have a bigger audience than others: weight 1 / (1 + 0.3 r) over a shuffled topic order.
  std::vector<int32_t> order(static_cast<size_t>(o.n_topics));
  for (size_t t = 0; t < order.size(); ++t) order[t] = static_cast<int32_t>(t);
  rng.shuffle(order);
  std::vector<double> audience(order.size());
  for (size_t r = 0; r < order.size(); ++r) audience[static_cast<size_t>(order[r])] = 1.0 / (1.0 + 0.3 * static_cast<double>(r));

  w.user_taste.assign(static_cast<size_t>(o.n_users), std::vector<double>(static_cast<size_t>(o.n_topics), 0.0));
  w.user_novelty.resize(static_cast<size_t>(o.n_users));
  for (int32_t u = 0; u < o.n_users; ++u) {
    // 1, 2 or 3 liked topics (30 / 45 / 25 %), Dirichlet(1) weights: normalised exponential draws.
    const double r = rng.uniform();
    const int liked = std::min(o.n_topics, r < 0.30 ? 1 : r < 0.75 ? 2 : 3);
    std::vector<double> available = audience;
    auto& taste = w.user_taste[static_cast<size_t>(u)];
    std::vector<int32_t> chosen;
    std::vector<double> draws;
    for (int j = 0; j < liked; ++j) {
      const auto t = static_cast<int32_t>(rng.pick(available));
      available[static_cast<size_t>(t)] = 0.0;
      chosen.push_back(t);
      draws.push_back(rng.exponential());
    }
    double sum = 0.0;
    for (double d : draws) sum += d;
    for (size_t j = 0; j < chosen.size(); ++j) taste[static_cast<size_t>(chosen[j])] = round_to(draws[j] / sum, 4);
    // Beta(2, 3) appetite: the second smallest of four uniforms (mean 0.4).
    double q[4];
    for (double& x : q) x = rng.uniform();
    std::sort(q, q + 4);
    w.user_novelty[static_cast<size_t>(u)] = round_to(q[1], 3);

    // The profile is mildly revealing: half the users mention their favourite topic, the rest say nothing
    // about taste.
    const auto favourite = static_cast<size_t>(std::max_element(taste.begin(), taste.end()) - taste.begin());
    const std::string band = vocab_age_bands()[static_cast<size_t>(rng.below(static_cast<int64_t>(vocab_age_bands().size())))];
    const auto& neutral = vocab_neutral_hints();
    const std::string hint = rng.chance(0.5) ? "enjoys " + vocab[favourite].hint
                                             : neutral[static_cast<size_t>(rng.below(static_cast<int64_t>(neutral.size())))];
    dataset_add_user(w.dataset, User{padded_id("u", u + 1, o.n_users, 4), "age " + band + ", " + hint});
  }
}

void make_interactions(SampleWorld& w) {
  const auto& o = w.options;
  Rng rng(stream_seed(o.seed, kInteractions));
  const auto n_items = static_cast<size_t>(o.n_items);
  // Per-user counts: min + log-normal with mean (mean - min), sigma 0.8 -> a long tail of heavy users.
  const double sigma = 0.8;
  const double mu = std::log(std::max(o.mean_interactions - o.min_interactions, 0.5)) - sigma * sigma / 2.0;
  const int cap = o.n_items / 2;
  std::vector<Interaction> all;
  std::vector<double> weight(n_items);
  std::vector<char> consumed(n_items);
  for (int32_t u = 0; u < o.n_users; ++u) {
    const int count = std::clamp(o.min_interactions + static_cast<int>(std::lround(std::exp(mu + sigma * rng.normal()))),
                                 o.min_interactions, cap);
    std::fill(consumed.begin(), consumed.end(), 0);
    int64_t time = o.epoch + rng.below(180 * 86400);  // users join over half a year
    int32_t last_topic = -1;
    for (int step = 0; step < count; ++step) {
      for (size_t i = 0; i < n_items; ++i)
        weight[i] = consumed[i] ? 0.0 : std::exp(choice_logit(w, u, static_cast<int32_t>(i), last_topic));
      const auto item = static_cast<int32_t>(rng.pick(weight));
      consumed[static_cast<size_t>(item)] = 1;
      last_topic = w.item_topic[static_cast<size_t>(item)];
      const double s = sample_world_satisfaction(w, u, item);
      const double stars = std::clamp(std::round(1.5 + 3.5 * s + 0.5 * rng.normal()), 1.0, 5.0);
      Interaction x;
      x.user = u;
      x.item = item;
      x.time = time;
      x.rating = static_cast<float>(stars);
      all.push_back(x);
      time += 600 + rng.below(3 * 86400);  // 10 minutes to 3 days later
    }
  }
  std::sort(all.begin(), all.end(), [](const Interaction& a, const Interaction& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.user != b.user) return a.user < b.user;
    return a.item < b.item;
  });
  w.dataset.interactions = std::move(all);
}

void check_user_item(const SampleWorld& w, int32_t user, int32_t item) {
  if (user < 0 || static_cast<size_t>(user) >= w.user_taste.size())
    throw Error("sample world: user index " + std::to_string(user) + " is outside the " +
                std::to_string(w.user_taste.size()) + " users");
  if (item < 0 || static_cast<size_t>(item) >= w.item_topic.size())
    throw Error("sample world: item index " + std::to_string(item) + " is outside the " +
                std::to_string(w.item_topic.size()) + " items");
}

}  // namespace

int32_t sample_world_topic_count() { return static_cast<int32_t>(vocab_topics().size()); }

SampleWorld sample_world_generate(const SampleWorldOptions& options) {
  check_options(options);
  SampleWorld w;
  w.options = options;
  for (int32_t t = 0; t < options.n_topics; ++t) w.topics.push_back(vocab_topics()[static_cast<size_t>(t)].topic);
  w.dataset.name = "sample-world";
  w.dataset.source = "sample-world:seed=" + std::to_string(options.seed);
  make_items(w, make_creators(options));
  make_users(w);
  make_interactions(w);
  dataset_update_popularity(w.dataset);
  return w;
}

double sample_world_satisfaction(const SampleWorld& world, int32_t user, int32_t item) {
  check_user_item(world, user, item);
  const double appetite = world.user_novelty[static_cast<size_t>(user)];
  const double obscure = obscurity(world, item);
  const double novelty_fit = appetite * obscure + (1.0 - appetite) * (1.0 - obscure);
  return 0.15 + 0.55 * rel_taste(world, user, item) + 0.20 * world.item_quality[static_cast<size_t>(item)] +
         0.10 * novelty_fit;
}

double sample_world_topic_entropy(const SampleWorld& world, const std::vector<int32_t>& items) {
  if (items.size() < 2) return 0.0;
  std::vector<int64_t> count(world.topics.size(), 0);
  for (int32_t item : items) {
    if (item < 0 || static_cast<size_t>(item) >= world.item_topic.size())
      throw Error("sample world: item index " + std::to_string(item) + " is outside the " +
                  std::to_string(world.item_topic.size()) + " items");
    ++count[static_cast<size_t>(world.item_topic[static_cast<size_t>(item)])];
  }
  const double n = static_cast<double>(items.size());
  double h = 0.0;
  for (int64_t c : count)
    if (c > 0) h -= (static_cast<double>(c) / n) * std::log2(static_cast<double>(c) / n);
  return h;
}

SampleListScore sample_world_score_list(const SampleWorld& world, int32_t user, const std::vector<int32_t>& list) {
  SampleListScore score;
  if (list.empty()) {
    check_user_item(world, user, 0);
    return score;
  }
  double sum = 0.0;
  for (int32_t item : list) sum += sample_world_satisfaction(world, user, item);
  score.mean_satisfaction = sum / static_cast<double>(list.size());
  score.topic_entropy = sample_world_topic_entropy(world, list);
  return score;
}

}  // namespace rf
