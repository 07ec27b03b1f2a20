// Datasets in a project's SQLite database: see dataset_store.h. Tables (created on first use):
//   datasets(id, name UNIQUE, source, imported_at, item_count, user_count, interaction_count)
//   items(dataset_id, idx, ext_id, title, categories JSON, tags JSON, creator, text, attributes JSON, popularity)
//   users(dataset_id, idx, ext_id, profile)
//   interactions(dataset_id, pos, user_idx, item_idx, time, rating NULL, review, label)
// Rows are keyed by (dataset_id, idx|pos), so a dataset loads back by index range in its original order
// and deletes by the same range. A save is one transaction with one prepared statement per table.
#include "data/dataset_store.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace rf {

namespace {

using nlohmann::json;

void schema_ensure(SqliteDb& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS datasets ("
      "  id INTEGER PRIMARY KEY,"
      "  name TEXT NOT NULL UNIQUE,"
      "  source TEXT NOT NULL DEFAULT '',"
      "  imported_at TEXT NOT NULL,"
      "  item_count INTEGER NOT NULL DEFAULT 0,"
      "  user_count INTEGER NOT NULL DEFAULT 0,"
      "  interaction_count INTEGER NOT NULL DEFAULT 0);"
      "CREATE TABLE IF NOT EXISTS items ("
      "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
      "  idx INTEGER NOT NULL,"
      "  ext_id TEXT NOT NULL,"
      "  title TEXT NOT NULL DEFAULT '',"
      "  categories TEXT NOT NULL DEFAULT '[]',"
      "  tags TEXT NOT NULL DEFAULT '[]',"
      "  creator TEXT NOT NULL DEFAULT '',"
      "  text TEXT NOT NULL DEFAULT '',"
      "  attributes TEXT NOT NULL DEFAULT '{}',"
      "  popularity REAL NOT NULL DEFAULT 0,"
      "  PRIMARY KEY (dataset_id, idx));"
      "CREATE UNIQUE INDEX IF NOT EXISTS items_ext_id ON items (dataset_id, ext_id);"
      "CREATE TABLE IF NOT EXISTS users ("
      "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
      "  idx INTEGER NOT NULL,"
      "  ext_id TEXT NOT NULL,"
      "  profile TEXT NOT NULL DEFAULT '',"
      "  PRIMARY KEY (dataset_id, idx));"
      "CREATE UNIQUE INDEX IF NOT EXISTS users_ext_id ON users (dataset_id, ext_id);"
      "CREATE TABLE IF NOT EXISTS interactions ("
      "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
      "  pos INTEGER NOT NULL,"
      "  user_idx INTEGER NOT NULL,"
      "  item_idx INTEGER NOT NULL,"
      "  time INTEGER NOT NULL,"
      "  rating REAL,"
      "  review TEXT,"  // NULL for "": most sources have no review or label
      "  label TEXT,"
      "  PRIMARY KEY (dataset_id, pos)) WITHOUT ROWID;");
}

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// -1 when the project has no dataset of that name.
int64_t dataset_id_find(SqliteDb& db, const std::string& name) {
  auto stmt = db.prepare("SELECT id FROM datasets WHERE name = ?");
  stmt.bind(1, name);
  return stmt.step() ? stmt.column_int64(0) : -1;
}

void dataset_rows_delete(SqliteDb& db, int64_t id) {
  for (const char* table : {"interactions", "users", "items"}) {
    auto stmt = db.prepare(std::string("DELETE FROM ") + table + " WHERE dataset_id = ?");
    stmt.bind(1, id);
    stmt.run();
  }
  auto stmt = db.prepare("DELETE FROM datasets WHERE id = ?");
  stmt.bind(1, id);
  stmt.run();
}

// Indices must point inside the tables before anything is written.
void dataset_check(const Dataset& ds) {
  if (ds.name.empty()) throw Error("cannot save a dataset without a name");
  const auto n_items = static_cast<int64_t>(ds.items.size()), n_users = static_cast<int64_t>(ds.users.size());
  for (size_t i = 0; i < ds.interactions.size(); ++i) {
    const Interaction& x = ds.interactions[i];
    if (x.item < 0 || x.item >= n_items || x.user < 0 || x.user >= n_users) {
      throw Error("dataset '" + ds.name + "': interaction " + std::to_string(i) + " names user " +
                  std::to_string(x.user) + " and item " + std::to_string(x.item) + ", but it has " +
                  std::to_string(n_users) + " users and " + std::to_string(n_items) + " items");
    }
  }
}

json string_list_json(const std::vector<std::string>& list) {
  json j = json::array();
  for (const auto& s : list) j.push_back(s);
  return j;
}

// Compact JSON; bytes that are not UTF-8 (never from the importers, which check) become U+FFFD.
std::string json_text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<std::string> string_list_parse(const std::string& text, const std::string& where) {
  json j = json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (j.is_discarded() || !j.is_array()) throw Error(where + ": not a JSON list of strings");
  for (const auto& x : j) {
    if (!x.is_string()) throw Error(where + ": not a JSON list of strings");
    out.push_back(x.get<std::string>());
  }
  return out;
}

constexpr size_t kBatch = 64;  // 8 parameters a row: 512 per statement, under SQLite's limit of 999

std::string interactions_insert_sql(size_t rows) {
  std::string sql = "INSERT INTO interactions (dataset_id, pos, user_idx, item_idx, time, rating, review, label) VALUES ";
  for (size_t r = 0; r < rows; ++r) sql += r ? ",(?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?)";
  return sql;
}

}  // namespace

void dataset_save(Project& project, const Dataset& ds, bool replace) {
  dataset_check(ds);
  SqliteDb& db = *project.db;
  schema_ensure(db);
  SqliteTransaction tx(db);
  const int64_t existing = dataset_id_find(db, ds.name);
  if (existing >= 0) {
    if (!replace) {
      throw Error("project " + project.dir + " already has a dataset named '" + ds.name +
                  "' (replace it with --replace, or pick another --name)");
    }
    dataset_rows_delete(db, existing);
  }
  {
    auto stmt = db.prepare(
        "INSERT INTO datasets (name, source, imported_at, item_count, user_count, interaction_count) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    stmt.bind(1, ds.name).bind(2, ds.source).bind(3, utc_now_iso());
    stmt.bind(4, static_cast<int64_t>(ds.items.size()))
        .bind(5, static_cast<int64_t>(ds.users.size()))
        .bind(6, static_cast<int64_t>(ds.interactions.size()));
    stmt.run();
  }
  const int64_t id = db.last_insert_rowid();

  auto items = db.prepare(
      "INSERT INTO items (dataset_id, idx, ext_id, title, categories, tags, creator, text, attributes, popularity) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (size_t i = 0; i < ds.items.size(); ++i) {
    const Item& item = ds.items[i];
    json attributes = json::object();
    for (const auto& [k, v] : item.attributes) attributes[k] = v;
    items.bind(1, id).bind(2, static_cast<int64_t>(i)).bind(3, item.id).bind(4, item.title);
    items.bind(5, json_text(string_list_json(item.categories))).bind(6, json_text(string_list_json(item.tags)));
    items.bind(7, item.creator).bind(8, item.text).bind(9, json_text(attributes)).bind(10, item.popularity);
    items.run();
  }

  auto users = db.prepare("INSERT INTO users (dataset_id, idx, ext_id, profile) VALUES (?, ?, ?, ?)");
  for (size_t i = 0; i < ds.users.size(); ++i) {
    users.bind(1, id).bind(2, static_cast<int64_t>(i)).bind(3, ds.users[i].id).bind(4, ds.users[i].profile);
    users.run();
  }

  // Interactions go kBatch rows per INSERT: one statement step per batch instead of one per row.
  const size_t n = ds.interactions.size();
  auto bind_row = [&](SqliteStmt& stmt, int base, size_t i) {
    const Interaction& x = ds.interactions[i];
    stmt.bind(base + 1, id).bind(base + 2, static_cast<int64_t>(i)).bind(base + 3, x.user).bind(base + 4, x.item);
    stmt.bind(base + 5, x.time);
    if (x.has_rating()) stmt.bind(base + 6, static_cast<double>(x.rating));
    else stmt.bind_null(base + 6);
    if (x.review.empty()) stmt.bind_null(base + 7);
    else stmt.bind(base + 7, x.review);
    if (x.label.empty()) stmt.bind_null(base + 8);
    else stmt.bind(base + 8, x.label);
  };
  size_t i = 0;
  if (n >= kBatch) {
    auto batch = db.prepare(interactions_insert_sql(kBatch));
    for (; i + kBatch <= n; i += kBatch) {
      for (size_t r = 0; r < kBatch; ++r) bind_row(batch, static_cast<int>(r * 8), i + r);
      batch.run();
    }
  }
  auto single = db.prepare(interactions_insert_sql(1));
  for (; i < n; ++i) {
    bind_row(single, 0, i);
    single.run();
  }
  tx.commit();
}

Dataset dataset_load(Project& project, const std::string& name) {
  SqliteDb& db = *project.db;
  schema_ensure(db);
  const int64_t id = dataset_id_find(db, name);
  if (id < 0) {
    std::string names;
    for (const auto& info : dataset_list(project)) names += (names.empty() ? "" : ", ") + info.name;
    throw Error("project " + project.dir + " has no dataset named '" + name + "' (it has: " +
                (names.empty() ? "none" : names) + ")");
  }
  const std::string where = project.db_path() + ": dataset '" + name + "'";
  Dataset ds;
  ds.name = name;
  {
    auto stmt = db.prepare("SELECT source, item_count, user_count, interaction_count FROM datasets WHERE id = ?");
    stmt.bind(1, id);
    stmt.step();
    ds.source = stmt.column_text(0);
    ds.items.reserve(static_cast<size_t>(std::max<int64_t>(0, stmt.column_int64(1))));
    ds.users.reserve(static_cast<size_t>(std::max<int64_t>(0, stmt.column_int64(2))));
    ds.interactions.reserve(static_cast<size_t>(std::max<int64_t>(0, stmt.column_int64(3))));
  }
  {
    auto stmt = db.prepare(
        "SELECT idx, ext_id, title, categories, tags, creator, text, attributes, popularity FROM items "
        "WHERE dataset_id = ? ORDER BY idx");
    stmt.bind(1, id);
    while (stmt.step()) {
      const int64_t idx = stmt.column_int64(0);
      const std::string at = where + " item " + std::to_string(idx);
      if (idx != static_cast<int64_t>(ds.items.size())) throw Error(at + ": item indices are not 0..n-1");
      Item item;
      item.id = stmt.column_text(1);
      item.title = stmt.column_text(2);
      item.categories = string_list_parse(stmt.column_text(3), at + ": categories");
      item.tags = string_list_parse(stmt.column_text(4), at + ": tags");
      item.creator = stmt.column_text(5);
      item.text = stmt.column_text(6);
      json attributes = json::parse(stmt.column_text(7), nullptr, false);
      if (attributes.is_discarded() || !attributes.is_object()) throw Error(at + ": attributes is not a JSON object");
      for (const auto& [k, v] : attributes.items()) item.attributes[k] = v.is_string() ? v.get<std::string>() : v.dump();
      item.popularity = stmt.column_double(8);
      ds.items.push_back(std::move(item));
    }
  }
  {
    auto stmt = db.prepare("SELECT idx, ext_id, profile FROM users WHERE dataset_id = ? ORDER BY idx");
    stmt.bind(1, id);
    while (stmt.step()) {
      if (stmt.column_int64(0) != static_cast<int64_t>(ds.users.size())) {
        throw Error(where + " user " + std::to_string(stmt.column_int64(0)) + ": user indices are not 0..n-1");
      }
      ds.users.push_back(User{stmt.column_text(1), stmt.column_text(2)});
    }
  }
  {
    auto stmt = db.prepare(
        "SELECT user_idx, item_idx, time, rating, review, label FROM interactions WHERE dataset_id = ? ORDER BY pos");
    stmt.bind(1, id);
    const auto n_items = static_cast<int64_t>(ds.items.size()), n_users = static_cast<int64_t>(ds.users.size());
    while (stmt.step()) {
      Interaction x;
      const int64_t u = stmt.column_int64(0), i = stmt.column_int64(1);
      if (u < 0 || u >= n_users || i < 0 || i >= n_items) {
        throw Error(where + " interaction " + std::to_string(ds.interactions.size()) + ": user or item index out of range");
      }
      x.user = static_cast<int32_t>(u);
      x.item = static_cast<int32_t>(i);
      x.time = stmt.column_int64(2);
      x.rating = stmt.column_is_null(3) ? NAN : static_cast<float>(stmt.column_double(3));
      x.review = stmt.column_text(4);
      x.label = stmt.column_text(5);
      ds.interactions.push_back(std::move(x));
    }
  }
  dataset_reindex(ds);
  return ds;
}

std::vector<DatasetInfo> dataset_list(Project& project) {
  schema_ensure(*project.db);
  auto stmt = project.db->prepare(
      "SELECT name, source, item_count, user_count, interaction_count, imported_at FROM datasets ORDER BY name");
  std::vector<DatasetInfo> out;
  while (stmt.step()) {
    DatasetInfo info;
    info.name = stmt.column_text(0);
    info.source = stmt.column_text(1);
    info.items = stmt.column_int64(2);
    info.users = stmt.column_int64(3);
    info.interactions = stmt.column_int64(4);
    info.imported_at = stmt.column_text(5);
    out.push_back(std::move(info));
  }
  return out;
}

void dataset_delete(Project& project, const std::string& name) {
  SqliteDb& db = *project.db;
  schema_ensure(db);
  SqliteTransaction tx(db);
  const int64_t id = dataset_id_find(db, name);
  if (id < 0) throw Error("project " + project.dir + " has no dataset named '" + name + "'");
  dataset_rows_delete(db, id);
  tx.commit();
}

Dataset dataset_open(const std::string& data, const std::string& name, const ImportOptions& options) {
  if (!project_exists(data)) {
    ImportOptions o = options;
    if (!name.empty()) o.name = name;
    return data_import(data, o);
  }
  Project project = project_open(data, false);
  if (!name.empty()) return dataset_load(project, name);
  const auto infos = dataset_list(project);
  if (infos.empty()) throw Error("project " + data + " has no datasets yet (add one with: recforge-cli data import)");
  if (infos.size() > 1) {
    std::string names;
    for (const auto& info : infos) names += (names.empty() ? "" : ", ") + info.name;
    throw Error("project " + data + " has several datasets (" + names + "); pick one with --dataset");
  }
  return dataset_load(project, infos[0].name);
}

}  // namespace rf
