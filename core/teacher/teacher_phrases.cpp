// Phrase picking and filling for the rule-based teacher (teacher_phrases.h).
#include "teacher/teacher_phrases.h"

#include "util/error.h"

#include <cmath>
#include <cstdio>

namespace rf {

std::string phrase_fill(const std::string& pattern, const PhraseVars& vars) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const size_t close = pattern.find('}', i);
    if (close == std::string::npos) throw Error("teacher phrase: unclosed '{' in \"" + pattern + "\"");
    const std::string name = pattern.substr(i + 1, close - i - 1);
    const auto it = vars.find(name);
    if (it == vars.end()) throw Error("teacher phrase: no value for {" + name + "} in \"" + pattern + "\"");
    out += it->second;
    i = close;
  }
  return out;
}

std::string phrase_pick(PhraseRng& rng, const std::vector<std::string>& options, const PhraseVars& vars) {
  if (options.empty()) throw Error("teacher phrase: no phrasing to pick from");
  return phrase_fill(options[rng.below(options.size())], vars);
}

std::string phrase_pick_unused(PhraseRng& rng, const std::vector<std::string>& options, const PhraseVars& vars,
                               std::set<std::string>& used) {
  std::vector<const std::string*> fresh;
  for (const auto& o : options)
    if (!used.count(o)) fresh.push_back(&o);
  if (fresh.empty()) return phrase_pick(rng, options, vars);
  const std::string& pattern = *fresh[rng.below(fresh.size())];
  used.insert(pattern);
  return phrase_fill(pattern, vars);
}

std::string phrase_join(const std::vector<std::string>& parts, const std::string& last_sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? last_sep : ", ";
    out += parts[i];
  }
  return out;
}

std::string phrase_number(double value) {
  if (!std::isfinite(value)) return "unknown";
  const double rounded = std::round(value * 100.0) / 100.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", rounded);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

uint64_t phrase_seed(uint64_t seed, int64_t user) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(user) + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace rf
