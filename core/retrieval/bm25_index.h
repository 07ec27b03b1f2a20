// The black-box retriever of the Query recipe (Rec-R1): BM25 over a catalogue, kept in an SQLite FTS5
// table (in memory by default, or a table inside a project database). Queries come from query_parse()
// (or Bm25Index::parse), so arbitrary model text is safe to run.
//
// Ranking is FTS5's bm25() (sqlite ext/fts5/fts5_aux.c, checked against the 3.40 source and docs): k1 = 1.2
// and b = 0.75 are constants inside FTS5; idf = ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6 when it
// would be <= 0; the document length and the average are in tokens over all columns; a column weight
// multiplies each hit in that column. FTS5 returns -score (lower = better); here scores are positive,
// higher = better, ties broken by the lower doc index, so results are deterministic.
//
// Tokenizer: "unicode61 remove_diacritics 2" by default (case- and accent-folding, no stemming), or e.g.
// "porter unicode61 remove_diacritics 2" for English stemming closer to Lucene's EnglishAnalyzer, which
// Pyserini (Rec-R1's BM25) uses. Stop words are removed on the query side only (query_parse.h).
#pragma once

#include "data/dataset.h"
#include "retrieval/query_parse.h"
#include "store/sqlite_db.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rf {

struct Bm25Options {
  std::string tokenizer = "unicode61 remove_diacritics 2";
  // Item fields indexed by bm25_index_build(Dataset), one FTS5 column each, from:
  // title, categories, tags, creator, text (categories and tags are joined with ", ").
  std::vector<std::string> fields = {"title", "categories", "tags", "creator", "text"};
  std::vector<double> weights;  // one per column (empty: 1.0 each)
  std::string table = "bm25_docs";  // FTS5 table name (letters, digits, '_'); replaced when building
  // false (default): rank with rf's re-implementation of FTS5's bm25(), identical formula and arithmetic,
  // reading each row's length from a cache instead of FTS5's %_docsize table (several times faster).
  // true: FTS5's own bm25(), for checking that the two agree.
  bool builtin_bm25 = false;
};

struct Bm25RankData;  // per-index data of the ranking function (bm25_index.cpp)

struct Bm25Hit {
  int32_t doc = 0;     // item index (Dataset builds) or the id given
  double score = 0;    // BM25, > 0, higher = better
};

class Bm25Index {
 public:
  Bm25Index(Bm25Index&&) noexcept;
  Bm25Index& operator=(Bm25Index&&) noexcept;
  ~Bm25Index();

  // The top `k` (>= 1) documents for `query`, best first; empty when !query.ok or nothing matches.
  // Not thread-safe: give each thread its own clone().
  std::vector<Bm25Hit> search(const Bm25Query& query, int k);
  // query_parse() with this index's tokenizer.
  Bm25Query parse(std::string_view text, QueryParseOptions options = {}) const;
  // Number of documents matching `query` (no ranking).
  int64_t count(const Bm25Query& query);

  // An independent copy for another thread: an in-memory index is copied (sqlite3_serialize), an index
  // inside a database file gets a new read connection to that file.
  Bm25Index clone() const;

  int64_t document_count() const { return documents_; }
  const std::vector<std::string>& columns() const { return columns_; }
  const Bm25Options& options() const { return options_; }

 private:
  friend Bm25Index bm25_index_from(std::unique_ptr<SqliteDb> owned, SqliteDb* db, std::vector<std::string> columns,
                                   const Bm25Options& options, int64_t documents,
                                   std::shared_ptr<const Bm25RankData> rank);
  Bm25Index() = default;
  void prepare();

  std::unique_ptr<SqliteDb> owned_;  // set for in-memory indexes and clones
  SqliteDb* db_ = nullptr;           // owned_.get() or the caller's database
  std::vector<std::string> columns_;
  Bm25Options options_;
  int64_t documents_ = 0;
  std::shared_ptr<const Bm25RankData> rank_;  // shared with clones (read-only)
  std::unique_ptr<SqliteStmt> search_;
  std::unique_ptr<SqliteStmt> count_;
};

// Indexes every item of `ds` (doc = item index). With `db`, the table options.table is (re)created in it
// and the caller keeps `db` alive as long as the index; without, the index lives in memory.
Bm25Index bm25_index_build(const Dataset& ds, const Bm25Options& options = {}, SqliteDb* db = nullptr);

// Indexes raw (id, text) pairs in one column "text"; ids must be unique (rf::Error names a duplicate).
Bm25Index bm25_index_build(const std::vector<std::pair<int32_t, std::string>>& docs, const Bm25Options& options = {},
                           SqliteDb* db = nullptr);

// Indexes documents with several text columns: docs[i].second[c] goes to column columns[c].
Bm25Index bm25_index_build(const std::vector<std::string>& columns,
                           const std::vector<std::pair<int32_t, std::vector<std::string>>>& docs,
                           const Bm25Options& options = {}, SqliteDb* db = nullptr);

// Opens an index built earlier into `db` (table options.table); options.tokenizer must be the one it was built with.
Bm25Index bm25_index_open(SqliteDb& db, const Bm25Options& options = {});

// The text of one item field as indexed (title, categories, tags, creator, text); rf::Error on an unknown field.
std::string bm25_item_field(const Item& item, const std::string& field);

}  // namespace rf
