// Small open-addressing hash tables for the tokenizer's hot paths: token bytes -> id, (id, id) pair ->
// merge, and the per-call word cache. Linear probing over a power-of-two table; insert-only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace rf::text {

inline uint64_t hash_bytes(std::string_view s) {
  // 64-bit multiply-xorshift over 8-byte words; good enough spread for token strings.
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = 0x243F6A8885A308D3ull ^ (s.size() * kMul);
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  h *= kMul;
  return h ^ (h >> 32);
}

// memcmp is a library call; most keys here are a few bytes long.
inline bool bytes_equal(const char* a, const char* b, size_t n) {
  if (n > 16) return std::memcmp(a, b, n) == 0;
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

inline uint64_t hash_u64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  return x ^ (x >> 33);
}

// Tables stay at most 5/8 full: dense enough to keep the big vocab / merge tables cache-friendly, sparse
// enough for short linear probes.
inline bool table_too_full(size_t size, size_t capacity) { return size * 8 > capacity * 5; }
inline size_t table_capacity_for(size_t count) {
  size_t cap = 16;
  while (table_too_full(count, cap)) cap <<= 1;
  return cap;
}

// string_view keys -> int32 value; lookup returns -1 when absent. Keys of up to 8 bytes are stored in the
// slot itself (a lookup then touches one cache line); longer keys are referenced, so their bytes must
// outlive the map.
class StringIdMap {
 public:
  void reserve(size_t count) {
    slots_.assign(table_capacity_for(count), Slot{});
    size_ = 0;
  }
  // Returns false (and keeps the old value) when the key is already present.
  bool insert(std::string_view key, int32_t value) {
    if (slots_.empty() || table_too_full(size_ + 1, slots_.size())) grow();
    const size_t mask = slots_.size() - 1;
    const uint64_t h = hash_bytes(key);
    const uint64_t word = key_word(key);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.value < 0) {
        s = Slot{word, static_cast<uint32_t>(key.size()), static_cast<uint32_t>(h), value};
        ++size_;
        return true;
      }
      if (matches(s, key, h, word)) return false;
    }
  }
  int32_t find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const size_t mask = slots_.size() - 1;
    const uint64_t h = hash_bytes(key);
    const uint64_t word = key_word(key);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.value < 0) return -1;
      if (matches(s, key, h, word)) return s.value;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t word = 0;  // the key's bytes (zero-padded) when size <= 8, else a pointer to them
    uint32_t size = 0;
    uint32_t hash = 0;
    int32_t value = -1;
  };
  static uint64_t key_word(std::string_view key) {
    uint64_t w = 0;
    if (key.size() <= 8) {
      std::memcpy(&w, key.data(), key.size());
    } else {
      const char* p = key.data();
      std::memcpy(&w, &p, sizeof(p));
    }
    return w;
  }
  static bool matches(const Slot& s, std::string_view key, uint64_t h, uint64_t word) {
    if (s.hash != static_cast<uint32_t>(h) || s.size != key.size()) return false;
    if (key.size() <= 8) return s.word == word;
    const char* p;
    std::memcpy(&p, &s.word, sizeof(p));
    return bytes_equal(p, key.data(), key.size());
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    size_ = 0;
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.value < 0) continue;
      size_t i = s.hash & mask;  // the low 32 bits of the hash are kept, enough for any table here
      while (slots_[i].value >= 0) i = (i + 1) & mask;
      slots_[i] = s;
      ++size_;
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// (left id, right id) -> (rank, merged id) for BPE merges.
class PairMergeMap {
 public:
  struct Merge {
    uint32_t rank;
    int32_t id;
  };
  void reserve(size_t count) {
    slots_.assign(table_capacity_for(count), Slot{});
    size_ = 0;
  }
  static uint64_t key(int32_t a, int32_t b) { return (uint64_t{static_cast<uint32_t>(a)} << 32) | static_cast<uint32_t>(b); }
  // Inserting an existing pair replaces it (a later merge line wins, as in Hugging Face tokenizers).
  void insert(int32_t a, int32_t b, Merge m) {
    if (slots_.empty() || table_too_full(size_ + 1, slots_.size())) grow();
    const uint64_t k = key(a, b);
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash_u64(k) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.merge.id < 0) {
        s = Slot{k, m};
        ++size_;
        return;
      }
      if (s.key == k) {
        s.merge = m;
        return;
      }
    }
  }
  // Returns nullptr when the pair does not merge.
  const Merge* find(int32_t a, int32_t b) const {
    const uint64_t k = key(a, b);
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash_u64(k) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.merge.id < 0) return nullptr;
      if (s.key == k) return &s.merge;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = 0;
    Merge merge{0, -1};
  };
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    size_ = 0;
    for (const Slot& s : old)
      if (s.merge.id >= 0) insert(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFFu), s.merge);
  }
  std::vector<Slot> slots_{16};
  size_t size_ = 0;
};

}  // namespace rf::text
