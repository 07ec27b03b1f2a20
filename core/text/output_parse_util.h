// Small text helpers shared by the output parsers (output_parse_*.cpp): trimming, code fences, quoting
// model text inside problem messages, and the light JSON repairs the parsers tolerate. Internal to
// core/text; callers use output_parse.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rf::parse_util {

// Model answers longer than this are cut before parsing (a problem says so): lists, queries and
// ratings are short, and a cap keeps every parser linear and bounded on runaway generations.
inline constexpr size_t kMaxAnswerBytes = 64 * 1024;

// Valid UTF-8 copy of at most `max_bytes` of `s` (cut at a character boundary; invalid bytes -> U+FFFD).
// Sets *cut when input was dropped.
std::string utf8_clean(std::string_view s, size_t max_bytes, bool* cut = nullptr);

// Strips Unicode white space at both ends.
std::string_view trim(std::string_view s);
bool is_blank(std::string_view s);

// "```json\n{...}\n```" -> "{...}". When there is no fence, returns `s`. *outside is set when
// non-blank text sits before or after the fenced block.
std::string_view strip_code_fence(std::string_view s, bool* outside = nullptr);

// Model text for a problem message: quoted, newlines shown as "\n", cut to ~`max_chars` bytes with "…".
std::string quote_text(std::string_view s, size_t max_chars = 60);

// Shortest decimal form of a number ("4", "4.5").
std::string number_text(double v);

// Deepest [ / { nesting outside JSON strings (stops counting at `limit` + 1).
int json_depth(std::string_view s, int limit);

// Removes commas that are followed (after white space) by '}' or ']', outside strings. Returns true when
// something was removed.
bool json_strip_trailing_commas(std::string& s);

// Rewrites 'single-quoted' strings as "double-quoted" JSON strings. Returns true when a quote was rewritten.
bool json_single_to_double_quotes(std::string& s);

// ASCII lower case (tag names, keywords).
std::string ascii_lower(std::string_view s);

}  // namespace rf::parse_util
