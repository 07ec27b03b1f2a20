// Checks and conversions for text read from data files: UTF-8 validation that reports where the first
// bad byte is, latin-1 to UTF-8, trimming, and strict number parsing with std::from_chars (no locale, no
// allocation, the whole field must be the number: "4.x" and "12 " are errors, not 4 and 12).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rf {

// Offset of the first byte of `text` that is not part of well-formed UTF-8 (overlong forms, surrogates and
// code points above U+10FFFF are ill-formed), or std::string_view::npos when all of it is valid.
size_t utf8_find_invalid(std::string_view text);

// Every byte is a code point U+0000..U+00FF (ISO-8859-1), as MovieLens 100K/1M files are written.
std::string latin1_to_utf8(std::string_view text);
// Files documented as latin-1 are sometimes re-saved as UTF-8: valid UTF-8 is kept as it is (latin-1 text
// with accents is almost never valid UTF-8 by accident), anything else is converted from latin-1.
std::string latin1_or_utf8_to_utf8(std::string_view text);

// Without leading and trailing ASCII whitespace (space, tab, CR, LF, FF, VT).
std::string_view text_trim(std::string_view s);

// The whole of `s` is a decimal integer (optional '-'), in range. No spaces, no '+', no fraction.
bool parse_int64(std::string_view s, int64_t& out);
// The whole of `s` is a finite decimal number ("4", "4.5", "-1e3"); "nan", "inf" and "4.x" are not.
bool parse_double(std::string_view s, double& out);

// Where byte `offset` of `text` is: 1-based line, and 0-based byte offset within that line.
struct TextPosition {
  int64_t line = 1;
  int64_t column = 0;
};
TextPosition text_position_of(std::string_view text, size_t offset);

// "0x41" style, for messages about a byte that cannot be shown as text.
std::string byte_hex(unsigned char b);

}  // namespace rf
