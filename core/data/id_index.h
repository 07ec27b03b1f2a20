// Source id -> index map for the importers' hot loops (a sequence file looks up every token, a reviews
// file every user and item). Open addressing with linear probing over a power-of-two table; the key bytes
// live in one arena owned by the map, so keys may come from short-lived buffers and a lookup touches a
// slot and the arena instead of chasing std::unordered_map's node pointers. Insert-only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace rf {

class IdIndex {
 public:
  // -1 when `key` is absent.
  int32_t find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const size_t mask = slots_.size() - 1;
    const uint64_t h = hash(key);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.value < 0) return -1;
      if (s.hash == h && s.size == key.size() && std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
        return s.value;
      }
    }
  }
  bool contains(std::string_view key) const { return find(key) >= 0; }

  // Adds `key` -> `value` (value >= 0); false, leaving the map as it was, when the key is already there.
  bool insert(std::string_view key, int32_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    const uint64_t h = hash(key);
    const size_t at = probe_free(h, key);
    if (at == kFound) return false;
    slots_[at] = Slot{h, static_cast<uint64_t>(arena_.size()), static_cast<uint32_t>(key.size()), value};
    arena_.append(key);
    ++size_;
    return true;
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t offset = 0;  // of the key in arena_
    uint32_t size = 0;
    int32_t value = -1;   // -1: empty slot
  };
  static constexpr size_t kFound = ~size_t(0);

  static uint64_t hash(std::string_view s) {
    // FNV-1a folded 8 bytes at a time, then mixed (ids are short: "A1B2C3D4E5", "12345").
    uint64_t h = 0xCBF29CE484222325ULL ^ s.size();
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      h = (h ^ w) * 0x100000001B3ULL;
      h ^= h >> 32;
    }
    for (; i < s.size(); ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 0x100000001B3ULL;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    return h;
  }

  // The empty slot where `key` goes, or kFound when it is present.
  size_t probe_free(uint64_t h, std::string_view key) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.value < 0) return i;
      if (s.hash == h && s.size == key.size() && std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
        return kFound;
      }
    }
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.value < 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].value >= 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  std::string arena_;
  size_t size_ = 0;
};

}  // namespace rf
