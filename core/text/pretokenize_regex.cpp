// The pre-tokenizer regex matchers (see pretokenize_regex.h). Code points are decoded on the fly at byte
// offsets (no buffer, so memory stays flat for any input); each alternative of a pattern is a few lines
// that mirror what a backtracking engine does for that alternative.
#include "text/pretokenize_regex.h"

#include "text/unicode.h"

namespace rf::text {

namespace {

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

enum : uint8_t { kL = 1, kN = 2, kWS = 4, kNL = 8, kOther = 16 };

uint8_t ascii_flags(unsigned char c) {
  if (c == '\r' || c == '\n') return kWS | kNL;
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return kWS;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return kL;
  if (c >= '0' && c <= '9') return kN;
  return kOther;
}

struct AsciiTable {
  uint8_t flags[128];
  AsciiTable() {
    for (int c = 0; c < 128; ++c) flags[c] = ascii_flags(static_cast<unsigned char>(c));
  }
};
const AsciiTable kAscii;

// The text with a decoder of the code point at a byte position (past the end: flags 0, length 0).
struct Text {
  std::string_view s;

  uint8_t info(size_t p, int& len, uint32_t& cp) const {
    if (p >= s.size()) {
      len = 0;
      cp = 0;
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[p]);
    if (b < 0x80) {
      len = 1;
      cp = b;
      return kAscii.flags[b];
    }
    cp = utf8_decode(s, p, len);
    if (is_white_space(cp)) return kWS;
    const CharClass c = char_class(cp);
    return c == CharClass::Letter ? kL : c == CharClass::Number ? kN : kOther;
  }
  uint8_t flags(size_t p) const {
    int len;
    uint32_t cp;
    return info(p, len, cp);
  }
  size_t run(size_t p, uint8_t flag) const {
    int len;
    uint32_t cp;
    while (info(p, len, cp) & flag) p += static_cast<size_t>(len);
    return p;
  }
  // The whitespace run at p: \s*[\r\n]+ when `newlines` and the run holds one, else \s+(?!\S) or \s+.
  size_t whitespace(size_t p, bool newlines) const {
    int len;
    uint32_t cp;
    size_t q = p, last = p, after_newline = 0;
    for (uint8_t f; (f = info(q, len, cp)) & kWS; q += static_cast<size_t>(len)) {
      last = q;
      if (f & kNL) after_newline = q + 1;
    }
    if (newlines && after_newline) return after_newline;
    if (q >= s.size()) return q;
    return last > p ? last : q;
  }
};

inline uint32_t fold(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp == 0x17F) return 's';  // LATIN SMALL LETTER LONG S case-folds to 's'
  return cp;
}

// 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive. Returns the end offset or 0.
inline size_t contraction(const Text& t, size_t p, bool ci) {
  if (t.s[p] != '\'') return 0;
  int la, lb;
  uint32_t a, b;
  if (!t.info(p + 1, la, a)) return 0;
  if (ci) a = fold(a);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return p + 1 + static_cast<size_t>(la);
  if (!t.info(p + 1 + static_cast<size_t>(la), lb, b)) return 0;
  if (ci) b = fold(b);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
    return p + 1 + static_cast<size_t>(la) + static_cast<size_t>(lb);
  return 0;
}

size_t match_gpt2(const Text& t, size_t p) {
  if (size_t e = contraction(t, p, false)) return e;
  int len;
  uint32_t cp;
  uint8_t f = t.info(p, len, cp);
  size_t s = p;
  if (cp == ' ') {
    const uint8_t f1 = t.flags(p + 1);
    if (f1 & (kL | kN | kOther)) {
      s = p + 1;
      f = f1;
    }
  }
  if (f & kL) return t.run(s, kL);
  if (f & kN) return t.run(s, kN);
  if (f & kOther) return t.run(s, kOther);
  return t.whitespace(p, false);
}

size_t match_qwen_llama(const Text& t, size_t p, int max_digits) {
  if (size_t e = contraction(t, p, true)) return e;
  int len;
  uint32_t cp;
  const uint8_t f = t.info(p, len, cp);
  const size_t next = p + static_cast<size_t>(len);
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (!(f & (kNL | kL | kN)) && (t.flags(next) & kL)) return t.run(next, kL);
  if (f & kL) return t.run(p, kL);
  // \p{N} or \p{N}{1,3}
  if (f & kN) {
    size_t q = next;
    int l2;
    uint32_t c2;
    for (int k = 1; k < max_digits && (t.info(q, l2, c2) & kN); ++k) q += static_cast<size_t>(l2);
    return q;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  size_t s = p;
  if (cp == ' ' && (t.flags(next) & kOther)) s = next;
  if (t.flags(s) & kOther) return t.run(t.run(s, kOther), kNL);
  // \s*[\r\n]+ | \s+(?!\S) | \s+
  return t.whitespace(p, true);
}

}  // namespace

std::optional<SplitRegex> split_regex_from_pattern(std::string_view pattern) {
  if (pattern == kGpt2Pattern) return SplitRegex::Gpt2;
  if (pattern == kQwen2Pattern) return SplitRegex::Qwen2;
  if (pattern == kLlama3Pattern) return SplitRegex::Llama3;
  return std::nullopt;
}

const char* split_regex_pattern(SplitRegex which) {
  switch (which) {
    case SplitRegex::Gpt2: return kGpt2Pattern;
    case SplitRegex::Qwen2: return kQwen2Pattern;
    case SplitRegex::Llama3: return kLlama3Pattern;
  }
  return "";
}

void split_regex_find(SplitRegex which, std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>& matches) {
  const Text t{text};
  for (size_t p = 0; p < text.size();) {
    size_t e;
    switch (which) {
      case SplitRegex::Gpt2: e = match_gpt2(t, p); break;
      case SplitRegex::Qwen2: e = match_qwen_llama(t, p, 1); break;
      default: e = match_qwen_llama(t, p, 3); break;
    }
    if (e <= p) e = p + 1;  // cannot happen (every class is covered); never loop forever
    matches.emplace_back(static_cast<uint32_t>(p), static_cast<uint32_t>(e));
    p = e;
  }
}

}  // namespace rf::text
