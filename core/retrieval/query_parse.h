// Turns a model-written search query (the Rec-R1 "Query" recipe) into a safe SQLite FTS5 MATCH
// expression. The text is arbitrary: it must never cause an FTS5/SQL syntax error, and nothing in it can
// act as FTS5 syntax except what the grammar below recognises, because every word reaches FTS5 only as a
// double-quoted string holding the word's own tokens (split exactly as the index's tokenizer splits them).
//
// Grammar (Lucene-like, since Rec-R1's models were trained against Pyserini/Lucene):
//   words              split like the tokenizer: "anti-aging" -> the phrase "anti aging"; emoji or
//                      punctuation alone are ignored; lowercase and/or/not/near are ordinary words
//   "quoted phrase"    one phrase; an unterminated quote runs to the end of the query
//   AND  &&            both sides (uppercase only)
//   OR   ||            either side (uppercase only)
//   NOT  -word  !word  exclude: every NOT clause of a group (the query, or one pair of parentheses)
//                      is removed from the rest of that group, as in Lucene: `a OR b NOT c` is
//                      `(a OR b) NOT c`, and a leading `NOT c d` is `d NOT c`. `AND NOT` / `OR NOT`
//                      mean NOT. A parenthesised group of nothing but NOT clauses excludes from its
//                      parent (`a AND (NOT b)` is `a NOT b`); a query of nothing but NOT clauses has
//                      nothing to search for (FTS5's NOT is binary) and gives no results
//   ( ... )            grouping; unmatched ')' dropped, unclosed '(' closed, redundant `((x))` removed,
//                      groups still deeper than max_depth flattened into their parent
//   adjacent terms     OR by default (free-text BM25, Lucene's default), AND with implicit_and
//   AND binds tighter than OR.
// Ignored with a note, because they are not part of our syntax and would otherwise add bogus words:
// Lucene/FTS5 column filters (`title:x`, `{title body}: x`), boosts and fuzziness (`x^2`, `x~1`,
// `"a b"~3`), wildcards (`lip*` searches `lip`), a `+` prefix. Stray operators (leading, trailing, doubled)
// are dropped; standalone English stop words (Lucene's EnglishAnalyzer list) are dropped unless
// keep_stop_words. Input is capped (bytes, terms, tokens per phrase); invalid UTF-8 and control
// characters become spaces. Every repair is listed in `notes`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rf {

struct QueryParseOptions {
  bool implicit_and = false;     // adjacent terms without an operator: OR (default) or AND
  bool keep_stop_words = false;  // true: search "the", "for", ... like any word
  size_t max_bytes = 2048;       // longer input is cut (at a character boundary)
  size_t max_terms = 64;         // words and phrases beyond this are dropped
  size_t max_phrase_tokens = 32; // a longer phrase keeps its first tokens
  int max_depth = 8;             // parentheses nested deeper are flattened into their parent group
  // FTS5 tokenizer of the index the query will run on (see Bm25Options::tokenizer); Bm25Index::parse fills it.
  std::string tokenizer = "unicode61 remove_diacritics 2";
};

struct Bm25Query {
  std::string fts_expression;          // FTS5 MATCH expression; "" when !ok
  std::vector<std::string> terms;      // searched words/phrases as the index sees them (tokens joined by ' ')
  std::vector<std::string> excluded;   // words/phrases under NOT
  bool ok = false;                     // false: nothing to search; the retriever returns no results
  std::string reason;                  // why !ok, e.g. "query has no searchable words"
  std::vector<std::string> notes;      // repairs made to the text, in order
};

Bm25Query query_parse(std::string_view text, const QueryParseOptions& options = {});

// Rec-R1's answer is a JSON object {"query": "..."}. Extracts the query string; ok is false (with a
// reason) when `answer` is not such an object. Surrounding whitespace and a ```json fence are tolerated.
struct QueryAnswer {
  bool ok = false;
  std::string query;
  std::string reason;
};
QueryAnswer query_answer_extract(std::string_view answer);

// Lucene's English stop words (EnglishAnalyzer / StopAnalyzer.ENGLISH_STOP_WORDS_SET, 33 words).
bool query_is_stop_word(std::string_view lowercase_word);

}  // namespace rf
