// UTF-8 encoding, lossy repair and the general-category lookup (a two-stage table built once from the
// generated ranges in unicode_category_table.cpp).
#include "text/unicode.h"

#include "text/unicode_tables.h"

#include <map>
#include <vector>

namespace rf::text {

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

// Stage 1: one entry per 256-code-point block, the index of its 256-byte row in stage 2.
struct CategoryTable {
  std::vector<uint16_t> stage1;
  std::vector<uint8_t> stage2;

  CategoryTable() {
    std::vector<uint8_t> flat(0x110000, 0);
    for (unsigned r = 0; r < tables::kCategoryRangeCount; ++r) {
      const auto& range = tables::kCategoryRanges[r];
      for (uint32_t cp = range.first; cp <= range.last; ++cp) flat[cp] = range.value;
    }
    stage1.resize(0x110000 / 256);
    std::map<std::string, uint16_t> rows;
    for (uint32_t block = 0; block < stage1.size(); ++block) {
      const uint8_t* row = flat.data() + block * 256;
      std::string key(reinterpret_cast<const char*>(row), 256);
      auto [it, inserted] = rows.emplace(std::move(key), static_cast<uint16_t>(stage2.size() / 256));
      if (inserted) stage2.insert(stage2.end(), row, row + 256);
      stage1[block] = it->second;
    }
  }
};

const CategoryTable& category_table() {
  static const CategoryTable table;
  return table;
}

// Expected continuation byte range for the second byte of a sequence led by b0 (WHATWG).
inline bool second_byte_ok(unsigned char b0, unsigned char b1) {
  if (b0 == 0xE0) return b1 >= 0xA0 && b1 <= 0xBF;
  if (b0 == 0xED) return b1 >= 0x80 && b1 <= 0x9F;
  if (b0 == 0xF0) return b1 >= 0x90 && b1 <= 0xBF;
  if (b0 == 0xF4) return b1 >= 0x80 && b1 <= 0x8F;
  return b1 >= 0x80 && b1 <= 0xBF;
}

inline int sequence_length(unsigned char b0) {
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return 2;
  if (b0 >= 0xE0 && b0 <= 0xEF) return 3;
  if (b0 >= 0xF0 && b0 <= 0xF4) return 4;
  return 0;
}

// Length of the valid sequence at i, or -(bytes of the maximal invalid subpart) when invalid.
inline int check_sequence(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const int need = sequence_length(b0);
  if (need == 1) return 1;
  if (need == 0) return -1;
  for (int k = 1; k < need; ++k) {
    if (i + k >= s.size()) return -k;
    const auto b = static_cast<unsigned char>(s[i + k]);
    const bool ok = k == 1 ? second_byte_ok(b0, b) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return -k;
  }
  return need;
}

}  // namespace

CharClass char_class(uint32_t cp) {
  if (cp >= 0x110000) return CharClass::Other;
  const CategoryTable& t = category_table();
  return static_cast<CharClass>(t.stage2[static_cast<size_t>(t.stage1[cp >> 8]) * 256 + (cp & 0xFF)]);
}

void utf8_append_lossy(std::string& out, std::string_view bytes) {
  size_t i = 0, run = 0;  // [run, i) is valid and not yet copied
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const int n = check_sequence(bytes, i);
    if (n > 0) {
      i += static_cast<size_t>(n);
      continue;
    }
    out.append(bytes.data() + run, i - run);
    out.append("\xEF\xBF\xBD");
    i += static_cast<size_t>(-n);
    run = i;
  }
  out.append(bytes.data() + run, bytes.size() - run);
}

bool utf8_is_valid(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const int n = check_sequence(bytes, i);
    if (n < 0) return false;
    i += static_cast<size_t>(n);
  }
  return true;
}

uint32_t utf8_decode_before(std::string_view s, size_t end) {
  size_t start = end - 1;
  int back = 0;
  while (start > 0 && back < 3 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
    ++back;
  }
  int len = 0;
  const uint32_t cp = utf8_decode(s, start, len);
  return start + static_cast<size_t>(len) == end ? cp : 0xFFFD;
}

std::string_view utf8_trim(std::string_view s) {
  size_t begin = 0, end = s.size();
  int len = 0;
  while (begin < end && is_white_space(utf8_decode(s, begin, len))) begin += static_cast<size_t>(len);
  while (end > begin) {
    size_t back = end - 1;
    while (back > begin && (static_cast<unsigned char>(s[back]) & 0xC0) == 0x80) --back;
    if (!is_white_space(utf8_decode(s, back, len)) || back + static_cast<size_t>(len) != end) break;
    end = back;
  }
  return s.substr(begin, end - begin);
}

}  // namespace rf::text
