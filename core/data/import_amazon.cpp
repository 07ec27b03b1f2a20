// Amazon reviews importer (McAuley lab releases): reviews as JSON lines, 2014/2018 keys (reviewerID, asin,
// overall, unixReviewTime, reviewText) or 2023 keys (user_id, parent_asin|asin, rating, timestamp in ms,
// text), plus an optional metadata JSON lines file (asin|parent_asin, title, categories|category, brand|store,
// description, feature(s), main_cat|main_category, price). Items in the metadata come first, in file order;
// items seen only in reviews are appended with an empty title. The 2018 metadata is known to repeat some
// products: a later line for an id already read is skipped.
#include "data/import_formats.h"

#include "data/import_common.h"
#include "data/line_reader.h"
#include "data/text_checks.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

namespace rf {

namespace {

using nlohmann::json;

// A string or a number as text ("" for null or missing); other types are an error naming the key.
std::string text_of(const std::string& file, int64_t ln, const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_number()) return it->dump();
  data_fail(file, ln, key, std::string("expected a string, found ") + it->type_name());
}

const char* first_key(const json& obj, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return k;
  }
  return nullptr;
}

double number_of(const std::string& file, int64_t ln, const json& v, const char* key) {
  if (v.is_number()) {
    const double d = v.get<double>();
    if (std::isfinite(d)) return d;
  }
  if (v.is_string()) return field_number(file, ln, key, v.get<std::string>());
  data_fail(file, ln, key, std::string("expected a number, found ") + v.type_name());
}

// Strings from a string, a list of strings, or a list of lists of strings (2014 categories).
void collect_strings(const json& v, std::vector<std::string>& out, int depth = 0) {
  if (v.is_string()) {
    list_add_unique(out, v.get<std::string>());
  } else if (v.is_array() && depth < 2) {
    for (const auto& x : v) collect_strings(x, out, depth + 1);
  }
}

std::string joined_text(const json& obj, const char* key) {
  std::vector<std::string> parts;
  auto it = obj.find(key);
  if (it != obj.end()) collect_strings(*it, parts);
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "\n") + p;
  return out;
}

void read_meta(Dataset& ds, IdIndex& items, const std::string& file) {
  const std::string text = source_read(file, "Amazon metadata JSON lines");
  jsonl_objects_each(text, file, [&](int64_t ln, const json& j) {
    const char* id_key = first_key(j, {"parent_asin", "asin"});
    if (!id_key) data_fail(file, ln, "asin", "missing (expected asin or parent_asin)");
    Item item;
    item.id = std::string(text_trim(text_of(file, ln, j, id_key)));
    if (item.id.empty()) data_fail(file, ln, id_key, "is empty");
    if (items.contains(item.id)) return;  // repeated product lines (2018 metadata)
    item.title = std::string(text_trim(text_of(file, ln, j, "title")));
    for (const char* key : {"categories", "category"}) {
      auto it = j.find(key);
      if (it != j.end()) collect_strings(*it, item.categories);
    }
    const char* creator_key = first_key(j, {"brand", "store"});
    if (creator_key) item.creator = std::string(text_trim(text_of(file, ln, j, creator_key)));
    item.text = joined_text(j, "description");
    for (const char* key : {"feature", "features"}) {
      const std::string features = joined_text(j, key);
      if (!features.empty()) item.text += (item.text.empty() ? "" : "\n") + features;
    }
    if (const char* k = first_key(j, {"main_category", "main_cat"})) {
      const std::string v = text_of(file, ln, j, k);
      if (!v.empty()) item.attributes["main_category"] = v;
    }
    if (j.contains("price") && !j["price"].is_null()) {
      const std::string v = j["price"].is_string() ? j["price"].get<std::string>() : j["price"].dump();
      if (!text_trim(v).empty()) item.attributes["price"] = std::string(text_trim(v));
    }
    const std::string id = item.id;
    items.insert(id, dataset_add_item(ds, std::move(item)));
  });
}

void read_reviews(Dataset& ds, IdIndex& items, const std::string& file) {
  const std::string text = source_read(file, "Amazon reviews JSON lines");
  ds.interactions.reserve(text.size() / 600);
  IdIndex users;
  jsonl_objects_each(text, file, [&](int64_t ln, const json& j) {
    const char* user_key = first_key(j, {"reviewerID", "user_id"});
    if (!user_key) data_fail(file, ln, "reviewerID", "missing (expected reviewerID, or user_id in the 2023 form)");
    const char* item_key = first_key(j, {"parent_asin", "asin"});
    if (!item_key) data_fail(file, ln, "asin", "missing (expected asin, or parent_asin in the 2023 form)");
    const char* rating_key = first_key(j, {"overall", "rating"});
    if (!rating_key) data_fail(file, ln, "overall", "missing (expected overall, or rating in the 2023 form)");
    const char* time_key = first_key(j, {"unixReviewTime", "timestamp"});
    if (!time_key) data_fail(file, ln, "unixReviewTime", "missing (expected unixReviewTime, or timestamp in the 2023 form)");

    const std::string user_id(text_trim(text_of(file, ln, j, user_key)));
    const std::string item_id(text_trim(text_of(file, ln, j, item_key)));
    if (user_id.empty()) data_fail(file, ln, user_key, "is empty");
    if (item_id.empty()) data_fail(file, ln, item_key, "is empty");
    Interaction x;
    x.user = user_get_or_add(ds, users, user_id);
    x.item = items.find(item_id);
    if (x.item < 0) {
      Item item;
      item.id = item_id;
      x.item = dataset_add_item(ds, std::move(item));
      items.insert(item_id, x.item);
    }
    const double rating = number_of(file, ln, j[rating_key], rating_key);
    if (rating < 1 || rating > 5) data_fail(file, ln, rating_key, "rating " + j[rating_key].dump() + " is outside 1..5");
    x.rating = static_cast<float>(rating);
    const double t = number_of(file, ln, j[time_key], time_key);
    if (t != std::floor(t) || std::fabs(t) > 9.2e18) data_fail(file, ln, time_key, j[time_key].dump() + " is not an integer time");
    // The 2023 release counts milliseconds.
    x.time = std::string_view(time_key) == "timestamp" ? static_cast<int64_t>(t) / 1000 : static_cast<int64_t>(t);
    x.review = text_of(file, ln, j, j.contains("reviewText") ? "reviewText" : "text");
    ds.interactions.push_back(std::move(x));
  });
}

}  // namespace

std::string amazon_json_kind(std::string_view first_line) {
  const std::string_view t = text_trim(first_line);
  if (t.empty() || t[0] != '{') return {};
  auto has = [&](const char* key) {
    return t.find(std::string("\"") + key + "\"") != std::string_view::npos ||
           t.find(std::string("'") + key + "'") != std::string_view::npos;
  };
  if ((has("reviewerID") || has("user_id")) && (has("overall") || has("rating"))) return "reviews";
  if ((has("asin") || has("parent_asin")) && (has("title") || has("categories") || has("category") ||
                                              has("description") || has("brand") || has("store"))) {
    return "meta";
  }
  return {};
}

std::string first_nonblank_line(const std::string& path, size_t max_bytes) {
  std::FILE* fp = std::fopen(path.c_str(), "rb");
  if (!fp) return {};
  std::string buf(max_bytes, '\0');
  const size_t n = std::fread(buf.data(), 1, max_bytes, fp);
  std::fclose(fp);
  buf.resize(n);
  LineReader lines(buf);
  std::string_view line;
  while (lines.next(line))
    if (!text_trim(line).empty()) return std::string(line);
  return {};
}

Dataset import_amazon(const std::string& path, const std::string& meta_path) {
  std::string reviews = path;
  std::string meta = meta_path;
  // A folder: its one reviews file, and its one metadata file unless --meta names another.
  const std::string dir = path_is_dir(path) ? path : std::filesystem::path(path).parent_path().string();
  if (path_is_dir(path) || meta.empty()) {
    std::vector<std::string> found_reviews, found_meta;
    for (const char* suffix : {".json", ".jsonl"}) {
      for (const auto& f : folder_files_with_suffix(dir.empty() ? "." : dir, suffix)) {
        const std::string kind = amazon_json_kind(first_nonblank_line(f, 1 << 16));
        if (kind == "reviews") found_reviews.push_back(f);
        if (kind == "meta") found_meta.push_back(f);
      }
    }
    if (path_is_dir(path)) {
      if (found_reviews.size() != 1) {
        throw Error(path + ": expected one Amazon reviews file (JSON lines with reviewerID/user_id and overall/rating) " +
                    "in the folder, found " + std::to_string(found_reviews.size()) + "; pass the file itself");
      }
      reviews = found_reviews[0];
    }
    if (meta.empty() && found_meta.size() == 1) meta = found_meta[0];
  }
  Dataset ds;
  IdIndex items;
  if (!meta.empty()) read_meta(ds, items, meta);
  read_reviews(ds, items, reviews);
  return ds;
}

}  // namespace rf
