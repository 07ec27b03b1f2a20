// UTF-8 and Unicode helpers for the tokenizer: decoding code points (invalid bytes become one-byte
// "other" characters, never a crash), encoding, general-category classes (letter / number / mark),
// the White_Space property, and lossy UTF-8 repair as Rust's from_utf8_lossy / WHATWG do it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rf::text {

enum class CharClass : uint8_t { Other = 0, Letter = 1, Number = 2, Mark = 3 };

// Decodes the code point starting at s[i]; sets `len` to its byte length (1..4). An invalid or
// truncated sequence decodes as U+FFFD with len = 1 so callers always make progress.
inline uint32_t utf8_decode(std::string_view s, size_t i, int& len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    len = 1;
    return b0;
  }
  auto cont = [&](size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  len = 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    const int c1 = cont(1);
    if (c1 < 0) return 0xFFFD;
    len = 2;
    return ((b0 & 0x1Fu) << 6) | static_cast<uint32_t>(c1);
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const int c1 = cont(1), c2 = c1 < 0 ? -1 : cont(2);
    if (c1 < 0 || c2 < 0) return 0xFFFD;
    const uint32_t cp = ((b0 & 0x0Fu) << 12) | (static_cast<uint32_t>(c1) << 6) | static_cast<uint32_t>(c2);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
    len = 3;
    return cp;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const int c1 = cont(1), c2 = c1 < 0 ? -1 : cont(2), c3 = c2 < 0 ? -1 : cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return 0xFFFD;
    const uint32_t cp = ((b0 & 0x07u) << 18) | (static_cast<uint32_t>(c1) << 12) | (static_cast<uint32_t>(c2) << 6) |
                        static_cast<uint32_t>(c3);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0xFFFD;
    len = 4;
    return cp;
  }
  return 0xFFFD;
}

void utf8_append(std::string& out, uint32_t cp);

// General-category class of a code point (constant time after the first call builds the table).
CharClass char_class(uint32_t cp);

// The Unicode White_Space property (what Rust's char::is_whitespace and regex \s use).
inline bool is_white_space(uint32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Letters, numbers and '_' (Rust's is_alphanumeric plus underscore: the single_word boundary test).
inline bool is_word_char(uint32_t cp) {
  if (cp < 0x80) return cp == '_' || (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
  const CharClass c = char_class(cp);
  return c == CharClass::Letter || c == CharClass::Number;
}

// Appends `bytes` to `out`, replacing each maximal invalid subsequence with U+FFFD.
void utf8_append_lossy(std::string& out, std::string_view bytes);
bool utf8_is_valid(std::string_view bytes);

// The code point that ends just before byte offset `end` (0xFFFD for invalid bytes); `end` > 0.
uint32_t utf8_decode_before(std::string_view s, size_t end);

// Python's str.strip() (and Jinja's `trim`): `s` without the White_Space code points at either end. A
// trailing byte that does not complete a character is kept.
std::string_view utf8_trim(std::string_view s);

}  // namespace rf::text
