// NFC / NFD: decomposition, canonical ordering and composition over the tables of unicode_nfc_table.cpp.
// NFC only rewrites the stretches around code points that can change (from the last safe starter before
// one to the next safe code point after it); everything else is copied as it is.
#include "text/unicode_normalize.h"

#include "text/unicode.h"
#include "text/unicode_tables.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace rf::text {

namespace {

constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;
constexpr uint32_t kInvalidByte = 0x80000000u;  // marks a raw invalid byte inside a code-point buffer

struct NfcData {
  std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> decomposition;
  std::unordered_map<uint64_t, uint32_t> composition;

  NfcData() {
    decomposition.reserve(tables::kDecompositionCount * 2);
    for (unsigned i = 0; i < tables::kDecompositionCount; ++i) {
      const auto& d = tables::kDecompositions[i];
      decomposition.emplace(d.cp, std::make_pair(d.first, d.second));
      if (d.second != 0 && !d.excluded) composition.emplace((uint64_t{d.first} << 32) | d.second, d.cp);
    }
  }
};

const NfcData& nfc_data() {
  static const NfcData data;
  return data;
}

uint8_t range_lookup(const tables::CategoryRange* ranges, unsigned count, uint32_t cp) {
  const tables::CategoryRange* end = ranges + count;
  const auto* it = std::upper_bound(ranges, end, cp, [](uint32_t v, const tables::CategoryRange& r) { return v < r.first; });
  if (it == ranges) return 0;
  --it;
  return cp <= it->last ? it->value : 0;
}

bool needs_attention(uint32_t cp) {
  return cp >= 0x300 && range_lookup(tables::kNfcAttentionRanges, tables::kNfcAttentionRangeCount, cp) != 0;
}

uint8_t ccc_of(uint32_t cp) { return (cp & kInvalidByte) ? 0 : combining_class(cp); }

void decompose_into(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  if (cp >= 0xC0 && !(cp & kInvalidByte)) {
    const auto& map = nfc_data().decomposition;
    if (auto it = map.find(cp); it != map.end()) {
      decompose_into(it->second.first, out);
      if (it->second.second != 0) decompose_into(it->second.second, out);
      return;
    }
  }
  out.push_back(cp);
}

// Full canonical decomposition of `s` followed by canonical ordering.
void decompose_ordered(std::string_view s, std::vector<uint32_t>& cps) {
  for (size_t i = 0; i < s.size();) {
    int len = 0;
    uint32_t cp = utf8_decode(s, i, len);
    if (cp == 0xFFFD && s.compare(i, 3, "\xEF\xBF\xBD") != 0) cp = kInvalidByte | static_cast<unsigned char>(s[i]);
    decompose_into(cp, cps);
    i += static_cast<size_t>(len);
  }
  // Stable sort of each run of non-starters by combining class.
  for (size_t i = 0; i < cps.size();) {
    if (ccc_of(cps[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && ccc_of(cps[j]) != 0) ++j;
    if (j - i > 1) std::stable_sort(cps.begin() + i, cps.begin() + j, [](uint32_t a, uint32_t b) { return ccc_of(a) < ccc_of(b); });
    i = j;
  }
}

uint32_t compose_pair(uint32_t a, uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  if ((a | b) & kInvalidByte) return 0;
  const auto& map = nfc_data().composition;
  auto it = map.find((uint64_t{a} << 32) | b);
  return it == map.end() ? 0 : it->second;
}

void compose(std::vector<uint32_t>& cps) {
  if (cps.empty()) return;
  size_t starter = 0, out = 1;
  int last_class = ccc_of(cps[0]) == 0 ? 0 : 256;
  for (size_t i = 1; i < cps.size(); ++i) {
    const uint32_t ch = cps[i];
    const int ch_class = ccc_of(ch);
    const uint32_t composite = last_class == 256 ? 0 : compose_pair(cps[starter], ch);
    if (composite != 0 && (last_class < ch_class || last_class == 0)) {
      cps[starter] = composite;
      continue;
    }
    if (ch_class == 0) starter = out;
    last_class = ch_class;
    cps[out++] = ch;
  }
  cps.resize(out);
}

void append_cps(std::string& out, const std::vector<uint32_t>& cps) {
  for (uint32_t cp : cps) {
    if (cp & kInvalidByte)
      out.push_back(static_cast<char>(cp & 0xFF));
    else
      utf8_append(out, cp);
  }
}

}  // namespace

uint8_t combining_class(uint32_t cp) {
  if (cp < 0x300) return 0;
  return range_lookup(tables::kCombiningClassRanges, tables::kCombiningClassRangeCount, cp);
}

bool nfc_may_change(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0xCC) {  // below U+0300 nothing changes under NFC
      ++i;
      continue;
    }
    int len = 0;
    const uint32_t cp = utf8_decode(s, i, len);
    if (needs_attention(cp)) return true;
    i += static_cast<size_t>(len);
  }
  return false;
}

std::string nfc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::vector<uint32_t> cps;
  size_t copied = 0, last_safe = 0;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = 1;
    if (b >= 0xCC) {
      const uint32_t cp = utf8_decode(s, i, len);
      if (needs_attention(cp)) {
        size_t end = i + static_cast<size_t>(len);
        while (end < s.size()) {
          int l2 = 0;
          const uint32_t next = utf8_decode(s, end, l2);
          if (!needs_attention(next)) break;
          end += static_cast<size_t>(l2);
        }
        out.append(s.data() + copied, last_safe - copied);
        cps.clear();
        decompose_ordered(s.substr(last_safe, end - last_safe), cps);
        compose(cps);
        append_cps(out, cps);
        copied = last_safe = i = end;
        continue;
      }
    } else if (b >= 0x80) {
      utf8_decode(s, i, len);
    }
    last_safe = i;
    i += static_cast<size_t>(len);
  }
  out.append(s.data() + copied, s.size() - copied);
  return out;
}

std::string nfd(std::string_view s) {
  std::vector<uint32_t> cps;
  decompose_ordered(s, cps);
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  append_cps(out, cps);
  return out;
}

}  // namespace rf::text
