// MovieLens "latest" importer (ml-latest-small, ml-latest, ml-20m/25m/32m share the form): movies.csv
// (movieId,title,genres), ratings.csv (userId,movieId,rating,timestamp), optional tags.csv
// (userId,movieId,tag,timestamp). All UTF-8 CSV with header rows, titles quoted when they hold commas.
// Tags become Item::tags, not interactions: a tag row's user and time say who tagged, not who watched.
#include "data/import_formats.h"

#include "data/csv_reader.h"
#include "data/import_common.h"
#include "data/text_checks.h"

#include <unordered_map>

namespace rf {

namespace {

using IntIndex = std::unordered_map<int64_t, int32_t>;

IntIndex read_movies(Dataset& ds, const std::string& file) {
  const std::string text = source_read(file, "a header movieId,title,genres");
  CsvReader csv(text, file);
  csv.set_check_utf8(true);
  csv.read_header("movieId,title,genres");
  const size_t c_id = csv.require("movieId"), c_title = csv.require("title"), c_genres = csv.require("genres");
  const size_t width = csv.header().size();
  IntIndex index;
  std::unordered_map<int64_t, int64_t> first_line;
  std::vector<std::string_view> f;
  std::vector<std::string_view> genres;
  while (csv.next(f)) {
    const int64_t ln = csv.record_line();
    csv.check_field_count(f, width);
    const int64_t id = field_int(file, ln, "movieId", f[c_id]);
    if (auto it = first_line.find(id); it != first_line.end()) {
      data_fail(file, ln, "movieId",
                "duplicate item id '" + std::to_string(id) + "' (first on line " + std::to_string(it->second) + ")");
    }
    first_line.emplace(id, ln);
    Item item;
    item.id = std::string(text_trim(f[c_id]));
    item.title = std::string(text_trim(f[c_title]));
    const std::string_view g = text_trim(f[c_genres]);
    if (g != "(no genres listed)") {
      size_t start = 0;
      for (;;) {
        const size_t bar = g.find('|', start);
        list_add_unique(item.categories, g.substr(start, bar == std::string_view::npos ? g.npos : bar - start));
        if (bar == std::string_view::npos) break;
        start = bar + 1;
      }
    }
    const std::string year = title_year(item.title);
    if (!year.empty()) item.attributes["year"] = year;
    index.emplace(id, dataset_add_item(ds, std::move(item)));
  }
  return index;
}

void read_ratings(Dataset& ds, const std::string& file, const IntIndex& items, const std::string& items_file) {
  const std::string text = source_read(file, "a header userId,movieId,rating,timestamp");
  CsvReader csv(text, file);
  csv.read_header("userId,movieId,rating,timestamp");
  const size_t c_user = csv.require("userId"), c_item = csv.require("movieId"), c_rating = csv.require("rating"),
               c_time = csv.require("timestamp");
  const size_t width = csv.header().size();
  ds.interactions.reserve(text.size() / 24);
  IntIndex users;
  std::vector<std::string_view> f;
  int32_t last_user = -1;
  int64_t last_user_id = 0;
  while (csv.next(f)) {
    const int64_t ln = csv.record_line();
    csv.check_field_count(f, width);
    const int64_t uid = field_int(file, ln, "userId", f[c_user]);
    const int64_t iid = field_int(file, ln, "movieId", f[c_item]);
    Interaction x;
    x.rating = field_rating(file, ln, "rating", f[c_rating], 0.5, 5.0);
    x.time = field_int(file, ln, "timestamp", f[c_time]);
    // ratings.csv is sorted by user: most rows reuse the previous row's user without a lookup.
    if (last_user >= 0 && uid == last_user_id) {
      x.user = last_user;
    } else {
      auto it = users.find(uid);
      if (it == users.end()) it = users.emplace(uid, dataset_add_user(ds, User{std::string(text_trim(f[c_user])), ""})).first;
      x.user = last_user = it->second;
      last_user_id = uid;
    }
    auto item = items.find(iid);
    if (item == items.end()) {
      data_fail(file, ln, "movieId", "unknown item '" + std::to_string(iid) + "' (not in " + items_file + ")");
    }
    x.item = item->second;
    ds.interactions.push_back(std::move(x));
  }
}

void read_tags(Dataset& ds, const std::string& file, const IntIndex& items, const std::string& items_file) {
  const std::string text = source_read(file, "a header userId,movieId,tag,timestamp");
  CsvReader csv(text, file);
  csv.set_check_utf8(true);
  csv.read_header("userId,movieId,tag,timestamp");
  const size_t c_item = csv.require("movieId"), c_tag = csv.require("tag");
  const size_t width = csv.header().size();
  std::vector<std::string_view> f;
  while (csv.next(f)) {
    const int64_t ln = csv.record_line();
    csv.check_field_count(f, width);
    const int64_t iid = field_int(file, ln, "movieId", f[c_item]);
    auto item = items.find(iid);
    if (item == items.end()) {
      data_fail(file, ln, "movieId", "unknown item '" + std::to_string(iid) + "' (not in " + items_file + ")");
    }
    list_add_unique_nocase(ds.items[static_cast<size_t>(item->second)].tags, f[c_tag]);
  }
}

}  // namespace

Dataset import_movielens_latest(const std::string& dir) {
  Dataset ds;
  const std::string movies = path_join(dir, "movies.csv");
  const IntIndex items = read_movies(ds, movies);
  read_ratings(ds, path_join(dir, "ratings.csv"), items, movies);
  const std::string tags = path_join(dir, "tags.csv");
  if (path_is_file(tags)) read_tags(ds, tags, items, movies);
  return ds;
}

}  // namespace rf
