// Varied wording for the rule-based teacher: a seeded generator, picking one of several phrasings of the
// same sentence, and `{name}` placeholders filled from a small variable map. Teacher traces are SFT data,
// so one fixed sentence would teach the model that sentence; several phrasings chosen per trace keep the
// wording varied while the content stays tied to the data. All choices use integer arithmetic on
// std::mt19937_64 (never std::*_distribution), so a seed gives the same traces on every platform.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace rf {

class PhraseRng {
 public:
  explicit PhraseRng(uint64_t seed) : gen_(seed) {}
  // A number in [0, n) (n >= 1).
  size_t below(size_t n) { return n <= 1 ? 0 : static_cast<size_t>(gen_() % n); }
  bool chance(int percent) { return static_cast<int>(gen_() % 100) < percent; }

 private:
  std::mt19937_64 gen_;
};

using PhraseVars = std::map<std::string, std::string>;

// `pattern` with every `{name}` replaced by vars[name]; an unknown name is an rf::Error (a bug in a phrase bank).
std::string phrase_fill(const std::string& pattern, const PhraseVars& vars);

// One of `options`, filled. rf::Error when `options` is empty.
std::string phrase_pick(PhraseRng& rng, const std::vector<std::string>& options, const PhraseVars& vars = {});

// Like phrase_pick, but avoids the patterns already in `used` (while any is left) and adds the one it
// picks: a trace that explains several items does not repeat one sentence.
std::string phrase_pick_unused(PhraseRng& rng, const std::vector<std::string>& options, const PhraseVars& vars,
                               std::set<std::string>& used);

// "a", "a and b", "a, b and c".
std::string phrase_join(const std::vector<std::string>& parts, const std::string& last_sep = " and ");

// A rating as people write it: 4 -> "4", 3.5 -> "3.5", 3.25 -> "3.25" (at most two decimals).
std::string phrase_number(double value);

// A 64-bit seed for one trace from the run's seed and the user's index (splitmix64 of both), so a user's
// trace does not depend on which other users were chosen.
uint64_t phrase_seed(uint64_t seed, int64_t user);

}  // namespace rf
