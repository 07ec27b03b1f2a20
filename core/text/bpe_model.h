// The BPE model of a Hugging Face tokenizer: vocabulary, ranked merges and the merge loop that turns one
// pre-tokenized piece into ids. Two symbol spaces: byte-level (GPT-2 / Qwen / Llama 3: tokens are stored
// as the raw bytes they stand for, so pieces are never mapped to the printable byte alphabet) and
// character-level (SentencePiece-style, with byte fallback and unk fusing).
#pragma once

#include "text/flat_hash.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rf::text {

struct BpeOptions {
  bool byte_level = false;     // pieces are raw bytes; vocab strings are in the GPT-2 byte alphabet
  bool ignore_merges = false;  // a piece that is a whole vocab token is emitted as is (Llama 3)
  bool byte_fallback = false;  // unknown characters become <0xXX> tokens
  bool fuse_unk = false;
  std::string unk_token;  // empty: none
  std::string continuing_subword_prefix, end_of_word_suffix;
};

// Per-call memo of piece -> ids, so repeated words are merged once. A piece that is one token keeps its
// id in the hash slot itself; longer results are spans of the output vector.
class BpeWordCache {
 public:
  explicit BpeWordCache(size_t expected_pieces = 0) {
    if (expected_pieces) map_.reserve(expected_pieces);
  }
  // Appends the cached ids of `piece` to `out`; false when the piece is not cached.
  bool lookup(std::string_view piece, std::vector<int32_t>& out) const {
    const int32_t v = map_.find(piece);
    if (v < 0) return false;
    if (v < kSpanBase) {
      out.push_back(v);
      return true;
    }
    const auto [offset, count] = spans_[static_cast<size_t>(v - kSpanBase)];
    out.reserve(out.size() + count);  // no reallocation below: copying from itself is then safe
    for (uint32_t k = 0; k < count; ++k) out.push_back(out[offset + k]);
    return true;
  }
  void insert(std::string_view piece, const std::vector<int32_t>& out, uint32_t offset, uint32_t count) {
    if (map_.size() >= kMaxEntries || count == 0) return;
    if (count == 1 && out[offset] < kSpanBase) {
      map_.insert(piece, out[offset]);
    } else if (map_.insert(piece, kSpanBase + static_cast<int32_t>(spans_.size()))) {
      spans_.emplace_back(offset, count);
    }
  }

 private:
  static constexpr int32_t kSpanBase = 1 << 30;  // values from here on index spans_
  static constexpr size_t kMaxEntries = 1u << 20;
  StringIdMap map_;
  std::vector<std::pair<uint32_t, uint32_t>> spans_;
};

class BpeModel {
 public:
  // `vocab`: (token string as written in tokenizer.json, id); `merges`: pairs of token strings in rank
  // order. Throws rf::Error (prefixed with `where`) on bad ids, duplicates or merges naming unknown tokens.
  static BpeModel build(std::vector<std::pair<std::string, int32_t>> vocab,
                        const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
                        const std::string& where);

  // Appends the ids of one pre-tokenized piece (raw bytes when byte_level()).
  void encode_piece(std::string_view piece, std::vector<int32_t>& out, BpeWordCache* cache) const;

  int32_t id_limit() const { return static_cast<int32_t>(token_offsets_.size()) - 1; }  // max id + 1
  bool has_id(int32_t id) const { return id >= 0 && id < id_limit() && present_[static_cast<size_t>(id)]; }
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::string_view id_to_token(int32_t id) const;  // as written in tokenizer.json; "" when absent
  std::string_view id_to_bytes(int32_t id) const;  // byte-level: the raw bytes; otherwise the token
  bool byte_level() const { return options_.byte_level; }
  const BpeOptions& options() const { return options_; }
  size_t merge_count() const { return merges_.size(); }

 private:
  void encode_symbols(std::vector<int32_t>& symbols, std::string_view piece) const;
  // `piece`: the raw bytes behind `symbols` when each symbol is still one byte (byte-level), else empty.
  void merge_small(std::vector<int32_t>& symbols, std::string_view piece) const;
  void merge_large(std::vector<int32_t>& symbols) const;
  void initial_symbols(std::string_view piece, std::vector<int32_t>& symbols) const;

  BpeOptions options_;
  // Character storage is a vector, never a std::string: moving a small std::string would move its
  // bytes and leave the hash maps' views dangling.
  std::vector<char> token_chars_;        // all token strings back to back
  std::vector<uint32_t> token_offsets_;  // id -> [offsets[id], offsets[id+1])
  std::vector<char> byte_chars_;         // byte-level: raw bytes of every token back to back
  std::vector<uint32_t> byte_offsets_;
  std::vector<uint8_t> present_;
  StringIdMap token_ids_;  // token string -> id
  StringIdMap byte_ids_;   // byte-level: raw bytes -> id
  PairMergeMap merges_;
  int32_t byte_ids_single_[256];  // byte-level: id of each single byte (-1 when missing)
  std::vector<PairMergeMap::Merge> byte_pair_merges_;  // byte-level: 256 x 256 first-round merges
  int32_t byte_fallback_ids_[256];  // <0xXX> tokens (-1 when missing)
  int32_t unk_id_ = -1;
};

// The GPT-2 byte <-> printable character alphabet used by byte-level BPE.
const std::string& byte_level_char(uint8_t byte);  // UTF-8 of the character standing for `byte`
int byte_level_byte(uint32_t cp);                   // the byte a character stands for, or -1

}  // namespace rf::text
