// Ranked-list answers (the List recipe): split the answer into entries whatever shape the model chose
// (a JSON array, commas, one per line, numbered lines), read each entry as an id (`12`, `#12`,
// `item 12`, `Item 12: Title`, `Title (id 12)`, `"B00ABC"`) or else as a title (exact, normalised, fuzzy),
// and report duplicates, items outside the pool, unmatched entries and a wrong length.
#include "text/output_parse.h"
#include "text/output_parse_util.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace rf {

using parse_util::quote_text;
using parse_util::trim;

// --- the matcher ----------------------------------------------------------------------------------------

ListMatcher::ListMatcher(ListCatalogue catalogue, double fuzzy_threshold)
    : catalogue_(std::move(catalogue)), fuzzy_threshold_(fuzzy_threshold) {
  if (catalogue_.titles.empty()) catalogue_.titles.resize(catalogue_.ids.size());
  if (catalogue_.titles.size() != catalogue_.ids.size())
    throw Error("ListMatcher: the catalogue has " + std::to_string(catalogue_.ids.size()) + " ids but " +
                std::to_string(catalogue_.titles.size()) + " titles");
  const auto n = static_cast<int32_t>(catalogue_.ids.size());
  std::vector<std::vector<std::string>> aliases(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    const std::string& id = catalogue_.ids[static_cast<size_t>(i)];
    by_id_.emplace(id, i);
    const auto [it, added] = by_id_folded_.emplace(parse_util::ascii_lower(id), i);
    if (!added && it->second >= 0 && catalogue_.ids[static_cast<size_t>(it->second)] != id) it->second = -2;  // "ab" vs "AB"
    const std::string& title = catalogue_.titles[static_cast<size_t>(i)];
    if (title.empty()) continue;
    by_title_.emplace(std::string(trim(title)), i);
    aliases[static_cast<size_t>(i)] = title_aliases(title);
  }
  // Whole titles first, so an alternative title never shadows another item's own title.
  for (int32_t i = 0; i < n; ++i)
    if (!aliases[static_cast<size_t>(i)].empty()) by_normalised_title_.emplace(aliases[static_cast<size_t>(i)][0], i);
  for (int32_t i = 0; i < n; ++i)
    for (const std::string& a : aliases[static_cast<size_t>(i)]) {
      by_normalised_title_.emplace(a, i);
      title_index_.add(i, a);
    }
}

int32_t ListMatcher::find_id(const std::string& id) const {
  if (const auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  const std::string_view t = trim(id);
  if (t.size() != id.size())
    if (const auto it = by_id_.find(std::string(t)); it != by_id_.end()) return it->second;
  if (const auto it = by_id_folded_.find(parse_util::ascii_lower(t)); it != by_id_folded_.end() && it->second >= 0)
    return it->second;
  return -1;
}

int32_t ListMatcher::find_title(const std::string& title, std::string* how, double* similarity, bool allow_fuzzy) const {
  auto found = [&](int32_t item, const char* h, double s) {
    if (how) *how = h;
    if (similarity) *similarity = s;
    return item;
  };
  if (how) how->clear();
  if (similarity) *similarity = 0;
  const std::string_view t = trim(title);
  if (t.empty() || t.size() > 4096) return -1;
  if (const auto it = by_title_.find(std::string(t)); it != by_title_.end()) return found(it->second, "exact", 1.0);
  const std::string n = title_normalise(t);
  if (n.empty()) return -1;
  if (const auto it = by_normalised_title_.find(n); it != by_normalised_title_.end())
    return found(it->second, "normalised", 1.0);
  if (!allow_fuzzy) return -1;
  const TitleIndex::Match m = title_index_.find(n, fuzzy_threshold_);
  if (m.item >= 0) return found(m.item, "fuzzy", m.similarity);
  return -1;
}

// --- reading one entry ----------------------------------------------------------------------------------

namespace {

constexpr size_t kMaxEntries = 1000;
constexpr size_t kMaxListedProblems = 10;  // per kind; then "… and N more"

bool is_id_char(char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == '-';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// One id-shaped token at the start of s (letters, digits, '_', '-'; at most 40 bytes).
size_t id_token_length(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && n <= 40 && is_id_char(s[n])) ++n;
  return n > 40 ? 0 : n;
}

bool looks_like_id(std::string_view s) {
  if (!s.empty() && s.front() == '#') s.remove_prefix(1);
  if (s.empty() || id_token_length(s) != s.size()) return false;
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "1. x", "2) x", "- x", "* x", "• x" -> "x".
std::string_view strip_marker(std::string_view s) {
  size_t d = 0;
  while (d < s.size() && d < 4 && s[d] >= '0' && s[d] <= '9') ++d;
  if (d > 0 && d < 4 && d + 1 < s.size() && (s[d] == '.' || s[d] == ')') && is_space(s[d + 1])) return trim(s.substr(d + 1));
  for (const std::string_view bullet : {"- ", "* ", "• ", "– ", "— "})
    if (s.substr(0, bullet.size()) == bullet) return trim(s.substr(bullet.size()));
  return s;
}

// Quotes, backticks, bold markers and brackets around the whole entry; trailing '.', ',' or ';'.
std::string_view strip_wrapping(std::string_view s) {
  static const std::pair<std::string_view, std::string_view> kPairs[] = {
      {"\"", "\""}, {"'", "'"}, {"`", "`"}, {"**", "**"}, {"“", "”"}, {"‘", "’"}, {"[", "]"}, {"(", ")"}, {"<", ">"}};
  for (int round = 0; round < 4; ++round) {
    s = trim(s);
    while (!s.empty() && (s.back() == '.' || s.back() == ',' || s.back() == ';')) s = trim(s.substr(0, s.size() - 1));
    bool stripped = false;
    for (const auto& [open, close] : kPairs) {
      if (s.size() >= open.size() + close.size() + 1 && s.substr(0, open.size()) == open &&
          s.substr(s.size() - close.size()) == close) {
        const std::string_view inner = s.substr(open.size(), s.size() - open.size() - close.size());
        // "(a) and (b)" is not wrapped in one pair of brackets.
        if ((open == "(" || open == "[") && inner.find_first_of(open == "(" ? ")" : "]") != std::string_view::npos) continue;
        s = inner;
        stripped = true;
        break;
      }
    }
    if (!stripped) break;
  }
  return trim(s);
}

// "item 12", "Item ID: 12", "id#12", "ASIN B00ABC" -> the length of the keyword and separators, else 0.
size_t id_keyword_length(std::string_view s) {
  const std::string lower = parse_util::ascii_lower(s.substr(0, 16));
  for (const std::string_view kw : {"item id", "item_id", "itemid", "item", "product id", "product", "asin", "id"}) {
    if (lower.compare(0, kw.size(), kw) != 0) continue;
    size_t n = kw.size();
    if (n < s.size() && is_id_char(s[n]) && s[n] != '_' && s[n] != '-') return 0;  // "items", "idea"
    while (n < s.size() && (is_space(s[n]) || s[n] == ':' || s[n] == '#' || s[n] == '=' || s[n] == '_' || s[n] == '-')) ++n;
    return n < s.size() ? n : 0;
  }
  return 0;
}

struct Resolved {
  int32_t item = -1;
  std::string how;
  std::string note;  // a problem worth reporting even though the entry matched
};

class EntryReader {
 public:
  explicit EntryReader(const ListMatcher& m) : m_(m) {}

  Resolved read(std::string_view raw) const {
    const std::string_view s = strip_wrapping(strip_marker(trim(raw)));
    Resolved r;
    if (s.empty()) return r;
    const std::string whole(s);
    if ((r.item = m_.find_id(whole)) >= 0) return with(r, "id");
    std::string title_part;  // the words next to an id that matched nothing
    // "#12", "item 12", "Item 12: Title"
    size_t skip = s.front() == '#' ? 1 + (s.size() > 1 && s[1] == ' ') : id_keyword_length(s);
    if (skip > 0) {
      const size_t len = id_token_length(s.substr(skip));
      if (len > 0) {
        if ((r.item = m_.find_id(std::string(s.substr(skip, len)))) >= 0) return with(r, "id");
        title_part = after_separator(s.substr(skip + len));
      }
    }
    // "Title (id 12)", "Title [12]", "Title (ASIN: B00ABC)"
    for (size_t open = s.find_first_of("(["); open != std::string_view::npos; open = s.find_first_of("([", open + 1)) {
      const size_t close = s.find(s[open] == '(' ? ')' : ']', open + 1);
      if (close == std::string_view::npos || close - open > 64) continue;
      const std::string_view inner = trim(s.substr(open + 1, close - open - 1));
      const size_t kw = id_keyword_length(inner);
      const std::string_view token = inner.substr(kw);
      if (token.empty() || id_token_length(token) != token.size()) continue;
      // "(1995)" is a year and "[Blu-ray]" an edition: bare brackets count only as "[12]" or "[B00ABC]".
      if (kw == 0 && (s[open] == '(' || !looks_like_id(token))) continue;
      if ((r.item = m_.find_id(std::string(token))) >= 0) return with(r, "id");
      if (title_part.empty()) title_part = std::string(trim(std::string(s.substr(0, open)) + " " + std::string(s.substr(close + 1))));
    }
    std::string how;
    double similarity = 0;
    const int32_t by_title = m_.find_title(whole, &how, &similarity);
    if (by_title >= 0 && how != "fuzzy") return with(r, by_title, "title-" + how);
    // "12: Title", "12 - Title"
    const size_t len = id_token_length(s);
    if (len > 0 && len < s.size()) {
      const std::string_view rest = trim(s.substr(len));
      if (!rest.empty() && (rest.front() == ':' || rest.substr(0, 2) == "- " || rest.substr(0, 4) == "– ")) {
        if ((r.item = m_.find_id(std::string(s.substr(0, len)))) >= 0) return with(r, "id");
        if (title_part.empty()) title_part = after_separator(s.substr(len));
      }
    }
    if (!title_part.empty()) {
      std::string part_how;
      const int32_t item = m_.find_title(title_part, &part_how, &similarity);
      if (item >= 0) {
        Resolved t = with(r, item, "title-" + part_how);
        t.note = quote_text(s) + ": the id matches no item; read by its title";
        return t;
      }
    }
    if (by_title >= 0) {
      Resolved t = with(r, by_title, "title-fuzzy");
      t.note = quote_text(s) + " matched " + quote_text(m_.catalogue().titles[static_cast<size_t>(by_title)]) +
               " only approximately (similarity " + parse_util::number_text(std::round(similarity * 100) / 100) + ")";
      return t;
    }
    r.item = -1;
    return r;
  }

  // True when the piece reads as an id on its own (for deciding how to split a line).
  bool reads_as_id(std::string_view piece) const {
    const std::string_view s = strip_wrapping(strip_marker(trim(piece)));
    if (s.empty()) return false;
    if (looks_like_id(s) || m_.find_id(std::string(s)) >= 0) return true;
    const size_t kw = id_keyword_length(s);
    return kw > 0 && id_token_length(s.substr(kw)) == s.size() - kw;
  }

  bool reads_as_title(std::string_view piece) const {
    return m_.find_title(std::string(strip_wrapping(strip_marker(trim(piece)))), nullptr, nullptr, false) >= 0;
  }

 private:
  static Resolved with(Resolved r, const char* how) {
    r.how = how;
    return r;
  }
  static Resolved with(Resolved r, int32_t item, std::string how) {
    r.item = item;
    r.how = std::move(how);
    return r;
  }
  static std::string after_separator(std::string_view s) {
    s = trim(s);
    while (!s.empty() && (s.front() == ':' || s.front() == '-' || s.front() == '.' || s.front() == ')' || s.front() == ','))
      s = trim(s.substr(1));
    if (s.substr(0, 3) == "–" || s.substr(0, 3) == "—") s = trim(s.substr(3));
    return std::string(strip_wrapping(s));
  }

  const ListMatcher& m_;
};

std::vector<std::string> split_any(std::string_view s, std::string_view separators) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || separators.find(s[i]) != std::string_view::npos) {
      out.emplace_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

// --- splitting the answer into entries ------------------------------------------------------------------

// An entry of a JSON array as text: numbers and strings as written, {"id": …} / {"title": …} objects.
void json_entries(const nlohmann::json& j, std::vector<std::string>& out, bool& nested) {
  for (const nlohmann::json& e : j) {
    if (out.size() > kMaxEntries) return;
    if (e.is_array()) {
      nested = true;
      json_entries(e, out, nested);
    } else if (e.is_string()) {
      out.push_back(e.get<std::string>());
    } else if (e.is_number_integer() || e.is_number_unsigned()) {
      out.push_back(e.dump());
    } else if (e.is_number_float() && std::abs(e.get<double>()) < 1e15 && e.get<double>() == std::floor(e.get<double>())) {
      out.push_back(std::to_string(static_cast<long long>(e.get<double>())));  // 12.0 -> "12"
    } else if (e.is_object()) {
      std::string text = e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      for (const char* key : {"id", "item_id", "item", "asin", "title", "name"}) {
        const auto it = e.find(key);
        if (it == e.end()) continue;
        if (it->is_string()) text = it->get<std::string>();
        else if (it->is_number_integer() || it->is_number_unsigned()) text = it->dump();
        else continue;
        break;
      }
      out.push_back(text);
    } else {
      out.push_back(e.dump());
    }
  }
}

struct Split {
  std::vector<std::string> entries;
  bool structural_failure = false;
};

Split split_entries(std::string_view text, const EntryReader& reader, std::vector<std::string>& problems) {
  Split split;
  const char first = text.front();
  if (first == '[' || first == '{') {
    const int depth = parse_util::json_depth(text, 16);
    if (depth > 16) {
      problems.push_back("the answer nests brackets more than 16 deep");
      split.structural_failure = true;
      return split;
    }
    std::string json(text);
    parse_util::json_strip_trailing_commas(json);
    const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
      for (const auto& [key, value] : j.items()) {
        if (!value.is_array()) continue;
        problems.push_back("the list is wrapped in a JSON object (read its \"" + key + "\" field)");
        bool nested = false;
        json_entries(value, split.entries, nested);
        if (nested) problems.push_back("the list holds nested lists (read them in order)");
        return split;
      }
      problems.push_back("the answer is a JSON object with no list in it: " + quote_text(text));
      split.structural_failure = true;
      return split;
    }
    if (!j.is_discarded() && j.is_array()) {
      bool nested = false;
      json_entries(j, split.entries, nested);
      if (nested) problems.push_back("the list holds nested lists (read them in order)");
      return split;
    }
  }
  // Plain text. Unquoted ids in brackets ("[B00ABC, B00DEF]") are not JSON but are a list.
  if ((first == '[' && text.back() == ']') || (first == '{' && text.back() == '}')) text = trim(text.substr(1, text.size() - 2));
  std::vector<std::string> lines;
  for (std::string& line : split_any(text, "\n"))
    if (!line.empty()) lines.push_back(std::move(line));
  auto all_ids = [&](const std::vector<std::string>& pieces) {
    return pieces.size() > 1 && std::all_of(pieces.begin(), pieces.end(), [&](const std::string& p) { return reader.reads_as_id(p); });
  };
  if (lines.size() > 1) {
    for (const std::string& line : lines) {
      if (split.entries.size() > kMaxEntries) break;
      std::vector<std::string> pieces = split_any(strip_marker(line), ",;");
      pieces.erase(std::remove(pieces.begin(), pieces.end(), std::string()), pieces.end());
      if (all_ids(pieces)) split.entries.insert(split.entries.end(), pieces.begin(), pieces.end());
      else split.entries.push_back(line);
    }
    return split;
  }
  if (lines.empty()) return split;
  const std::string& line = lines.front();
  std::vector<std::string> pieces = split_any(line, ",;");
  if (pieces.size() == 1) {
    std::vector<std::string> words = split_any(line, " \t");
    words.erase(std::remove(words.begin(), words.end(), std::string()), words.end());
    if (all_ids(words) && !reader.reads_as_title(line)) split.entries = words;
    else split.entries.push_back(line);
    return split;
  }
  pieces.erase(std::remove(pieces.begin(), pieces.end(), std::string()), pieces.end());
  if (all_ids(pieces)) {
    split.entries = pieces;
    return split;
  }
  // Titles may hold commas ("American President, The"): join neighbouring pieces that form a known title.
  for (size_t i = 0; i < pieces.size() && split.entries.size() <= kMaxEntries;) {
    size_t take = 1;
    for (size_t k = std::min<size_t>(4, pieces.size() - i); k >= 2; --k) {
      std::string joined = pieces[i];
      for (size_t p = i + 1; p < i + k; ++p) joined += ", " + pieces[p];
      if (reader.reads_as_title(joined)) {
        take = k;
        break;
      }
    }
    std::string entry = pieces[i];
    for (size_t p = i + 1; p < i + take; ++p) entry += ", " + pieces[p];
    split.entries.push_back(std::move(entry));
    i += take;
  }
  return split;
}

std::string item_text(const ListMatcher& m, int32_t item) {
  const ListCatalogue& c = m.catalogue();
  std::string s = "item " + quote_text(c.ids[static_cast<size_t>(item)], 40);
  const std::string& title = c.titles[static_cast<size_t>(item)];
  if (!title.empty()) s += " (" + quote_text(title, 40) + ")";
  return s;
}

std::string counted(size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

// Adds up to kMaxListedProblems messages, then one "… and N more" line.
void add_capped(std::vector<std::string>& problems, const std::vector<std::string>& messages) {
  for (size_t i = 0; i < messages.size() && i < kMaxListedProblems; ++i) problems.push_back(messages[i]);
  if (messages.size() > kMaxListedProblems)
    problems.push_back("… and " + std::to_string(messages.size() - kMaxListedProblems) + " more like it");
}

}  // namespace

ListAnswer output_parse_list(const std::string& answer, const ListMatcher& matcher, const std::vector<int32_t>& pool,
                             int expected_k) {
  ListAnswer out;
  bool cut = false;
  const std::string clean = parse_util::utf8_clean(answer, parse_util::kMaxAnswerBytes, &cut);
  if (cut) out.problems.push_back("the answer is longer than 64 KiB; only its start was read");
  bool outside = false;
  const std::string_view text = parse_util::strip_code_fence(trim(clean), &outside);
  if (outside) out.problems.push_back("text around the code fence was ignored");
  if (text.empty()) {
    out.problems.push_back("the answer is empty");
    return out;
  }
  const EntryReader reader(matcher);
  Split split = split_entries(text, reader, out.problems);
  if (split.entries.size() > kMaxEntries) {
    out.problems.push_back("the answer has more than " + std::to_string(kMaxEntries) + " entries; the rest were ignored");
    split.entries.resize(kMaxEntries);
  }

  std::unordered_map<int32_t, int> count;
  std::vector<std::string> notes, unmatched_msgs;
  for (std::string& raw : split.entries) {
    const Resolved r = reader.read(raw);
    if (!r.note.empty()) notes.push_back(r.note);
    if (r.item < 0) {
      unmatched_msgs.push_back(quote_text(raw) + " matches no catalogue item");
      out.unmatched.push_back(raw);
    } else if (count[r.item]++ == 0) {
      out.items.push_back(r.item);
    }
    out.entries.push_back({std::move(raw), r.item, r.how});
  }
  add_capped(out.problems, notes);
  add_capped(out.problems, unmatched_msgs);

  std::vector<std::string> dup_msgs, pool_msgs;
  for (const int32_t item : out.items) {
    if (count[item] > 1) {
      out.duplicates.push_back(item);
      dup_msgs.push_back(item_text(matcher, item) + " appears " + std::to_string(count[item]) + " times");
    }
  }
  if (!pool.empty()) {
    const std::unordered_set<int32_t> in_pool(pool.begin(), pool.end());
    for (const int32_t item : out.items) {
      if (in_pool.count(item)) continue;
      out.outside_pool.push_back(item);
      pool_msgs.push_back(item_text(matcher, item) + " is not in the candidate pool");
    }
  }
  add_capped(out.problems, dup_msgs);
  add_capped(out.problems, pool_msgs);

  if (expected_k > 0 && !split.structural_failure && !out.entries.empty()) {
    const auto k = static_cast<size_t>(expected_k);
    if (out.entries.size() != k)
      out.problems.push_back("the answer lists " + counted(out.entries.size(), "entry", "entries") + ", expected " +
                             std::to_string(k));
    else if (out.items.size() != k)
      out.problems.push_back("the answer has " + counted(out.items.size(), "distinct catalogue item", "distinct catalogue items") +
                             ", expected " + std::to_string(k));
  }
  if (out.entries.empty() && !split.structural_failure) out.problems.push_back("the answer lists no items");
  else if (out.items.empty() && !split.structural_failure) out.problems.push_back("no entry matched a catalogue item");
  out.ok = !out.items.empty() && !split.structural_failure;
  return out;
}

}  // namespace rf
