// BPE model: building the id tables and merge map from tokenizer.json data, and the merge loop
// (lowest rank first, leftmost on ties, as Hugging Face tokenizers do): an array scan for short pieces,
// a heap over a linked list for long ones (SentencePiece-style models feed whole sentences).
#include "text/bpe_model.h"

#include "text/unicode.h"
#include "util/error.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <queue>

namespace rf::text {

namespace {

struct ByteAlphabet {
  std::array<std::string, 256> chars;
  std::array<int16_t, 324> byte_of_cp;  // code points 0..323 cover the whole alphabet

  ByteAlphabet() {
    byte_of_cp.fill(-1);
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      const uint32_t cp = printable ? static_cast<uint32_t>(b) : static_cast<uint32_t>(256 + extra++);
      utf8_append(chars[static_cast<size_t>(b)], cp);
      byte_of_cp[cp] = static_cast<int16_t>(b);
    }
  }
};

const ByteAlphabet& byte_alphabet() {
  static const ByteAlphabet alphabet;
  return alphabet;
}

// The raw bytes a byte-level token stands for; false when a character is outside the alphabet.
bool byte_level_to_bytes(std::string_view token, std::string& out) {
  out.clear();
  for (size_t i = 0; i < token.size();) {
    int len = 0;
    const uint32_t cp = utf8_decode(token, i, len);
    const int b = byte_level_byte(cp);
    if (b < 0) return false;
    out.push_back(static_cast<char>(b));
    i += static_cast<size_t>(len);
  }
  return true;
}

constexpr size_t kSmallPiece = 256;

}  // namespace

const std::string& byte_level_char(uint8_t byte) { return byte_alphabet().chars[byte]; }

int byte_level_byte(uint32_t cp) { return cp < 324 ? byte_alphabet().byte_of_cp[cp] : -1; }

BpeModel BpeModel::build(std::vector<std::pair<std::string, int32_t>> vocab,
                         const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
                         const std::string& where) {
  BpeModel m;
  m.options_ = std::move(options);
  int64_t max_id = -1;
  size_t total_chars = 0;
  for (const auto& [token, id] : vocab) {
    if (id < 0) throw Error(where + ": model.vocab: token '" + token + "' has a negative id " + std::to_string(id));
    max_id = std::max<int64_t>(max_id, id);
    total_chars += token.size();
  }
  // A sparse id space would make every id-indexed table huge: refuse it instead of allocating.
  if (max_id >= static_cast<int64_t>(vocab.size()) * 4 + 65536)
    throw Error(where + ": model.vocab: id " + std::to_string(max_id) + " is implausibly large for " +
                std::to_string(vocab.size()) + " tokens");
  const size_t n = static_cast<size_t>(max_id + 1);
  std::vector<int32_t> index_of_id(n, -1);
  for (size_t i = 0; i < vocab.size(); ++i) {
    const int32_t id = vocab[i].second;
    if (index_of_id[static_cast<size_t>(id)] >= 0)
      throw Error(where + ": model.vocab: id " + std::to_string(id) + " is given to both '" +
                  vocab[static_cast<size_t>(index_of_id[static_cast<size_t>(id)])].first + "' and '" + vocab[i].first + "'");
    index_of_id[static_cast<size_t>(id)] = static_cast<int32_t>(i);
  }
  if (total_chars > UINT32_MAX / 2) throw Error(where + ": model.vocab is too large");

  m.token_chars_.reserve(total_chars);
  m.token_offsets_.reserve(n + 1);
  m.present_.assign(n, 0);
  for (size_t id = 0; id < n; ++id) {
    m.token_offsets_.push_back(static_cast<uint32_t>(m.token_chars_.size()));
    if (index_of_id[id] < 0) continue;
    const std::string& token = vocab[static_cast<size_t>(index_of_id[id])].first;
    m.token_chars_.insert(m.token_chars_.end(), token.begin(), token.end());
    m.present_[id] = 1;
  }
  m.token_offsets_.push_back(static_cast<uint32_t>(m.token_chars_.size()));
  m.token_ids_.reserve(vocab.size());
  for (size_t id = 0; id < n; ++id)
    if (m.present_[id]) m.token_ids_.insert(m.id_to_token(static_cast<int32_t>(id)), static_cast<int32_t>(id));

  std::fill(std::begin(m.byte_ids_single_), std::end(m.byte_ids_single_), -1);
  if (m.options_.byte_level) {
    if (!m.options_.continuing_subword_prefix.empty() || !m.options_.end_of_word_suffix.empty())
      throw Error(where + ": model: continuing_subword_prefix / end_of_word_suffix are not supported with a ByteLevel pre-tokenizer");
    std::vector<uint8_t> convertible(n, 0);
    std::string bytes;
    m.byte_chars_.reserve(total_chars);
    m.byte_offsets_.reserve(n + 1);
    for (size_t id = 0; id < n; ++id) {
      m.byte_offsets_.push_back(static_cast<uint32_t>(m.byte_chars_.size()));
      const std::string_view token = m.id_to_token(static_cast<int32_t>(id));
      if (byte_level_to_bytes(token, bytes)) {
        convertible[id] = 1;
        m.byte_chars_.insert(m.byte_chars_.end(), bytes.begin(), bytes.end());
      } else {  // outside the alphabet (rare): decoded as its own UTF-8, never produced by encoding
        m.byte_chars_.insert(m.byte_chars_.end(), token.begin(), token.end());
      }
    }
    m.byte_offsets_.push_back(static_cast<uint32_t>(m.byte_chars_.size()));
    m.byte_ids_.reserve(vocab.size());
    for (size_t id = 0; id < n; ++id)
      if (m.present_[id] && convertible[id]) m.byte_ids_.insert(m.id_to_bytes(static_cast<int32_t>(id)), static_cast<int32_t>(id));
    for (int b = 0; b < 256; ++b) {
      const char c = static_cast<char>(b);
      m.byte_ids_single_[b] = m.byte_ids_.find(std::string_view(&c, 1));
    }
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    m.byte_fallback_ids_[b] = m.token_ids_.find(name);
  }
  if (!m.options_.unk_token.empty()) m.unk_id_ = m.token_ids_.find(m.options_.unk_token);

  m.merges_.reserve(merges.size());
  const std::string& prefix = m.options_.continuing_subword_prefix;
  std::string merged;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    const int32_t a_id = m.token_ids_.find(a), b_id = m.token_ids_.find(b);
    auto bad = [&](const std::string& what) {
      return Error(where + ": model.merges[" + std::to_string(rank) + "] ('" + a + " " + b + "'): " + what);
    };
    if (a_id < 0) throw bad("'" + a + "' is not in the vocabulary");
    if (b_id < 0) throw bad("'" + b + "' is not in the vocabulary");
    merged = a;
    merged += (!prefix.empty() && b.rfind(prefix, 0) == 0) ? b.substr(prefix.size()) : b;
    const int32_t new_id = m.token_ids_.find(merged);
    if (new_id < 0) throw bad("the merged token '" + merged + "' is not in the vocabulary");
    m.merges_.insert(a_id, b_id, PairMergeMap::Merge{static_cast<uint32_t>(rank), new_id});
  }
  if (m.options_.byte_level && std::all_of(std::begin(m.byte_ids_single_), std::end(m.byte_ids_single_), [](int32_t id) { return id >= 0; })) {
    m.byte_pair_merges_.assign(256 * 256, PairMergeMap::Merge{UINT32_MAX, -1});
    for (int a = 0; a < 256; ++a)
      for (int b = 0; b < 256; ++b)
        if (const auto* merge = m.merges_.find(m.byte_ids_single_[a], m.byte_ids_single_[b]))
          m.byte_pair_merges_[static_cast<size_t>(a * 256 + b)] = *merge;
  }
  return m;
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const int32_t id = token_ids_.find(token);
  if (id < 0) return std::nullopt;
  return id;
}

std::string_view BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || id >= id_limit()) return {};
  const size_t i = static_cast<size_t>(id);
  return std::string_view(token_chars_.data() + token_offsets_[i], token_offsets_[i + 1] - token_offsets_[i]);
}

std::string_view BpeModel::id_to_bytes(int32_t id) const {
  if (!options_.byte_level) return id_to_token(id);
  if (id < 0 || id >= id_limit()) return {};
  const size_t i = static_cast<size_t>(id);
  return std::string_view(byte_chars_.data() + byte_offsets_[i], byte_offsets_[i + 1] - byte_offsets_[i]);
}

void BpeModel::initial_symbols(std::string_view piece, std::vector<int32_t>& symbols) const {
  symbols.clear();
  int32_t pending_unk = -1;  // fused unknown run waiting to be written
  auto flush_unk = [&] {
    if (pending_unk >= 0) symbols.push_back(pending_unk);
    pending_unk = -1;
  };
  auto unknown = [&] {
    if (unk_id_ < 0) return;  // no unk token: the character is dropped, as Hugging Face does
    if (options_.fuse_unk && pending_unk >= 0) return;
    flush_unk();
    pending_unk = unk_id_;
  };
  if (options_.byte_level) {
    for (char c : piece) {
      const int32_t id = byte_ids_single_[static_cast<unsigned char>(c)];
      if (id >= 0) {
        flush_unk();
        symbols.push_back(id);
      } else {
        unknown();
      }
    }
    flush_unk();
    return;
  }
  const bool affixes = !options_.continuing_subword_prefix.empty() || !options_.end_of_word_suffix.empty();
  std::string scratch;
  for (size_t i = 0; i < piece.size();) {
    int len = 0;
    utf8_decode(piece, i, len);
    std::string_view ch = piece.substr(i, static_cast<size_t>(len));
    if (affixes) {
      scratch.clear();
      if (i > 0) scratch += options_.continuing_subword_prefix;
      scratch.append(ch);
      if (i + static_cast<size_t>(len) == piece.size()) scratch += options_.end_of_word_suffix;
      ch = scratch;
    }
    const int32_t id = token_ids_.find(ch);
    if (id >= 0) {
      flush_unk();
      symbols.push_back(id);
    } else {
      bool done = false;
      if (options_.byte_fallback) {
        done = std::all_of(ch.begin(), ch.end(), [&](char c) { return byte_fallback_ids_[static_cast<unsigned char>(c)] >= 0; });
        if (done) {
          flush_unk();
          for (char c : ch) symbols.push_back(byte_fallback_ids_[static_cast<unsigned char>(c)]);
        }
      }
      if (!done) unknown();
    }
    i += static_cast<size_t>(len);
  }
  flush_unk();
}

void BpeModel::merge_small(std::vector<int32_t>& sym, std::string_view piece) const {
  size_t n = sym.size();
  uint32_t rank[kSmallPiece];
  int32_t merged[kSmallPiece];
  auto look = [&](size_t i) {
    const PairMergeMap::Merge* m = merges_.find(sym[i], sym[i + 1]);
    rank[i] = m ? m->rank : UINT32_MAX;
    merged[i] = m ? m->id : -1;
  };
  if (!piece.empty()) {  // first round from the byte-pair table: no hashing
    for (size_t i = 0; i + 1 < n; ++i) {
      const auto& m = byte_pair_merges_[static_cast<unsigned char>(piece[i]) * 256u + static_cast<unsigned char>(piece[i + 1])];
      rank[i] = m.rank;
      merged[i] = m.id;
    }
  } else {
    for (size_t i = 0; i + 1 < n; ++i) look(i);
  }
  while (n > 1) {
    size_t best = 0;
    uint32_t best_rank = rank[0];
    for (size_t i = 1; i + 1 < n; ++i) {
      if (rank[i] < best_rank) {
        best_rank = rank[i];
        best = i;
      }
    }
    if (best_rank == UINT32_MAX) break;
    sym[best] = merged[best];
    std::copy(sym.begin() + static_cast<std::ptrdiff_t>(best) + 2, sym.begin() + static_cast<std::ptrdiff_t>(n),
              sym.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    if (best + 2 < n - 1) {  // pairs after the merged one shift left by one
      std::copy(rank + best + 2, rank + n - 1, rank + best + 1);
      std::copy(merged + best + 2, merged + n - 1, merged + best + 1);
    }
    --n;
    if (best > 0) look(best - 1);
    if (best + 1 < n) look(best);
  }
  sym.resize(n);
}

void BpeModel::merge_large(std::vector<int32_t>& sym) const {
  struct Node {
    int32_t id, prev, next;
    bool alive;
  };
  struct Item {
    uint32_t rank, pos;
    int32_t id;
    bool operator<(const Item& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }  // min-heap
  };
  const size_t n = sym.size();
  std::vector<Node> nodes(n);
  std::vector<Item> storage;
  storage.reserve(n);
  std::priority_queue<Item> heap(std::less<Item>(), std::move(storage));
  for (size_t i = 0; i < n; ++i) nodes[i] = Node{sym[i], static_cast<int32_t>(i) - 1, i + 1 < n ? static_cast<int32_t>(i + 1) : -1, true};
  auto push = [&](int32_t left) {
    const int32_t right = nodes[static_cast<size_t>(left)].next;
    if (right < 0) return;
    if (const auto* m = merges_.find(nodes[static_cast<size_t>(left)].id, nodes[static_cast<size_t>(right)].id))
      heap.push(Item{m->rank, static_cast<uint32_t>(left), m->id});
  };
  for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int32_t>(i));
  while (!heap.empty()) {
    const Item top = heap.top();
    heap.pop();
    Node& left = nodes[top.pos];
    if (!left.alive || left.next < 0) continue;
    Node& right = nodes[static_cast<size_t>(left.next)];
    const auto* m = merges_.find(left.id, right.id);
    if (!m || m->id != top.id) continue;  // stale entry
    left.id = top.id;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) nodes[static_cast<size_t>(right.next)].prev = static_cast<int32_t>(top.pos);
    if (left.prev >= 0) push(left.prev);
    push(static_cast<int32_t>(top.pos));
  }
  sym.clear();
  for (int32_t i = n ? 0 : -1; i >= 0; i = nodes[static_cast<size_t>(i)].next) sym.push_back(nodes[static_cast<size_t>(i)].id);
}

void BpeModel::encode_symbols(std::vector<int32_t>& symbols, std::string_view piece) const {
  if (symbols.size() < 2) return;
  if (symbols.size() <= kSmallPiece)
    merge_small(symbols, piece);
  else
    merge_large(symbols);
}

void BpeModel::encode_piece(std::string_view piece, std::vector<int32_t>& out, BpeWordCache* cache) const {
  if (piece.empty()) return;
  if (options_.byte_level && piece.size() == 1) {
    const int32_t id = byte_ids_single_[static_cast<unsigned char>(piece[0])];
    if (id >= 0)
      out.push_back(id);
    else if (unk_id_ >= 0)
      out.push_back(unk_id_);
    return;
  }
  if (cache && cache->lookup(piece, out)) return;
  const auto start = static_cast<uint32_t>(out.size());
  int32_t whole = -1;
  if (options_.ignore_merges) whole = options_.byte_level ? byte_ids_.find(piece) : token_ids_.find(piece);
  if (whole >= 0) {
    out.push_back(whole);
  } else {
    thread_local std::vector<int32_t> symbols;
    initial_symbols(piece, symbols);
    const bool one_byte_each = options_.byte_level && symbols.size() == piece.size() && !byte_pair_merges_.empty();
    encode_symbols(symbols, one_byte_each ? piece : std::string_view());
    out.insert(out.end(), symbols.begin(), symbols.end());
    if (symbols.capacity() > (size_t{1} << 20)) std::vector<int32_t>().swap(symbols);  // after a huge piece
  }
  if (cache) cache->insert(piece, out, start, static_cast<uint32_t>(out.size()) - start);
}

}  // namespace rf::text
