// SASRec-style sequence importer: one line per user, `user item item ...` in time order (whitespace-
// separated), as in the Beauty/Sports/Toys/Yelp files of the SASRec and S3Rec papers. There are no times,
// so an interaction's time is its 0-based position in the user's line. The item table is items.jsonl
// beside the file (or ImportOptions::meta_path): {"item_id", "title", "asin", "attribute_ids"|"categories",
// ...}; without one, <stem>_item2attributes.json (item id -> attribute ids, S3Rec's file) is used when
// present. With an item table, every item of the table is kept (interacted or not) and a sequence naming
// an item that is not in it is an error; without one, items are created in order of first appearance.
#include "data/import_formats.h"

#include "data/import_common.h"
#include "data/line_reader.h"
#include "data/text_checks.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace rf {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// An id given as a JSON string or integer, as text.
std::string id_text(const std::string& file, int64_t ln, const json& v, const char* key) {
  if (v.is_string()) return std::string(text_trim(v.get<std::string>()));
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  data_fail(file, ln, key, std::string("expected a string or an integer id, found ") + v.type_name());
}

void add_attribute_ids(const std::string& file, int64_t ln, const json& ids, std::vector<std::string>& categories) {
  if (!ids.is_array()) data_fail(file, ln, "attribute_ids", std::string("expected a list, found ") + ids.type_name());
  for (const auto& a : ids) list_add_unique(categories, "attr:" + id_text(file, ln, a, "attribute_ids"));
}

void read_items_jsonl(Dataset& ds, IdIndex& items, const std::string& file) {
  const std::string text = source_read(file, "one JSON object per line with item_id, title, ...");
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const int64_t ln = lines.line_number();
    if (text_trim(line).empty()) continue;
    source_check_utf8_json(file, ln, line);
    const json j = json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) data_fail(file, ln, "", "not a JSON object (expected one per line)");
    const char* id_key = j.contains("item_id") ? "item_id" : j.contains("id") ? "id" : nullptr;
    if (!id_key) data_fail(file, ln, "item_id", "missing");
    Item item;
    item.id = id_text(file, ln, j[id_key], id_key);
    if (item.id.empty()) data_fail(file, ln, id_key, "is empty");
    if (items.contains(item.id)) data_fail(file, ln, id_key, "duplicate item id '" + item.id + "'");
    for (const auto& [key, v] : j.items()) {
      if (key == id_key || v.is_null()) continue;
      if (key == "title") {
        if (!v.is_string()) data_fail(file, ln, "title", std::string("expected a string, found ") + v.type_name());
        item.title = std::string(text_trim(v.get<std::string>()));
      } else if (key == "attribute_ids") {
        add_attribute_ids(file, ln, v, item.categories);
      } else if (key == "categories" && v.is_array()) {
        for (const auto& c : v)
          if (c.is_string()) list_add_unique(item.categories, c.get<std::string>());
      } else if (key == "creator" || key == "brand") {
        if (v.is_string()) item.creator = std::string(text_trim(v.get<std::string>()));
      } else if (key == "text" || key == "description") {
        if (v.is_string()) item.text = v.get<std::string>();
      } else if (v.is_string()) {
        item.attributes[key] = v.get<std::string>();  // asin and anything else the table carries
      } else if (v.is_primitive()) {
        item.attributes[key] = v.dump();
      }
    }
    const std::string id = item.id;
    items.insert(id, dataset_add_item(ds, std::move(item)));
  }
}

// S3Rec's <name>_item2attributes.json: {"item id": [attribute ids], ...}, items in numeric id order.
void read_item2attributes(Dataset& ds, IdIndex& items, const std::string& file) {
  const std::string text = source_read(file, "a JSON object: item id -> list of attribute ids");
  source_check_utf8(file, 1, "", text);
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) data_fail(file, 1, "", "expected one JSON object: item id -> attribute ids");
  std::vector<std::pair<std::string, const json*>> entries;
  for (const auto& [key, v] : j.items()) entries.emplace_back(key, &v);
  auto numeric = [](const std::string& s) {
    int64_t v = 0;
    return parse_int64(s, v);
  };
  const bool all_numeric = std::all_of(entries.begin(), entries.end(), [&](const auto& e) { return numeric(e.first); });
  if (all_numeric) {
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      int64_t x = 0, y = 0;
      parse_int64(a.first, x);
      parse_int64(b.first, y);
      return x < y;
    });
  }
  for (const auto& [key, v] : entries) {
    Item item;
    item.id = key;
    add_attribute_ids(file, 1, *v, item.categories);
    items.insert(key, dataset_add_item(ds, std::move(item)));
  }
}

bool is_sequence_candidate(const fs::path& p) {
  std::string stem = p.stem().string();
  std::transform(stem.begin(), stem.end(), stem.begin(), [](unsigned char c) { return std::tolower(c); });
  return stem != "readme" && stem != "license" && stem != "notice";
}

}  // namespace

Dataset import_sequence(const std::string& path, const std::string& meta_path) {
  std::string file = path;
  if (path_is_dir(path)) {
    std::vector<std::string> found;
    for (const auto& f : folder_files_with_suffix(path, ".txt"))
      if (is_sequence_candidate(f)) found.push_back(f);
    if (found.size() != 1) {
      throw Error(path + ": expected one sequence file (*.txt: `user item item ...` per line) in the folder, found " +
                  std::to_string(found.size()) + "; pass the file itself");
    }
    file = found[0];
  }
  const fs::path dir = fs::path(file).parent_path();

  Dataset ds;
  IdIndex items;
  std::string table;
  if (!meta_path.empty()) {
    table = meta_path;
    if (fs::path(meta_path).filename().string().find("item2attributes") != std::string::npos) {
      read_item2attributes(ds, items, meta_path);
    } else {
      read_items_jsonl(ds, items, meta_path);
    }
  } else if (path_is_file((dir / "items.jsonl").string())) {
    table = (dir / "items.jsonl").string();
    read_items_jsonl(ds, items, table);
  } else if (path_is_file((dir / (fs::path(file).stem().string() + "_item2attributes.json")).string())) {
    table = (dir / (fs::path(file).stem().string() + "_item2attributes.json")).string();
    read_item2attributes(ds, items, table);
  }
  const bool fixed_items = !table.empty();

  const std::string text = source_read(file, "lines of `user item item ...`");
  ds.interactions.reserve(text.size() / 5);
  IdIndex users;
  std::vector<int64_t> user_line;
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const int64_t ln = lines.line_number();
    if (text_trim(line).empty()) continue;
    if (const size_t bad = utf8_find_invalid(line); bad != std::string_view::npos) {
      // Name the token holding the bad byte: the user id (token 0) or the n-th item.
      int64_t token = -1;
      bool in_token = false;
      for (size_t k = 0; k <= bad; ++k) {
        const bool blank = line[k] == ' ' || line[k] == '\t';
        if (!blank && !in_token) ++token;
        in_token = !blank;
      }
      source_check_utf8(file, ln, token == 0 ? "user" : "item " + std::to_string(token), line);
    }
    size_t pos = 0;
    auto next_token = [&](std::string_view& tok) {
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r')) ++pos;
      if (pos >= line.size()) return false;
      const size_t start = pos;
      while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t' && line[pos] != '\r') ++pos;
      tok = line.substr(start, pos - start);
      return true;
    };
    std::string_view tok;
    next_token(tok);
    if (tok.find(',') != std::string_view::npos || tok.find(';') != std::string_view::npos) {
      data_fail(file, ln, "user", "ids are separated by spaces in a sequence file, found " + quote_excerpt(tok));
    }
    if (const int32_t seen = users.find(tok); seen >= 0) {
      data_fail(file, ln, "user",
                "user '" + std::string(tok) + "' already has a line (line " +
                    std::to_string(user_line[static_cast<size_t>(seen)]) + ")");
    }
    const int32_t user = user_get_or_add(ds, users, tok);
    user_line.push_back(ln);
    int64_t position = 0;
    while (next_token(tok)) {
      int32_t item_index = items.find(tok);
      if (item_index < 0) {
        if (fixed_items) {
          data_fail(file, ln, "item " + std::to_string(position + 1),
                    "unknown item '" + std::string(tok) + "' (not in " + table + ")");
        }
        Item item;
        item.id = std::string(tok);
        item_index = dataset_add_item(ds, std::move(item));
        items.insert(tok, item_index);
      }
      Interaction x;
      x.user = user;
      x.item = item_index;
      x.time = position++;
      ds.interactions.push_back(std::move(x));
    }
  }
  return ds;
}

}  // namespace rf
