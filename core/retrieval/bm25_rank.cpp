// bm25() with cached row lengths: see bm25_rank.h. The arithmetic mirrors fts5Bm25Function in SQLite's
// ext/fts5/fts5_aux.c (3.40): idf = ln((N - nHit + 0.5) / (nHit + 0.5)), floored at 1e-6 when <= 0, with N
// and nHit counted by FTS5 (xRowCount, xQueryPhrase); k1 = 1.2, b = 0.75; each phrase instance adds its
// column's weight to the phrase frequency f; score = sum over phrases of idf * f (k1 + 1) / (f + k1 (1 - b
// + b D / avgdl)), D = the row's tokens over all columns, avgdl = all tokens / N.
#include "retrieval/bm25_rank.h"

#include "retrieval/fts5_api.h"
#include "util/error.h"

#include <sqlite3.h>

#include <cmath>
#include <string_view>

namespace rf {

namespace {

// Per query: computed on the first row, like FTS5's Fts5Bm25Data.
struct QueryStats {
  double avgdl = 0;
  std::vector<double> idf;
  std::vector<double> freq;  // scratch for the current row
};

int count_rows(const Fts5ExtensionApi*, Fts5Context*, void* user) {
  ++*static_cast<sqlite3_int64*>(user);
  return SQLITE_OK;
}

// What one registration of the function (one connection) keeps: the shared row lengths and a cache of
// how many rows each phrase matches. That count depends only on the phrase and the (read-only) table,
// and finding it (xQueryPhrase: a whole query per phrase) costs about as much as the ranking itself.
struct RankFunction {
  std::shared_ptr<const Bm25RankData> data;
  std::unordered_map<std::string, sqlite3_int64> hits;
};

// The phrases of the MATCH expression in order (FTS5 numbers them in order of appearance), one per
// line of `keys`, as bm25_rank_keys() writes them; empty when the caller gave none.
std::vector<std::string_view> keys_split(std::string_view keys) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < keys.size()) {
    size_t end = keys.find('\x1f', start);
    if (end == std::string_view::npos) end = keys.size();
    out.push_back(keys.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int query_stats(const Fts5ExtensionApi* api, Fts5Context* fts, RankFunction& fn, std::string_view keys, QueryStats** out) {
  auto* q = static_cast<QueryStats*>(api->xGetAuxdata(fts, 0));
  if (q) {
    *out = q;
    return SQLITE_OK;
  }
  auto stats = std::make_unique<QueryStats>();
  const int phrases = api->xPhraseCount(fts);
  std::vector<std::string_view> names = keys_split(keys);
  if (names.size() != static_cast<size_t>(phrases)) names.clear();  // never trust a list that does not fit
  if (fn.hits.size() > 200000) fn.hits.clear();
  sqlite3_int64 rows = 0, tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
  if (rc == SQLITE_OK) stats->avgdl = static_cast<double>(tokens) / static_cast<double>(rows);
  for (int i = 0; rc == SQLITE_OK && i < phrases; ++i) {
    sqlite3_int64 hits = 0;
    auto cached = names.empty() ? fn.hits.end() : fn.hits.find(std::string(names[static_cast<size_t>(i)]));
    if (cached != fn.hits.end()) {
      hits = cached->second;
    } else {
      rc = api->xQueryPhrase(fts, i, &hits, count_rows);
      if (rc == SQLITE_OK && !names.empty()) fn.hits.emplace(std::string(names[static_cast<size_t>(i)]), hits);
    }
    double idf = std::log((rows - hits + 0.5) / (hits + 0.5));
    if (idf <= 0.0) idf = 1e-6;
    stats->idf.push_back(idf);
  }
  if (rc != SQLITE_OK) return rc;
  stats->freq.assign(static_cast<size_t>(phrases), 0.0);
  q = stats.release();
  rc = api->xSetAuxdata(fts, q, [](void* p) { delete static_cast<QueryStats*>(p); });
  if (rc != SQLITE_OK) return rc;  // xSetAuxdata already freed it
  *out = q;
  return SQLITE_OK;
}

void rank_function(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const double k1 = 1.2;
  const double b = 0.75;
  RankFunction& fn = *static_cast<RankFunction*>(api->xUserData(fts));
  const Bm25RankData& data = *fn.data;
  std::string_view keys;
  if (argc > 0 && sqlite3_value_type(argv[0]) == SQLITE_TEXT)
    keys = std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                            static_cast<size_t>(sqlite3_value_bytes(argv[0])));
  QueryStats* q = nullptr;
  int rc = query_stats(api, fts, fn, keys, &q);
  if (rc == SQLITE_OK) {
    const int phrases = static_cast<int>(q->idf.size());
    const size_t ncol = data.weights.size();
    for (int i = 0; rc == SQLITE_OK && i < phrases; ++i) {
      double f = 0.0;
      Fts5PhraseIter it;
      int col = -1, off = -1;
      rc = api->xPhraseFirst(fts, i, &it, &col, &off);
      for (; rc == SQLITE_OK && col >= 0; api->xPhraseNext(fts, &it, &col, &off))
        f += static_cast<size_t>(col) < ncol ? data.weights[static_cast<size_t>(col)] : 1.0;
      q->freq[static_cast<size_t>(i)] = f;
    }
    int len = data.length(api->xRowid(fts));
    if (rc == SQLITE_OK && len < 0) rc = api->xColumnSize(fts, -1, &len);
    if (rc == SQLITE_OK) {
      const double D = static_cast<double>(len);
      double score = 0.0;
      for (int i = 0; i < phrases; ++i) {
        const double f = q->freq[static_cast<size_t>(i)];
        score += q->idf[static_cast<size_t>(i)] * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / q->avgdl)));
      }
      sqlite3_result_double(ctx, -1.0 * score);
      return;
    }
  }
  sqlite3_result_error_code(ctx, rc);
}

// SQLite's varint (1-9 bytes, big-endian, 7 bits per byte with the high bit as "more"; the 9th byte
// gives 8 bits), the encoding FTS5 uses for the per-column token counts in %_docsize.
uint64_t varint_read(const unsigned char* p, size_t n, size_t& i) {
  uint64_t v = 0;
  for (int k = 0; k < 9 && i < n; ++k) {
    const unsigned char c = p[i++];
    if (k == 8) return (v << 8) | c;
    v = (v << 7) | (c & 0x7F);
    if (!(c & 0x80)) return v;
  }
  return v;
}

}  // namespace

std::string bm25_rank_keys(std::string_view expression) {
  std::string keys;
  size_t i = 0;
  while (i < expression.size()) {
    const char c = expression[i];
    if (c == ' ' || c == '(' || c == ')') {
      ++i;
    } else if (expression.compare(i, 4, "AND ") == 0 || expression.compare(i, 4, "NOT ") == 0) {
      i += 4;
    } else if (expression.compare(i, 3, "OR ") == 0) {
      i += 3;
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < expression.size() && !(expression[j] == '"' && (j + 1 >= expression.size() || expression[j + 1] != '"')))
        j += expression[j] == '"' ? 2 : 1;
      if (!keys.empty()) keys += '\x1f';
      keys.append(expression.substr(i, j + 1 - i));
      i = j + 1;
    } else {
      // Anything else (bare words, column filters, NEAR, prefixes) could make a phrase's row count
      // differ from that of the same quoted text elsewhere: no keys, no caching.
      return {};
    }
  }
  return keys;
}

int32_t Bm25RankData::length(int64_t rowid) const {
  if (!dense.empty()) {
    const int64_t i = rowid - min_rowid;
    return i >= 0 && i < static_cast<int64_t>(dense.size()) ? dense[static_cast<size_t>(i)] : -1;
  }
  const auto it = sparse.find(rowid);
  return it == sparse.end() ? -1 : it->second;
}

std::shared_ptr<const Bm25RankData> bm25_rank_data_load(SqliteDb& db, const std::string& table, std::vector<double> weights) {
  // %_docsize holds one blob per row: the token count of each column as varints (FTS5's columnsize=1
  // default, which bm25_index_build keeps). A row's length is their sum, as xColumnSize(-1) computes it.
  // Without that table (columnsize=0) nothing is cached and the function asks FTS5 per row.
  std::vector<std::pair<int64_t, int32_t>> rows;
  SqliteStmt exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = ?1");
  exists.bind(1, table + "_docsize");
  if (exists.step()) {
    SqliteStmt st = db.prepare("SELECT id, sz FROM " + table + "_docsize");
    while (st.step()) {
      const std::string blob = st.column_text(1);
      const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
      size_t i = 0;
      uint64_t total = 0;
      while (i < blob.size()) total += varint_read(p, blob.size(), i);
      rows.push_back({st.column_int64(0), static_cast<int32_t>(total)});
    }
  }
  auto data = std::make_shared<Bm25RankData>();
  data->weights = std::move(weights);
  if (rows.empty()) return data;
  int64_t lo = rows[0].first, hi = rows[0].first;
  for (const auto& [id, n] : rows) lo = std::min(lo, id), hi = std::max(hi, id);
  // Dense when the ids are mostly contiguous (item indices are 0..N-1): one array read per row.
  if (hi - lo < 4 * static_cast<int64_t>(rows.size()) + 1024) {
    data->min_rowid = lo;
    data->dense.assign(static_cast<size_t>(hi - lo + 1), -1);
    for (const auto& [id, n] : rows) data->dense[static_cast<size_t>(id - lo)] = n;
  } else {
    for (const auto& [id, n] : rows) data->sparse[id] = n;
  }
  return data;
}

std::string bm25_rank_register(SqliteDb& db, const std::string& table, std::shared_ptr<const Bm25RankData> data) {
  const std::string name = "rf_bm25_" + table;
  fts5_api* api = fts5_api_of(db.handle());
  auto* holder = new RankFunction{std::move(data), {}};
  const int rc = api->xCreateFunction(api, name.c_str(), holder, rank_function,
                                      [](void* p) { delete static_cast<RankFunction*>(p); });
  if (rc != SQLITE_OK) {
    delete holder;
    throw Error(db.path() + ": cannot register the FTS5 ranking function " + name);
  }
  return name;
}

}  // namespace rf
