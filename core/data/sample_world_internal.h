// Internals shared by the sample-world files (not part of the public API): the platform-independent
// random source, the topic vocabulary, and the truth formulas the generator and the replay both use.
#pragma once

#include "data/sample_world.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace rf::sample_world_detail {

// std::mt19937_64's output is fixed by the C++ standard; everything built on it here is plain arithmetic,
// so the same seed draws the same numbers with libstdc++, libc++ and MSVC alike.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1): safe under log().
  double uniform_open() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // Uniform integer in [0, n) without modulo bias (rejection of the short last block).
  int64_t below(int64_t n) {
    if (n <= 1) return 0;
    const uint64_t un = static_cast<uint64_t>(n);
    const uint64_t limit = UINT64_MAX - UINT64_MAX % un;
    uint64_t x = next();
    while (x >= limit) x = next();
    return static_cast<int64_t>(x % un);
  }
  bool chance(double p) { return uniform() < p; }
  // Approximately standard normal: the Irwin-Hall sum of 12 uniforms minus 6 (no libm involved).
  double normal() {
    double s = 0.0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s - 6.0;
  }
  double exponential() { return -std::log(uniform_open()); }
  // Index drawn with probability ∝ weights[i] (all >= 0, not all 0); inverse CDF in index order.
  size_t pick(const std::vector<double>& weights);
  template <typename T>
  void shuffle(std::vector<T>& v) {  // Fisher-Yates; std::shuffle's algorithm is not specified
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(below(static_cast<int64_t>(i)))]);
  }

 private:
  std::mt19937_64 engine_;
};

// An independent stream per purpose (items, users, interactions, replay ...), so that changing the number
// of users leaves the catalogue as it was. SplitMix64 finaliser over seed and a purpose tag.
uint64_t stream_seed(uint64_t seed, uint64_t purpose);

// Rounds to `decimals` places; values are stored rounded so that what world.json holds is exactly what
// the generator used.
inline double round_to(double x, int decimals) {
  double scale = 1.0;
  for (int i = 0; i < decimals; ++i) scale *= 10.0;  // exact, unlike pow() on some libms
  return std::round(x * scale) / scale;
}

struct TopicVocab {
  SampleTopic topic;
  std::string kind;                       // as written in item texts: "space opera novel"
  std::string hint;                       // as written in profiles: "big space adventures"
  std::vector<std::string> templates;     // titles: {A} {B} {C} are filled from the lists below
  std::vector<std::string> a, b, c;
  std::vector<std::string> tags;
  std::vector<std::string> tones;
  std::vector<std::string> phrases;       // the end of the item's sentence ("about ...", "with ...")
  std::string length_unit;                // attribute name: "pages", "minutes" or "episodes"
  int length_min = 0, length_max = 0;
  int price_min_cents = 0, price_max_cents = 0;
};

const std::vector<TopicVocab>& vocab_topics();
const std::vector<std::string>& vocab_first_names();
const std::vector<std::string>& vocab_surnames();
const std::vector<std::string>& vocab_age_bands();
const std::vector<std::string>& vocab_neutral_hints();  // profile lines that reveal nothing

// Truth pieces shared by generation, scoring and the replay.
double obscurity(const SampleWorld& w, int32_t item);     // 0 for the most popular item, 1 for the least
double rel_taste(const SampleWorld& w, int32_t user, int32_t item);
// The choice model's log-weight for `item` given the topic of the user's last item (-1: none).
double choice_logit(const SampleWorld& w, int32_t user, int32_t item, int32_t last_topic);

}  // namespace rf::sample_world_detail
