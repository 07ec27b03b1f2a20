// Title normalisation (case, accents, punctuation, articles, years, spacing) and the trigram-indexed fuzzy
// lookup of title_match.h.
#include "text/title_match.h"

#include "text/output_parse_util.h"
#include "text/unicode.h"
#include "text/unicode_normalize.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace rf {

namespace {

// Longer titles are compared on their first code points only: it bounds the Levenshtein work, and two
// titles that agree on 200 characters are the same title for our purpose.
constexpr size_t kMaxFuzzyChars = 200;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "Heat (1995)" -> "Heat"; also "(1995-2003)" and "(1995 )".
std::string_view strip_year(std::string_view s) {
  s = parse_util::trim(s);
  if (s.size() < 6 || s.back() != ')') return s;
  const size_t open = s.rfind('(');
  if (open == std::string_view::npos) return s;
  const std::string_view inside = parse_util::trim(s.substr(open + 1, s.size() - open - 2));
  if (inside.size() < 4 || !std::all_of(inside.begin(), inside.begin() + 4, is_digit)) return s;
  for (char c : inside.substr(4))
    if (!is_digit(c) && c != '-' && c != ' ') return s;
  return parse_util::trim(s.substr(0, open));
}

// MovieLens writes "American President, The" and "Cité des enfants perdus, La": move the article back.
std::string move_article(std::string_view s) {
  static const std::array<std::string_view, 24> kArticles = {"the", "a",   "an",  "les", "la",  "le",  "l'",  "il",
                                                             "das", "der", "die", "el",  "los", "las", "lo",  "un",
                                                             "une", "una", "ein", "eine", "det", "den", "de", "i"};
  const size_t comma = s.rfind(", ");
  if (comma == std::string_view::npos || comma == 0) return std::string(s);
  const std::string tail = parse_util::ascii_lower(parse_util::trim(s.substr(comma + 2)));
  if (std::find(kArticles.begin(), kArticles.end(), tail) == kArticles.end()) return std::string(s);
  const std::string_view article = parse_util::trim(s.substr(comma + 2));
  return std::string(article) + (article.back() == '\'' ? "" : " ") + std::string(s.substr(0, comma));
}

// Characters with no canonical decomposition that people write with plain letters.
const char* fold_special(uint32_t cp) {
  switch (cp) {
    case 0xC6: case 0xE6: return "ae";
    case 0x152: case 0x153: return "oe";
    case 0xDF: return "ss";
    case 0xD8: case 0xF8: return "o";
    case 0xD0: case 0xF0: case 0x110: case 0x111: return "d";
    case 0x141: case 0x142: return "l";
    case 0xDE: case 0xFE: return "th";
    case 0x126: case 0x127: return "h";
    case 0x131: return "i";
    default: return nullptr;
  }
}

uint32_t lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)) return cp + 0x20;
  if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) return cp | 1u;
  if (cp >= 0x139 && cp <= 0x148 && (cp & 1u)) return cp + 1;
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  if (cp >= 0xFF21 && cp <= 0xFF3A) return cp - 0xFF21 + 'a';  // fullwidth Latin
  if (cp >= 0xFF41 && cp <= 0xFF5A) return cp - 0xFF41 + 'a';
  if (cp >= 0xFF10 && cp <= 0xFF19) return cp - 0xFF10 + '0';
  return cp;
}

bool is_apostrophe(uint32_t cp) { return cp == '\'' || cp == '`' || cp == 0xB4 || cp == 0x2018 || cp == 0x2019 || cp == 0x02BC; }

// Case, accents and punctuation: letters and numbers kept (lower case, marks dropped), apostrophes
// removed ("Schindler's" = "Schindlers"), '&' read as "and", everything else a single space.
std::string fold_characters(std::string_view s) {
  const std::string decomposed = text::nfd(s);
  std::string out;
  out.reserve(decomposed.size());
  bool space = true;  // no leading space
  auto put_space = [&] {
    if (!space) out += ' ';
    space = true;
  };
  for (size_t i = 0; i < decomposed.size();) {
    int len = 1;
    const uint32_t cp = text::utf8_decode(decomposed, i, len);
    i += static_cast<size_t>(len);
    if (is_apostrophe(cp)) continue;
    if (cp == '&') {
      put_space();
      out += "and";
      space = false;
      put_space();
      continue;
    }
    if (const char* folded = fold_special(cp)) {
      out += folded;
      space = false;
      continue;
    }
    const uint32_t lc = lower(cp);
    const text::CharClass cls = text::char_class(lc);
    if (cls == text::CharClass::Mark) continue;
    if (cls == text::CharClass::Letter || cls == text::CharClass::Number) {
      text::utf8_append(out, lc);
      space = false;
    } else {
      put_space();
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string normalise_one(std::string_view raw) {
  std::string s = fold_characters(move_article(strip_year(raw)));
  for (const std::string_view article : {"the ", "a ", "an "}) {
    if (s.size() > article.size() && s.compare(0, article.size(), article) == 0) {
      s.erase(0, article.size());
      break;
    }
  }
  return s;
}

std::u32string code_points(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size() && out.size() < kMaxFuzzyChars;) {
    int len = 1;
    out.push_back(text::utf8_decode(s, i, len));
    i += static_cast<size_t>(len);
  }
  return out;
}

// Distinct trigrams of " " + s + " " (padding gives short titles trigrams and weights their ends).
std::vector<uint64_t> trigrams(const std::u32string& s) {
  std::u32string padded = U" " + s + U" ";
  std::vector<uint64_t> out;
  for (size_t i = 0; i + 3 <= padded.size(); ++i)
    out.push_back((uint64_t(padded[i]) << 42) | (uint64_t(padded[i + 1]) << 21) | uint64_t(padded[i + 2]));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A 12-bit hash of a trigram (Fibonacci hashing), for the query's bitmap.
inline uint32_t trigram_bit(uint64_t t) { return static_cast<uint32_t>((t * 0x9E3779B97F4A7C15ull) >> 52); }

// Levenshtein distance, or max_edits + 1 as soon as it must exceed max_edits. Only the diagonal band
// |i - j| <= max_edits is computed; the cells just outside it hold the cap so the band never reads stale values.
size_t levenshtein_bounded(const std::u32string& a, const std::u32string& b, size_t max_edits) {
  const size_t n = a.size(), m = b.size();
  const size_t cap = max_edits + 1;
  if ((n > m ? n - m : m - n) > max_edits) return cap;
  std::vector<size_t> prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = std::min(j, cap);
  for (size_t i = 1; i <= n; ++i) {
    const size_t lo = i > max_edits ? i - max_edits : 1;
    const size_t hi = std::min(m, i + max_edits);
    cur[0] = std::min(i, cap);
    if (lo > 1) cur[lo - 1] = cap;
    size_t row_min = lo > 1 ? cap : cur[0];
    for (size_t j = lo; j <= hi; ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({sub, prev[j] + 1, cur[j - 1] + 1, cap});
      row_min = std::min(row_min, cur[j]);
    }
    if (hi < m) cur[hi + 1] = cap;
    if (row_min > max_edits) return cap;
    std::swap(prev, cur);
  }
  return std::min(prev[m], cap);
}

}  // namespace

std::string title_normalise(std::string_view title) {
  return normalise_one(parse_util::utf8_clean(title, parse_util::kMaxAnswerBytes));
}

std::vector<std::string> title_aliases(std::string_view title) {
  const std::string clean = parse_util::utf8_clean(title, parse_util::kMaxAnswerBytes);
  std::vector<std::string> raw = {clean};
  // Peel trailing "(...)" groups off the end: each is an alternative title, the rest the main one.
  std::string_view rest = strip_year(clean);
  for (int peel = 0; peel < 4 && !rest.empty() && rest.back() == ')'; ++peel) {
    int depth = 0;
    size_t open = std::string_view::npos;
    for (size_t i = rest.size(); i-- > 0;) {
      if (rest[i] == ')') ++depth;
      else if (rest[i] == '(' && --depth == 0) {
        open = i;
        break;
      }
    }
    if (open == std::string_view::npos || open == 0) break;
    std::string_view inside = parse_util::trim(rest.substr(open + 1, rest.size() - open - 2));
    for (const std::string_view aka : {"a.k.a. ", "aka ", "a.k.a ", "also known as "})
      if (parse_util::ascii_lower(inside.substr(0, aka.size())) == aka) inside.remove_prefix(aka.size());
    rest = parse_util::trim(rest.substr(0, open));
    raw.emplace_back(rest);
    raw.emplace_back(inside);
  }
  std::vector<std::string> out;
  for (const std::string& r : raw) {
    std::string n = normalise_one(r);
    if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
  }
  return out;
}

double title_similarity(std::string_view a, std::string_view b) {
  const std::u32string x = code_points(a), y = code_points(b);
  const size_t longest = std::max(x.size(), y.size());
  if (longest == 0) return 1.0;
  return 1.0 - static_cast<double>(levenshtein_bounded(x, y, longest)) / static_cast<double>(longest);
}

void TitleIndex::add(int32_t item, std::string_view normalised) {
  Entry e{item, code_points(normalised)};
  if (e.text.empty()) return;
  const auto entry = static_cast<uint32_t>(entries_.size());
  for (const uint64_t t : trigrams(e.text)) {
    postings_[t].push_back(entry);
    grams_.push_back(t);
    gram_bits_.push_back(static_cast<uint16_t>(trigram_bit(t)));
  }
  gram_begin_.push_back(static_cast<uint32_t>(grams_.size()));
  length_.push_back(static_cast<uint16_t>(e.text.size()));
  entries_.push_back(std::move(e));
}

TitleIndex::Match TitleIndex::find(std::string_view normalised, double threshold) const {
  Match best;
  const std::u32string q = code_points(normalised);
  if (q.empty() || entries_.empty()) return best;
  threshold = std::clamp(threshold, 0.0, 1.0);
  const std::vector<uint64_t> qt = trigrams(q);
  // Edits allowed at each title length (floor((1 - t) * max(|q|, |c|))), and at the longest title that can
  // still reach the threshold (|c| <= |q| / t).
  std::array<size_t, kMaxFuzzyChars + 1> edits_at{};
  for (size_t len = 0; len <= kMaxFuzzyChars; ++len)
    edits_at[len] = static_cast<size_t>(std::floor((1.0 - threshold) * static_cast<double>(std::max(len, q.size())) + 1e-9));
  const size_t longest_reachable =
      threshold <= 0 ? kMaxFuzzyChars
                     : std::min(kMaxFuzzyChars, static_cast<size_t>(static_cast<double>(q.size()) / threshold + 1e-9));
  const size_t most_edits = edits_at[longest_reachable];
  const size_t prefix = std::min(qt.size(), 3 * most_edits + 1);
  // The query's trigrams, rarest first; a trigram no title has is the rarest of all (it costs nothing).
  std::vector<std::pair<size_t, const std::vector<uint32_t>*>> lists;
  lists.reserve(qt.size());
  for (const uint64_t t : qt) {
    const auto it = postings_.find(t);
    lists.emplace_back(it == postings_.end() ? 0 : it->second.size(), it == postings_.end() ? nullptr : &it->second);
  }
  std::sort(lists.begin(), lists.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::array<uint64_t, 64> query_bits{};  // 4096-bit set of the query's trigram hashes
  for (const uint64_t t : qt) query_bits[trigram_bit(t) >> 6] |= uint64_t{1} << (trigram_bit(t) & 63);
  // Count, per title, how many of the rarest trigrams it holds.
  std::vector<uint16_t> in_prefix(entries_.size(), 0);
  std::vector<uint32_t> touched;
  for (size_t l = 0; l < prefix; ++l) {
    if (!lists[l].second) continue;
    for (const uint32_t e : *lists[l].second)
      if (in_prefix[e]++ == 0) touched.push_back(e);
  }
  for (const uint32_t e : touched) {
    const size_t len = length_[e];
    const size_t max_edits = edits_at[len];
    if ((len > q.size() ? len - q.size() : q.size() - len) > max_edits) continue;
    // It may miss at most 3k of the query's trigrams, so at most 3k of the rarest ones.
    if (in_prefix[e] + 3 * max_edits < prefix) continue;
    // An upper bound on the shared trigrams from the query's hash bitmap (branch-free, so cheap), then the
    // exact count by merging the two sorted lists; fewer than |Q| - 3k rule the title out.
    const uint32_t g0 = gram_begin_[e], g1 = gram_begin_[e + 1];
    size_t upper = 0;
    for (uint32_t g = g0; g < g1; ++g) upper += (query_bits[gram_bits_[g] >> 6] >> (gram_bits_[g] & 63)) & 1u;
    if (upper + 3 * max_edits < qt.size()) continue;
    size_t shared = 0;
    for (size_t a = 0, b = g0; a < qt.size() && b < g1;) {
      if (qt[a] < grams_[b]) ++a;
      else if (grams_[b] < qt[a]) ++b;
      else ++shared, ++a, ++b;
    }
    if (shared + 3 * max_edits < qt.size()) continue;
    const Entry& entry = entries_[e];
    const size_t d = levenshtein_bounded(q, entry.text, max_edits);
    if (d > max_edits) continue;
    const double sim = 1.0 - static_cast<double>(d) / static_cast<double>(std::max(len, q.size()));
    if (sim + 1e-12 < threshold) continue;
    if (sim > best.similarity + 1e-12 || (std::abs(sim - best.similarity) <= 1e-12 && entry.item < best.item)) {
      best.item = entry.item;
      best.similarity = sim;
    }
  }
  return best;
}

}  // namespace rf
