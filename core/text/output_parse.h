// Output parsers: read what a model wrote back into structure — its tags (with exact byte positions,
// so the inspector can highlight them), a ranked list of items, a search query or a rating. A parse
// never throws on model text (any bytes: invalid UTF-8, huge or deeply nested input): it returns what it
// found plus a list of problems in plain words, and `ok` says whether the answer is usable as the recipe
// expects. `ok` may come with problems that describe tolerated deviations (a duplicate item, a trailing
// comma, text around the JSON); reward components decide what those cost. Answers longer than 64 KiB are
// read up to that point (a problem says so).
#pragma once

#include "text/title_match.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rf {

// --- tags ------------------------------------------------------------------------------------------------
struct TagSpan {
  std::string name;      // e.g. "think", "answer", "analyze user"
  size_t open_begin = 0;   // byte offset of '<' of the opening tag
  size_t open_end = 0;     // one past its '>'
  size_t close_begin = 0;  // byte offset of '<' of the closing tag
  size_t close_end = 0;    // one past its '>'
  std::string content;   // text between the tags, trimmed of surrounding whitespace
};

struct TagCheck {
  bool ok = false;                 // every required tag exactly once, in order, closed, non-empty
  std::vector<TagSpan> tags;       // the required tags found (first occurrence of each), in text order
  std::vector<std::string> problems;  // e.g. "<answer> appears 2 times", "</think> is missing"
};

// Checks `text` for `required` tags (names without brackets) each exactly once, in this order, closed,
// not nested in each other and with non-empty content. `text` may hold other words outside the tags; with
// `strict_outside` only whitespace may appear outside them. Strict on spelling: only `<name>` and
// `</name>` count; near misses of a required tag (`< answer >`, `<Answer>`, `<analyze_user>`, `<answer/>`)
// are reported as problems (so ok is false) and do not count. When the prompt pre-fills the start of the
// completion (Rec-R1's "<think>"), check prefill + completion. Positions are byte offsets into `text`.
TagCheck output_check_tags(const std::string& text, const std::vector<std::string>& required, bool strict_outside = false);

// The content of the LAST complete <tag>...</tag> block (models sometimes restate an answer), or nullopt.
std::optional<TagSpan> output_last_block(const std::string& text, const std::string& tag);

// --- ranked lists ----------------------------------------------------------------------------------------
// What a list answer is matched against: the catalogue's ids and titles (indices are Dataset item indices).
struct ListCatalogue {
  std::vector<std::string> ids;     // ids[i] = the id shown in prompts for item i
  std::vector<std::string> titles;  // titles[i]
};

// Built once per catalogue (title normalisation + an index for fuzzy lookup), then shared read-only
// between threads. Ids are matched as written, then ignoring ASCII case when that is unambiguous.
// `titles` may be empty (ids only); otherwise it must be as long as `ids` (rf::Error if not). Building for
// Beauty's 12,101 titles takes ~0.1 s; a fuzzy lookup ~0.1 ms there (long titles), ~10 µs on MovieLens.
class ListMatcher {
 public:
  explicit ListMatcher(ListCatalogue catalogue, double fuzzy_threshold = 0.85);
  int32_t find_id(const std::string& id) const;  // -1 when absent
  // Title lookup: exact, then normalised (case, punctuation, articles, spacing), then fuzzy (similarity
  // >= threshold). `how` is set to "exact", "normalised" or "fuzzy"; `allow_fuzzy` false skips the last step.
  int32_t find_title(const std::string& title, std::string* how = nullptr, double* similarity = nullptr,
                     bool allow_fuzzy = true) const;
  const ListCatalogue& catalogue() const { return catalogue_; }

 private:
  ListCatalogue catalogue_;
  double fuzzy_threshold_;
  std::unordered_map<std::string, int32_t> by_id_;
  std::unordered_map<std::string, int32_t> by_title_;
  std::unordered_map<std::string, int32_t> by_normalised_title_;
  std::unordered_map<std::string, int32_t> by_id_folded_;  // lower-case id -> item, -2 when ambiguous
  TitleIndex title_index_;
};

struct ListEntry {
  std::string raw;      // the text the entry was read from
  int32_t item = -1;    // catalogue index, -1 when unmatched
  std::string matched_by;  // "id", "title-exact", "title-normalised", "title-fuzzy", "" when unmatched
};

struct ListAnswer {
  // At least one item matched and no structural failure (empty answer, a JSON value that is not a list).
  // Duplicates, items outside the pool, unmatched entries and a length other than expected_k are
  // problems but leave ok true.
  bool ok = false;
  std::vector<int32_t> items;        // matched items in answer order, first occurrence only
  std::vector<ListEntry> entries;    // every entry as written, matched or not
  std::vector<int32_t> duplicates;   // items that appeared more than once
  std::vector<int32_t> outside_pool; // matched items not in the candidate pool (kept in `items`)
  std::vector<std::string> unmatched;  // entries that matched nothing
  std::vector<std::string> problems;
};

// Reads ids in the shapes models write them — `[12, 45]`, `12, 45`, one per line, `#12`, `item 12`,
// `Item 12: Title`, `1. Title (id 12)`, `"B00ABC"`, JSON arrays of numbers, strings or {"id": …} objects —
// and falls back to titles (exact, normalised, fuzzy). `answer` is the content of the answer block.
// `pool` (may be empty = no pool) marks items outside the candidate pool; `expected_k` > 0 adds a problem
// when the number of entries or of distinct matched items differs. Each entry is read as an id first (an
// explicit id wins: `Toy Story (id 2)` is item 2), then as a title; `Item 99: Heat` with an unknown id
// falls back to its title, with a problem saying so. Fuzzy title matches are noted in problems too.
ListAnswer output_parse_list(const std::string& answer, const ListMatcher& matcher, const std::vector<int32_t>& pool,
                             int expected_k);

// --- queries ---------------------------------------------------------------------------------------------
// Named OutputQueryAnswer for the linker: core/retrieval/query_parse.h also declares an rf::QueryAnswer
// (with other fields), and two classes of one name in one program break the one-definition rule. Write
// rf::QueryAnswer; do not include both headers in one file.
struct OutputQueryAnswer {
  bool ok = false;
  std::string query;  // trimmed; "" when !ok
  std::vector<std::string> problems;
};
using QueryAnswer = OutputQueryAnswer;

// The `query` field of a JSON object such as {"query": "..."}, tolerant of ```json fences, text before and
// after the object, and trailing commas (each noted in problems, ok stays true). Not tolerated (ok false):
// a bare string with no JSON, single-quoted JSON, a missing "query" field, a query that is not a string or
// is empty. When several objects are present, the first with a "query" field is read.
QueryAnswer output_parse_query(const std::string& answer);

// --- ratings ---------------------------------------------------------------------------------------------
struct RatingAnswer {
  bool ok = false;
  double value = 0;  // the number read (also when out of range); 0 when none or ambiguous
  std::vector<std::string> problems;
};

// A number in [min, max] ("4", "4.5", "4/5", "4 out of 5", "Rating: 4 stars"); the same number repeated is
// fine. Problems (ok false): no number, several different numbers ("between 3 and 4"), a value out of
// range, a scale other than max ("8/10" when max is 5).
RatingAnswer output_parse_rating(const std::string& text, double min, double max);

}  // namespace rf
