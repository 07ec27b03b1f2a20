// Title normalisation and fuzzy title lookup, for reading item titles out of model answers ("The
// Shawshenk Redemption" -> item 318). Normalising folds what models change when they restate a title:
// case, accents, Unicode punctuation and quotes, `&` vs "and", a leading "The"/"A"/"An", MovieLens's moved
// article ("American President, The"), a trailing year "(1995)" and spacing. Fuzzy similarity is the
// normalised Levenshtein ratio 1 − edits / max(length) over code points, found through a character-trigram
// index: one edit changes at most 3 trigrams, so a title within k edits shares all but 3k of the query's
// trigrams and must hold one of its 3k + 1 rarest; only those posting lists are read (prefix filtering),
// then the shared count and the banded Levenshtein distance confirm.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rf {

// "American President, The (1995)" -> "american president"; "Amélie" -> "amelie"; "Beauty & the Beast" ->
// "beauty and the beast". Always valid UTF-8; "" when nothing letter- or number-like is left.
std::string title_normalise(std::string_view title);

// The normalised forms a catalogue title answers to: the whole title, and for MovieLens-style alternative
// titles in trailing brackets ("Seven (a.k.a. Se7en) (1995)") the title before the brackets and each
// bracketed title ("seven", "se7en"). The whole title comes first; no duplicates, no empty strings.
std::vector<std::string> title_aliases(std::string_view title);

// 1 − Levenshtein(a, b) / max(|a|, |b|) over code points; 1 for two empty strings.
double title_similarity(std::string_view a, std::string_view b);

// Fuzzy lookup over normalised titles. Built once, then read-only (safe to share between threads).
class TitleIndex {
 public:
  struct Match {
    int32_t item = -1;  // -1: nothing reached the threshold
    double similarity = 0;
  };

  // Adds one normalised form of `item` (an item may have several: its aliases).
  void add(int32_t item, std::string_view normalised);
  // The most similar title with similarity >= threshold (ties: the smaller item index).
  Match find(std::string_view normalised, double threshold) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    int32_t item;
    std::u32string text;
  };
  std::vector<Entry> entries_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> postings_;  // trigram -> entries holding it
  // Flat per-entry arrays, so the filters read contiguous memory: code-point length, and the entry's
  // distinct sorted trigrams with their 12-bit hashes at [gram_begin_[e], gram_begin_[e + 1]).
  std::vector<uint16_t> length_;
  std::vector<uint32_t> gram_begin_ = {0};
  std::vector<uint64_t> grams_;
  std::vector<uint16_t> gram_bits_;
};

}  // namespace rf
