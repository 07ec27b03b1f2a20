// The ranking function of the BM25 index: an FTS5 auxiliary function that computes exactly what FTS5's
// built-in bm25() computes (same formula, same order of floating-point operations, so equal to the last
// bit), but reads each row's length in tokens from an in-memory cache. The built-in asks FTS5 for it
// (xColumnSize), which runs a lookup in the %_docsize table for every matching row and costs more than
// the rest of the ranking together.
#pragma once

#include "store/sqlite_db.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rf {

struct Bm25RankData {
  std::vector<double> weights;  // per column; empty = 1.0 each (as bm25() without arguments)
  // Row lengths (tokens over all columns): dense by rowid - min_rowid when the ids are compact, else sparse.
  int64_t min_rowid = 0;
  std::vector<int32_t> dense;
  std::unordered_map<int64_t, int32_t> sparse;

  int32_t length(int64_t rowid) const;  // -1 when unknown
};

// Reads every row's length of the FTS5 table `table` from its %_docsize shadow table.
std::shared_ptr<const Bm25RankData> bm25_rank_data_load(SqliteDb& db, const std::string& table, std::vector<double> weights);

// Registers the ranking function on `db` for `table` and returns its SQL name ("rf_bm25_<table>"); it is
// called as `<name>(<table>, keys)` with keys = bm25_rank_keys(the MATCH expression), and returns FTS5's
// convention, -score (lower = better). `data` stays alive as long as the connection keeps the function.
// Each registration caches, per phrase key, how many rows the phrase matches (for the idf); the table
// must not change while it is registered.
std::string bm25_rank_register(SqliteDb& db, const std::string& table, std::shared_ptr<const Bm25RankData> data);

// The quoted phrases of an FTS5 expression made by query_parse(), in order, joined by '\x1f': the keys
// under which the ranking function caches each phrase's row count. "" (no caching) unless the expression
// is only quoted phrases, AND, OR, NOT, parentheses and spaces, as query_parse() writes it.
std::string bm25_rank_keys(std::string_view expression);

}  // namespace rf
