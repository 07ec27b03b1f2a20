// BpeTrainer: word counting with byte-level pre-tokenization, then the merge loop with incremental pair
// counts (a lazy max-heap keyed by count, re-checked when popped; only the words holding the merged pair
// are revisited), as Hugging Face's BpeTrainer does.
#include "text/bpe_trainer.h"

#include "text/added_tokens.h"
#include "text/bpe_trainer_output.h"
#include "text/flat_hash.h"
#include "text/pretokenize_regex.h"
#include "text/unicode.h"
#include "util/error.h"
#include "util/file_io.h"

#include <algorithm>
#include <queue>
#include <set>

namespace rf {

namespace {

using Pair = uint64_t;
inline Pair make_pair_key(int32_t a, int32_t b) { return (uint64_t{static_cast<uint32_t>(a)} << 32) | static_cast<uint32_t>(b); }
inline int32_t pair_left(Pair p) { return static_cast<int32_t>(p >> 32); }
inline int32_t pair_right(Pair p) { return static_cast<int32_t>(p & 0xFFFFFFFFu); }

struct PairHash {
  size_t operator()(Pair p) const { return static_cast<size_t>(text::hash_u64(p)); }
};

struct HeapItem {
  int64_t count;
  Pair pair;
  // Max-heap on count; on equal counts the smaller pair comes first.
  bool operator<(const HeapItem& o) const { return count != o.count ? count < o.count : pair > o.pair; }
};

// Merges every (a, b) in `word` into `merged`, left to right; appends the pair-count changes.
void merge_word(std::vector<int32_t>& word, int32_t a, int32_t b, int32_t merged, std::vector<std::pair<Pair, int>>& changes) {
  size_t out = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] == a && i + 1 < word.size() && word[i + 1] == b) {
      if (out > 0) {
        changes.emplace_back(make_pair_key(word[out - 1], a), -1);
        changes.emplace_back(make_pair_key(word[out - 1], merged), 1);
      }
      if (i + 2 < word.size()) {
        changes.emplace_back(make_pair_key(b, word[i + 2]), -1);
        changes.emplace_back(make_pair_key(merged, word[i + 2]), 1);
      }
      word[out++] = merged;
      ++i;
    } else {
      word[out++] = word[i];
    }
  }
  word.resize(out);
}

}  // namespace

size_t BpeTrainer::StringHash::operator()(std::string_view s) const { return static_cast<size_t>(text::hash_bytes(s)); }

BpeTrainer::BpeTrainer(BpeTrainerOptions options) : options_(std::move(options)) {
  std::set<std::string> seen;
  for (const std::string& s : options_.special_tokens) {
    if (s.empty()) throw Error("BPE trainer: empty special token");
    if (!text::utf8_is_valid(s)) throw Error("BPE trainer: special token '" + s + "' is not valid UTF-8");
    if (!seen.insert(s).second) throw Error("BPE trainer: special token '" + s + "' is given twice");
  }
  const int64_t minimum = 256 + static_cast<int64_t>(options_.special_tokens.size());
  if (options_.vocab_size < minimum)
    throw Error("BPE trainer: vocab size " + std::to_string(options_.vocab_size) + " is below the " + std::to_string(minimum) +
                " tokens every byte-level vocabulary has (256 bytes + " + std::to_string(options_.special_tokens.size()) +
                " special tokens)");
  if (options_.vocab_size > (int64_t{1} << 24)) throw Error("BPE trainer: vocab size " + std::to_string(options_.vocab_size) + " is too large");
  if (options_.min_frequency < 1) options_.min_frequency = 1;
  for (const std::string* name : {&options_.bos_token, &options_.eos_token, &options_.pad_token})
    if (!name->empty() && !seen.count(*name)) throw Error("BPE trainer: '" + *name + "' is not one of the special tokens");
  if (!options_.special_tokens.empty()) {
    const std::string fallback = seen.count("<|endoftext|>") ? "<|endoftext|>" : options_.special_tokens.front();
    if (options_.eos_token.empty()) options_.eos_token = fallback;
    if (options_.pad_token.empty()) options_.pad_token = fallback;
  }
}

void BpeTrainer::add_text(std::string_view input) {
  std::vector<text::TextSplit> segments;
  if (options_.special_tokens.empty()) {
    segments.push_back({0, input.size(), -1});
  } else {
    std::vector<text::AddedToken> tokens;
    for (size_t i = 0; i < options_.special_tokens.size(); ++i) {
      text::AddedToken t;
      t.id = static_cast<int32_t>(i);
      t.content = options_.special_tokens[i];
      tokens.push_back(std::move(t));
    }
    text::AddedTokenMatcher matcher;
    matcher.build(std::move(tokens), options_.special_tokens);
    matcher.split(input, segments);
  }
  std::vector<std::pair<uint32_t, uint32_t>> matches;
  for (const text::TextSplit& seg : segments) {
    if (seg.id >= 0) continue;
    const std::string_view segment = input.substr(seg.begin, seg.end - seg.begin);
    matches.clear();
    text::split_regex_find(text::SplitRegex::Gpt2, segment, matches);
    for (const auto& [b, e] : matches) {
      const std::string_view word = segment.substr(b, e - b);
      auto it = word_counts_.find(word);
      if (it == word_counts_.end())
        word_counts_.emplace(std::string(word), 1);
      else
        ++it->second;
    }
  }
}

void BpeTrainer::add_file(const std::string& path) { add_text(file_read_all(path)); }

BpeTrainerResult BpeTrainer::train() const {
  // Token strings (raw bytes) by id: special tokens, the 256 bytes, then merges.
  std::vector<std::string> tokens(options_.special_tokens.begin(), options_.special_tokens.end());
  const auto byte_base = static_cast<int32_t>(tokens.size());
  for (int b = 0; b < 256; ++b) tokens.emplace_back(1, static_cast<char>(b));
  std::unordered_map<std::string, int32_t> id_of;
  for (size_t i = 0; i < tokens.size(); ++i) id_of.emplace(tokens[i], static_cast<int32_t>(i));

  // Words in a fixed order (sorted) so that training is reproducible.
  std::vector<const std::pair<const std::string, int64_t>*> sorted;
  sorted.reserve(word_counts_.size());
  for (const auto& wc : word_counts_) sorted.push_back(&wc);
  std::sort(sorted.begin(), sorted.end(), [](auto* x, auto* y) { return x->first < y->first; });
  std::vector<std::vector<int32_t>> words(sorted.size());
  std::vector<int64_t> counts(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    counts[i] = sorted[i]->second;
    for (char c : sorted[i]->first) words[i].push_back(byte_base + static_cast<unsigned char>(c));
  }

  std::unordered_map<Pair, int64_t, PairHash> pair_counts;
  std::unordered_map<Pair, std::vector<uint32_t>, PairHash> where;  // words holding the pair (may repeat)
  for (size_t i = 0; i < words.size(); ++i) {
    for (size_t j = 0; j + 1 < words[i].size(); ++j) {
      const Pair p = make_pair_key(words[i][j], words[i][j + 1]);
      pair_counts[p] += counts[i];
      where[p].push_back(static_cast<uint32_t>(i));
    }
  }
  std::priority_queue<HeapItem> heap;
  for (const auto& [p, c] : pair_counts) heap.push(HeapItem{c, p});

  std::vector<std::pair<int32_t, int32_t>> merges;
  std::vector<std::pair<Pair, int>> changes;
  std::unordered_map<Pair, int64_t, PairHash> delta;
  while (static_cast<int64_t>(tokens.size()) < options_.vocab_size && !heap.empty()) {
    HeapItem top = heap.top();
    heap.pop();
    const int64_t current = pair_counts[top.pair];
    if (top.count != current) {
      if (current > 0) heap.push(HeapItem{current, top.pair});
      continue;
    }
    if (top.count < 1 || top.count < options_.min_frequency) break;
    const int32_t a = pair_left(top.pair), b = pair_right(top.pair);
    std::string merged_text = tokens[static_cast<size_t>(a)] + tokens[static_cast<size_t>(b)];
    int32_t merged;
    if (auto it = id_of.find(merged_text); it != id_of.end()) {
      merged = it->second;  // the same string reached by another pair: one token, two merges
    } else {
      merged = static_cast<int32_t>(tokens.size());
      id_of.emplace(merged_text, merged);
      tokens.push_back(std::move(merged_text));
    }
    merges.emplace_back(a, b);

    std::vector<uint32_t> holders = std::move(where[top.pair]);
    where.erase(top.pair);
    std::sort(holders.begin(), holders.end());
    holders.erase(std::unique(holders.begin(), holders.end()), holders.end());
    delta.clear();
    for (uint32_t w : holders) {
      changes.clear();
      merge_word(words[w], a, b, merged, changes);
      for (const auto& [p, change] : changes) {
        delta[p] += change * counts[w];
        if (change > 0) where[p].push_back(w);
      }
    }
    for (const auto& [p, d] : delta) {
      if (p == top.pair) continue;  // every occurrence is merged: its count is 0 below
      int64_t& c = pair_counts[p];
      c += d;
      if (d > 0) heap.push(HeapItem{c, p});
    }
    pair_counts[top.pair] = 0;
  }

  BpeTrainerResult result;
  result.vocab_size = static_cast<int64_t>(tokens.size());
  result.merge_count = static_cast<int64_t>(merges.size());
  result.word_count = static_cast<int64_t>(words.size());
  result.tokenizer_json = text::bpe_trainer_tokenizer_json(tokens, options_.special_tokens.size(), merges);
  result.tokenizer_config_json = text::bpe_trainer_config_json(options_.special_tokens, options_.bos_token,
                                                               options_.eos_token, options_.pad_token);
  return result;
}

BpeTrainerResult bpe_train(const std::vector<std::string>& texts, const BpeTrainerOptions& options) {
  BpeTrainer trainer(options);
  for (const std::string& t : texts) trainer.add_text(t);
  return trainer.train();
}

}  // namespace rf
