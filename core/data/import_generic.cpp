// RecForge's own generic form (docs/data-formats.md), a folder with:
//   items.jsonl  {"id", "title", "categories": [], "tags": [], "creator", "text", "attributes": {}} per line
//   | items.csv  header with id and any of title,categories,tags,creator,text (lists '|'-separated);
//                other columns become attributes
//   users.jsonl | users.csv (optional)  id, profile
//   interactions.csv  header user,item,time[,rating][,review][,label]
//   | interactions.jsonl  {"user", "item", "time", "rating", "review", "label"} per line
// Every item of the item table is kept; an interaction naming an item (or, with a user table, a user)
// that the table lacks is an error. The sample-world generator writes this form.
#include "data/import_formats.h"

#include "data/csv_reader.h"
#include "data/import_common.h"
#include "data/text_checks.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace rf {

namespace {

using nlohmann::json;

// Ids may be written as strings or integers.
std::string id_of(const std::string& file, int64_t ln, const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) data_fail(file, ln, key, "missing");
  std::string id;
  if (it->is_string()) id = std::string(text_trim(it->get<std::string>()));
  else if (it->is_number_integer()) id = std::to_string(it->get<int64_t>());
  else data_fail(file, ln, key, std::string("expected a string or an integer id, found ") + it->type_name());
  if (id.empty()) data_fail(file, ln, key, "is empty");
  return id;
}

std::string string_of(const std::string& file, int64_t ln, const json& v, const std::string& key) {
  if (v.is_null()) return {};
  if (v.is_string()) return v.get<std::string>();
  data_fail(file, ln, key, std::string("expected a string, found ") + v.type_name());
}

void list_of(const std::string& file, int64_t ln, const json& v, const std::string& key, std::vector<std::string>& out) {
  if (v.is_null()) return;
  if (!v.is_array()) data_fail(file, ln, key, std::string("expected a list of strings, found ") + v.type_name());
  for (const auto& x : v) list_add_unique(out, string_of(file, ln, x, key));
}

std::string attribute_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void add_item(Dataset& ds, IdIndex& index, Item item, const std::string& file, int64_t ln, const char* field) {
  if (index.contains(item.id)) data_fail(file, ln, field, "duplicate item id '" + item.id + "'");
  const std::string id = item.id;
  index.insert(id, dataset_add_item(ds, std::move(item)));
}

void read_items_jsonl(Dataset& ds, IdIndex& index, const std::string& file) {
  const std::string text = source_read(file, "one JSON object per line: id, title, categories, ...");
  jsonl_objects_each(text, file, [&](int64_t ln, const json& j) {
    Item item;
    item.id = id_of(file, ln, j, "id");
    for (const auto& [key, v] : j.items()) {
      if (key == "id") continue;
      if (key == "title") item.title = string_of(file, ln, v, key);
      else if (key == "categories") list_of(file, ln, v, key, item.categories);
      else if (key == "tags") list_of(file, ln, v, key, item.tags);
      else if (key == "creator") item.creator = string_of(file, ln, v, key);
      else if (key == "text") item.text = string_of(file, ln, v, key);
      else if (key == "attributes") {
        if (v.is_null()) continue;
        if (!v.is_object()) data_fail(file, ln, key, std::string("expected an object, found ") + v.type_name());
        for (const auto& [name, value] : v.items())
          if (!value.is_null()) item.attributes[name] = attribute_text(value);
      } else if (key != "popularity" && !v.is_null()) {
        item.attributes[key] = attribute_text(v);  // extra keys are kept, not lost
      }
    }
    add_item(ds, index, std::move(item), file, ln, "id");
  });
}

void split_list(std::string_view s, std::vector<std::string>& out) {
  size_t start = 0;
  for (;;) {
    const size_t bar = s.find('|', start);
    list_add_unique(out, s.substr(start, bar == std::string_view::npos ? s.npos : bar - start));
    if (bar == std::string_view::npos) return;
    start = bar + 1;
  }
}

void read_items_csv(Dataset& ds, IdIndex& index, const std::string& file) {
  const std::string text = source_read(file, "a header id,title,categories,tags,creator,text");
  CsvReader csv(text, file);
  csv.set_check_utf8(true);
  csv.read_header("id,title,categories,tags,creator,text");
  const size_t c_id = csv.require("id");
  const size_t width = csv.header().size();
  std::vector<std::string_view> f;
  while (csv.next(f)) {
    const int64_t ln = csv.record_line();
    csv.check_field_count(f, width);
    Item item;
    item.id = std::string(text_trim(f[c_id]));
    if (item.id.empty()) data_fail(file, ln, "id", "is empty");
    for (size_t c = 0; c < width; ++c) {
      const std::string& name = csv.header()[c];
      if (c == c_id || name == "popularity") continue;
      if (name == "title") item.title = std::string(text_trim(f[c]));
      else if (name == "categories") split_list(f[c], item.categories);
      else if (name == "tags") split_list(f[c], item.tags);
      else if (name == "creator") item.creator = std::string(text_trim(f[c]));
      else if (name == "text") item.text = std::string(f[c]);
      else if (!f[c].empty()) item.attributes[name] = std::string(f[c]);
    }
    add_item(ds, index, std::move(item), file, ln, "id");
  }
}

void add_user(Dataset& ds, IdIndex& index, User user, const std::string& file, int64_t ln) {
  if (index.contains(user.id)) data_fail(file, ln, "id", "duplicate user id '" + user.id + "'");
  const std::string id = user.id;
  index.insert(id, dataset_add_user(ds, std::move(user)));
}

void read_users(Dataset& ds, IdIndex& index, const std::string& file) {
  const std::string text = source_read(file, "users: id, profile");
  if (file.size() >= 4 && file.substr(file.size() - 4) == ".csv") {
    CsvReader csv(text, file);
    csv.set_check_utf8(true);
    csv.read_header("id,profile");
    const size_t c_id = csv.require("id");
    const int c_profile = csv.column("profile");
    std::vector<std::string_view> f;
    while (csv.next(f)) {
      csv.check_field_count(f, csv.header().size());
      User user{std::string(text_trim(f[c_id])), c_profile >= 0 ? std::string(f[static_cast<size_t>(c_profile)]) : ""};
      if (user.id.empty()) data_fail(file, csv.record_line(), "id", "is empty");
      add_user(ds, index, std::move(user), file, csv.record_line());
    }
    return;
  }
  jsonl_objects_each(text, file, [&](int64_t ln, const json& j) {
    User user;
    user.id = id_of(file, ln, j, "id");
    if (auto it = j.find("profile"); it != j.end()) user.profile = string_of(file, ln, *it, "profile");
    add_user(ds, index, std::move(user), file, ln);
  });
}

struct InteractionLookup {
  Dataset& ds;
  IdIndex& users;
  IdIndex& items;
  bool fixed_users;
  std::string items_file, users_file;

  int32_t user(const std::string& file, int64_t ln, std::string_view id) {
    if (const int32_t u = users.find(id); u >= 0) return u;
    if (fixed_users) data_fail(file, ln, "user", "unknown user '" + std::string(id) + "' (not in " + users_file + ")");
    return user_get_or_add(ds, users, id);
  }
  int32_t item(const std::string& file, int64_t ln, std::string_view id) {
    if (const int32_t i = items.find(id); i >= 0) return i;
    data_fail(file, ln, "item", "unknown item '" + std::string(id) + "' (not in " + items_file + ")");
  }
};

void read_interactions_csv(InteractionLookup& look, const std::string& file) {
  const std::string text = source_read(file, "a header user,item,time[,rating][,review][,label]");
  CsvReader csv(text, file);
  csv.set_check_utf8(true);
  csv.read_header("user,item,time[,rating][,review][,label]");
  for (const auto& name : csv.header()) {
    if (name != "user" && name != "item" && name != "time" && name != "rating" && name != "review" && name != "label") {
      data_fail(file, 1, name, "unknown column (interactions.csv has user,item,time and optionally rating,review,label)");
    }
  }
  const size_t c_user = csv.require("user"), c_item = csv.require("item"), c_time = csv.require("time");
  const int c_rating = csv.column("rating"), c_review = csv.column("review"), c_label = csv.column("label");
  const size_t width = csv.header().size();
  look.ds.interactions.reserve(text.size() / 16);
  std::vector<std::string_view> f;
  while (csv.next(f)) {
    const int64_t ln = csv.record_line();
    csv.check_field_count(f, width);
    Interaction x;
    x.user = look.user(file, ln, text_trim(f[c_user]));
    x.item = look.item(file, ln, text_trim(f[c_item]));
    x.time = field_int(file, ln, "time", f[c_time]);
    if (c_rating >= 0 && !text_trim(f[static_cast<size_t>(c_rating)]).empty()) {
      x.rating = static_cast<float>(field_number(file, ln, "rating", f[static_cast<size_t>(c_rating)]));
    }
    if (c_review >= 0) x.review = std::string(f[static_cast<size_t>(c_review)]);
    if (c_label >= 0) x.label = std::string(text_trim(f[static_cast<size_t>(c_label)]));
    look.ds.interactions.push_back(std::move(x));
  }
}

void read_interactions_jsonl(InteractionLookup& look, const std::string& file) {
  const std::string text = source_read(file, "one JSON object per line: user, item, time[, rating, review, label]");
  jsonl_objects_each(text, file, [&](int64_t ln, const json& j) {
    Interaction x;
    x.user = look.user(file, ln, id_of(file, ln, j, "user"));
    x.item = look.item(file, ln, id_of(file, ln, j, "item"));
    auto t = j.find("time");
    if (t == j.end() || t->is_null()) data_fail(file, ln, "time", "missing");
    if (t->is_number_integer()) x.time = t->get<int64_t>();
    else if (t->is_string()) x.time = field_int(file, ln, "time", t->get<std::string>());
    else data_fail(file, ln, "time", t->dump() + " is not an integer");
    if (auto r = j.find("rating"); r != j.end() && !r->is_null()) {
      if (r->is_number() && std::isfinite(r->get<double>())) x.rating = r->get<float>();
      else if (r->is_string()) x.rating = static_cast<float>(field_number(file, ln, "rating", r->get<std::string>()));
      else data_fail(file, ln, "rating", r->dump() + " is not a number");
    }
    if (auto r = j.find("review"); r != j.end()) x.review = string_of(file, ln, *r, "review");
    if (auto r = j.find("label"); r != j.end()) {
      x.label = r->is_number_integer() ? std::to_string(r->get<int64_t>()) : string_of(file, ln, *r, "label");
    }
    look.ds.interactions.push_back(std::move(x));
  });
}

}  // namespace

Dataset import_generic(const std::string& dir) {
  auto pick = [&](const char* a, const char* b) {
    const std::string pa = path_join(dir, a), pb = path_join(dir, b);
    if (path_is_file(pa) && path_is_file(pb)) throw Error(dir + ": has both " + a + " and " + b + "; keep one");
    return path_is_file(pa) ? pa : path_is_file(pb) ? pb : std::string();
  };
  const std::string items_file = pick("items.jsonl", "items.csv");
  const std::string users_file = pick("users.jsonl", "users.csv");
  const std::string inter_file = pick("interactions.csv", "interactions.jsonl");
  if (items_file.empty()) throw Error(dir + ": no items.jsonl or items.csv (the generic form, see docs/data-formats.md)");
  if (inter_file.empty()) {
    throw Error(dir + ": no interactions.csv or interactions.jsonl (the generic form, see docs/data-formats.md)");
  }
  Dataset ds;
  IdIndex items, users;
  if (items_file.size() >= 6 && items_file.substr(items_file.size() - 6) == ".jsonl") read_items_jsonl(ds, items, items_file);
  else read_items_csv(ds, items, items_file);
  if (!users_file.empty()) read_users(ds, users, users_file);
  InteractionLookup look{ds, users, items, !users_file.empty(), items_file, users_file};
  if (inter_file.substr(inter_file.size() - 4) == ".csv") read_interactions_csv(look, inter_file);
  else read_interactions_jsonl(look, inter_file);
  return ds;
}

}  // namespace rf
