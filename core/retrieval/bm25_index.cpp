// BM25 over SQLite FTS5: see bm25_index.h.
#include "retrieval/bm25_index.h"

#include "retrieval/bm25_rank.h"
#include "retrieval/fts5_api.h"
#include "util/error.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <unordered_set>

namespace rf {

namespace {

// Names end up inside SQL text (they cannot be bound), so only plain identifiers are accepted.
void identifier_check(const std::string& name, const char* what) {
  bool ok = !name.empty() && name.size() <= 64 && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok) throw Error(std::string("BM25 index: ") + what + " '" + name + "' must be letters, digits and '_' (not starting with a digit)");
}

void options_check(const Bm25Options& o, const std::vector<std::string>& columns) {
  identifier_check(o.table, "table name");
  fts5_tokenizer_spec_check(o.tokenizer);
  if (columns.empty()) throw Error("BM25 index: no columns to index");
  std::unordered_set<std::string> seen;
  for (const std::string& c : columns) {
    identifier_check(c, "column name");
    std::string lower;
    for (char ch : c) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "rank" || lower == "rowid" || lower == "oid" || lower == "_rowid_" || c == o.table)
      throw Error("BM25 index: '" + c + "' cannot be a column name (reserved by FTS5)");
    if (!seen.insert(lower).second) throw Error("BM25 index: column '" + c + "' appears twice");
  }
  if (!o.weights.empty() && o.weights.size() != columns.size())
    throw Error("BM25 index: " + std::to_string(o.weights.size()) + " weights given for " + std::to_string(columns.size()) +
                " columns");
  for (double w : o.weights)
    if (!std::isfinite(w) || w < 0) throw Error("BM25 index: column weights must be finite and >= 0");
}

std::string sql_string(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// True when `table` exists in `db`; throws when it exists but is not an FTS5 table (never drop user data).
bool fts5_table_exists(SqliteDb& db, const std::string& table) {
  SqliteStmt st = db.prepare("SELECT sql FROM sqlite_schema WHERE name = ?1");
  st.bind(1, table);
  if (!st.step()) return false;
  std::string sql = st.column_text(0);
  for (char& c : sql) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (sql.find("using fts5") == std::string::npos)
    throw Error(db.path() + ": table '" + table + "' exists and is not a BM25 (FTS5) index");
  return true;
}

void connection_tune(SqliteDb& db) {
  // Temporary b-trees (sorting, grouping) stay in memory: an index connection never writes scratch files.
  db.exec("PRAGMA temp_store = MEMORY");
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

}  // namespace

// `rank` is the clone's shared ranking data; nullptr loads it from the table.
Bm25Index bm25_index_from(std::unique_ptr<SqliteDb> owned, SqliteDb* db, std::vector<std::string> columns,
                          const Bm25Options& options, int64_t documents, std::shared_ptr<const Bm25RankData> rank) {
  Bm25Index idx;
  idx.owned_ = std::move(owned);
  idx.db_ = db ? db : idx.owned_.get();
  idx.columns_ = std::move(columns);
  idx.options_ = options;
  idx.documents_ = documents;
  if (!options.builtin_bm25) idx.rank_ = rank ? std::move(rank) : bm25_rank_data_load(*idx.db_, options.table, options.weights);
  idx.prepare();
  return idx;
}

Bm25Index::Bm25Index(Bm25Index&&) noexcept = default;
Bm25Index& Bm25Index::operator=(Bm25Index&&) noexcept = default;
Bm25Index::~Bm25Index() {
  // Statements first: they must be finalized before their connection closes.
  search_.reset();
  count_.reset();
}

void Bm25Index::prepare() {
  const std::string& t = options_.table;
  std::string rank;
  if (options_.builtin_bm25) {
    rank = "bm25(" + t;
    for (double w : options_.weights) {
      char buf[40];
      std::snprintf(buf, sizeof buf, ", %.17g", w);
      rank += buf;
    }
    rank += ")";
  } else {
    rank = bm25_rank_register(*db_, t, rank_) + "(" + t + ", ?3)";
  }
  // No ORDER BY: SQLite's sorter encodes and compares a record per matching row; selecting the top k in
  // C++ (nth_element, then sorting k) is cheaper, with the same order (score, then doc index).
  search_ = std::make_unique<SqliteStmt>(db_->prepare("SELECT rowid, " + rank + " FROM " + t + " WHERE " + t + " MATCH ?1"));
  count_ = std::make_unique<SqliteStmt>(db_->prepare("SELECT count(*) FROM " + t + " WHERE " + t + " MATCH ?1"));
}

std::vector<Bm25Hit> Bm25Index::search(const Bm25Query& query, int k) {
  if (k < 1) throw Error("BM25 search: k must be >= 1 (got " + std::to_string(k) + ")");
  std::vector<Bm25Hit> hits;
  if (!query.ok || query.fts_expression.empty()) return hits;
  search_->reset();
  search_->bind(1, query.fts_expression);
  if (!options_.builtin_bm25) search_->bind(3, bm25_rank_keys(query.fts_expression));
  try {
    while (search_->step()) hits.push_back({static_cast<int32_t>(search_->column_int64(0)), -search_->column_double(1)});
  } catch (const Error& e) {
    search_->reset();
    throw Error("BM25 search failed for the FTS5 expression " + query.fts_expression + ": " + e.what());
  }
  search_->reset();
  const auto better = [](const Bm25Hit& a, const Bm25Hit& b) { return a.score > b.score || (a.score == b.score && a.doc < b.doc); };
  const size_t keep = std::min(hits.size(), static_cast<size_t>(k));
  if (keep < hits.size()) {
    std::nth_element(hits.begin(), hits.begin() + static_cast<long>(keep), hits.end(), better);
    hits.resize(keep);
  }
  std::sort(hits.begin(), hits.end(), better);
  return hits;
}

int64_t Bm25Index::count(const Bm25Query& query) {
  if (!query.ok || query.fts_expression.empty()) return 0;
  count_->reset();
  count_->bind(1, query.fts_expression);
  const int64_t n = count_->step() ? count_->column_int64(0) : 0;
  count_->reset();
  return n;
}

Bm25Query Bm25Index::parse(std::string_view text, QueryParseOptions options) const {
  options.tokenizer = options_.tokenizer;
  return query_parse(text, options);
}

Bm25Index Bm25Index::clone() const {
  if (db_->path() != ":memory:" && !db_->path().empty()) {
    auto db = std::make_unique<SqliteDb>(db_->path(), false);
    connection_tune(*db);
    return bm25_index_from(std::move(db), nullptr, columns_, options_, documents_, rank_);
  }
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(db_->handle(), "main", &size, 0);
  if (!bytes) throw Error("BM25 index: cannot copy the in-memory index (out of memory?)");
  auto copy = std::make_unique<SqliteDb>(":memory:");
  const int rc = sqlite3_deserialize(copy->handle(), "main", bytes, size, size,
                                     SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc != SQLITE_OK) throw Error(std::string("BM25 index: cannot load the copied index: ") + sqlite3_errstr(rc));
  connection_tune(*copy);
  return bm25_index_from(std::move(copy), nullptr, columns_, options_, documents_, rank_);
}

Bm25Index bm25_index_build(const std::vector<std::string>& columns,
                           const std::vector<std::pair<int32_t, std::vector<std::string>>>& docs, const Bm25Options& options,
                           SqliteDb* db) {
  options_check(options, columns);
  std::unordered_set<int32_t> ids;
  ids.reserve(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    if (!ids.insert(docs[i].first).second)
      throw Error("BM25 index: document id " + std::to_string(docs[i].first) + " appears twice (document " +
                  std::to_string(i) + ")");
    if (docs[i].second.size() != columns.size())
      throw Error("BM25 index: document " + std::to_string(i) + " has " + std::to_string(docs[i].second.size()) +
                  " fields for " + std::to_string(columns.size()) + " columns");
  }
  std::unique_ptr<SqliteDb> owned;
  if (!db) {
    owned = std::make_unique<SqliteDb>(":memory:");
    connection_tune(*owned);
  }
  SqliteDb& target = db ? *db : *owned;
  const std::string& t = options.table;
  {
    SqliteTransaction tx(target);
    if (fts5_table_exists(target, t)) target.exec("DROP TABLE " + t);
    target.exec("CREATE VIRTUAL TABLE " + t + " USING fts5(" + join(columns, ", ") +
                ", tokenize=" + sql_string(options.tokenizer) + ")");
    std::string sql = "INSERT INTO " + t + "(rowid, " + join(columns, ", ") + ") VALUES (?1";
    for (size_t c = 0; c < columns.size(); ++c) sql += ", ?" + std::to_string(c + 2);
    SqliteStmt insert = target.prepare(sql + ")");
    for (const auto& [id, fields] : docs) {
      insert.bind(1, static_cast<int64_t>(id));
      for (size_t c = 0; c < fields.size(); ++c) insert.bind(static_cast<int>(c + 2), fields[c]);
      insert.run();
    }
    // One merged b-tree instead of several segments: fewer lookups per query term.
    target.exec("INSERT INTO " + t + "(" + t + ") VALUES('optimize')");
    tx.commit();
  }
  return bm25_index_from(std::move(owned), db, columns, options, static_cast<int64_t>(docs.size()), nullptr);
}

Bm25Index bm25_index_build(const std::vector<std::pair<int32_t, std::string>>& docs, const Bm25Options& options,
                           SqliteDb* db) {
  std::vector<std::pair<int32_t, std::vector<std::string>>> rows;
  rows.reserve(docs.size());
  for (const auto& [id, text] : docs) rows.push_back({id, {text}});
  return bm25_index_build(std::vector<std::string>{"text"}, rows, options, db);
}

std::string bm25_item_field(const Item& item, const std::string& field) {
  if (field == "title") return item.title;
  if (field == "categories") return join(item.categories, ", ");
  if (field == "tags") return join(item.tags, ", ");
  if (field == "creator") return item.creator;
  if (field == "text") return item.text;
  throw Error("BM25 index: unknown item field '" + field + "' (expected title, categories, tags, creator or text)");
}

Bm25Index bm25_index_build(const Dataset& ds, const Bm25Options& options, SqliteDb* db) {
  if (options.fields.empty()) throw Error("BM25 index: no item fields chosen (Bm25Options::fields)");
  std::vector<std::pair<int32_t, std::vector<std::string>>> rows;
  rows.reserve(ds.items.size());
  for (int32_t i = 0; i < ds.item_count(); ++i) {
    std::vector<std::string> fields;
    fields.reserve(options.fields.size());
    for (const std::string& f : options.fields) fields.push_back(bm25_item_field(ds.items[static_cast<size_t>(i)], f));
    rows.push_back({i, std::move(fields)});
  }
  return bm25_index_build(options.fields, rows, options, db);
}

Bm25Index bm25_index_open(SqliteDb& db, const Bm25Options& options) {
  identifier_check(options.table, "table name");
  fts5_tokenizer_spec_check(options.tokenizer);
  if (!fts5_table_exists(db, options.table)) throw Error(db.path() + ": no BM25 index table '" + options.table + "'");
  std::vector<std::string> columns;
  {
    SqliteStmt info = db.prepare("SELECT name FROM pragma_table_info(?1)");
    info.bind(1, options.table);
    while (info.step()) columns.push_back(info.column_text(0));
  }
  options_check(options, columns);
  SqliteStmt n = db.prepare("SELECT count(*) FROM " + options.table);
  const int64_t documents = n.step() ? n.column_int64(0) : 0;
  return bm25_index_from(nullptr, &db, columns, options, documents, nullptr);
}

}  // namespace rf
