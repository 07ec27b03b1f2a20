// Access to SQLite FTS5's C extension API for the retriever: splitting a query into tokens exactly as an
// FTS5 table's tokenizer does (so the query parser never disagrees with the index about what a word is),
// and checking the tokenizer specs that end up inside CREATE VIRTUAL TABLE.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct fts5_api;

namespace rf {

struct Fts5Token {
  std::string text;  // the token as the index stores it (case-folded, diacritics removed, stemmed with porter)
  int begin = 0;     // byte range of the token in the input
  int end = 0;
};

// The fts5_api of a connection, via FTS5's documented `SELECT fts5(?1)` handshake. Throws when the
// SQLite library was built without FTS5.
fts5_api* fts5_api_of(sqlite3* db);

// Throws rf::Error unless `spec` is a tokenizer spec this project allows: space-separated words of
// [A-Za-z0-9_], the first one "unicode61", "ascii" or "porter" (porter wrapping unicode61 or ascii).
void fts5_tokenizer_spec_check(const std::string& spec);

// Tokenizes `text` as a MATCH query would be tokenized by a table created with tokenize='<spec>'.
// Thread-safe: each thread keeps its own private in-memory connection and tokenizer instances.
std::vector<Fts5Token> fts5_tokenize(std::string_view text, const std::string& spec);

}  // namespace rf
