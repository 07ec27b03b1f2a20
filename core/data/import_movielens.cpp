// MovieLens 100K (u.data, u.item, u.genre, u.user) and 1M (ratings.dat, movies.dat, users.dat) importers.
// Both are GroupLens releases from before UTF-8: the item and user files are latin-1 and converted on
// read. Ids are integers in these releases; they are matched as integers, so " 7" and "7" are one movie.
#include "data/import_formats.h"

#include "data/import_common.h"
#include "data/line_reader.h"
#include "data/text_checks.h"

#include <array>
#include <unordered_map>

namespace rf {

namespace {

using IntIndex = std::unordered_map<int64_t, int32_t>;

void split_sep(std::string_view line, std::string_view sep, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  for (;;) {
    const size_t at = line.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, at - start));
    start = at + sep.size();
  }
}

std::string sep_name(std::string_view sep) {
  if (sep == "\t") return "tabs";
  if (sep == "|") return "'|'";
  return "'" + std::string(sep) + "'";
}

// A line with the wrong number of fields; when it looks written with another separator, say which.
void check_fields(const std::string& file, int64_t line, const std::vector<std::string_view>& f, size_t expected,
                  std::string_view sep, const std::vector<std::string>& names) {
  if (f.size() == expected) return;
  if (f.size() == 1) {
    static const std::array<std::pair<std::string_view, const char*>, 5> kOthers = {
        {{"::", "'::'"}, {"\t", "tabs"}, {",", "commas"}, {";", "semicolons"}, {"|", "'|'"}}};
    for (const auto& [other, label] : kOthers) {
      if (other != sep && f[0].find(other) != std::string_view::npos) {
        data_fail(file, line, "", std::string("fields are separated by ") + label + ", expected " + sep_name(sep));
      }
    }
  }
  const std::string field = f.size() < expected ? names[f.size()] : "#" + std::to_string(expected + 1);
  data_fail(file, line, field,
            (f.size() < expected ? "missing: expected " : "too many fields: expected ") + std::to_string(expected) +
                " fields separated by " + sep_name(sep) + ", found " + std::to_string(f.size()));
}

int64_t id_field(const std::string& file, int64_t line, const std::string& field, std::string_view text) {
  return field_int(file, line, field, text);
}

// Ratings lines shared by u.data and ratings.dat: user, item, rating 1..5, unix time.
void read_ratings(Dataset& ds, const std::string& file, std::string_view text, std::string_view sep,
                  const std::vector<std::string>& names, const IntIndex& items, const std::string& items_file,
                  IntIndex& users, bool users_fixed, const std::string& users_file) {
  ds.interactions.reserve(text.size() / 24);
  LineReader lines(text);
  std::string_view line;
  std::vector<std::string_view> f;
  int32_t last_user = -1;
  int64_t last_user_id = 0;
  while (lines.next(line)) {
    const int64_t ln = lines.line_number();
    if (text_trim(line).empty()) continue;
    split_sep(line, sep, f);
    check_fields(file, ln, f, 4, sep, names);
    const int64_t uid = id_field(file, ln, names[0], f[0]);
    const int64_t iid = id_field(file, ln, names[1], f[1]);
    Interaction x;
    x.rating = field_rating(file, ln, names[2], f[2], 1, 5);
    x.time = field_int(file, ln, names[3], f[3]);
    // Ratings files are grouped by user: remember the last one instead of hashing every row.
    if (last_user >= 0 && uid == last_user_id) {
      x.user = last_user;
    } else {
      auto it = users.find(uid);
      if (it == users.end()) {
        if (users_fixed) {
          data_fail(file, ln, names[0], "unknown user '" + std::to_string(uid) + "' (not in " + users_file + ")");
        }
        it = users.emplace(uid, dataset_add_user(ds, User{std::string(text_trim(f[0])), ""})).first;
      }
      x.user = last_user = it->second;
      last_user_id = uid;
    }
    auto item = items.find(iid);
    if (item == items.end()) {
      data_fail(file, ln, names[1], "unknown item '" + std::to_string(iid) + "' (not in " + items_file + ")");
    }
    x.item = item->second;
    ds.interactions.push_back(std::move(x));
  }
}

void add_item_checked(Dataset& ds, IntIndex& index, Item item, int64_t id, const std::string& file, int64_t line,
                      const std::string& field) {
  if (index.count(id)) data_fail(file, line, field, "duplicate item id '" + item.id + "'");
  index.emplace(id, dataset_add_item(ds, std::move(item)));
}

void add_user_checked(Dataset& ds, IntIndex& index, User user, int64_t id, const std::string& file, int64_t line,
                      const std::string& field) {
  if (index.count(id)) data_fail(file, line, field, "duplicate user id '" + user.id + "'");
  index.emplace(id, dataset_add_user(ds, std::move(user)));
}

const std::vector<std::string> kGenres100k = {
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"};

// u.genre lines "name|index"; it must name the 19 genres of u.item's flag columns.
std::vector<std::string> read_genres_100k(const std::string& file) {
  const std::string text = latin1_or_utf8_to_utf8(source_read(file, "genre|index lines"));
  std::vector<std::string> genres;
  LineReader lines(text);
  std::string_view line;
  std::vector<std::string_view> f;
  while (lines.next(line)) {
    if (text_trim(line).empty()) continue;
    split_sep(line, "|", f);
    check_fields(file, lines.line_number(), f, 2, "|", {"genre", "index"});
    const int64_t index = field_int(file, lines.line_number(), "index", f[1]);
    if (index != static_cast<int64_t>(genres.size())) {
      data_fail(file, lines.line_number(), "index",
                "expected " + std::to_string(genres.size()) + " (genres are listed in column order)");
    }
    genres.emplace_back(text_trim(f[0]));
  }
  if (genres.size() != kGenres100k.size()) {
    data_fail(file, lines.line_number(), "", "lists " + std::to_string(genres.size()) + " genres, u.item has 19 flags");
  }
  return genres;
}

}  // namespace

Dataset import_movielens_100k(const std::string& dir) {
  Dataset ds;
  const std::string genre_file = path_join(dir, "u.genre");
  const std::vector<std::string> genres = path_is_file(genre_file) ? read_genres_100k(genre_file) : kGenres100k;

  // u.item: id|title|release date|video release date|IMDb URL|19 genre flags.
  const std::string item_file = path_join(dir, "u.item");
  const std::string items_text =
      latin1_or_utf8_to_utf8(source_read(item_file, "movie id|title|release date|video release date|IMDb URL|genres"));
  std::vector<std::string> item_names = {"movie id", "movie title", "release date", "video release date", "IMDb URL"};
  item_names.insert(item_names.end(), genres.begin(), genres.end());
  IntIndex items;
  LineReader lines(items_text);
  std::string_view line;
  std::vector<std::string_view> f;
  while (lines.next(line)) {
    const int64_t ln = lines.line_number();
    if (text_trim(line).empty()) continue;
    split_sep(line, "|", f);
    check_fields(item_file, ln, f, item_names.size(), "|", item_names);
    const int64_t id = id_field(item_file, ln, item_names[0], f[0]);
    Item item;
    item.id = std::string(text_trim(f[0]));
    item.title = std::string(text_trim(f[1]));
    for (size_t g = 0; g < genres.size(); ++g) {
      const std::string_view flag = text_trim(f[5 + g]);
      if (flag == "1") item.categories.push_back(genres[g]);
      else if (flag != "0") data_fail(item_file, ln, genres[g], "genre flag " + quote_excerpt(flag) + " is not 0 or 1");
    }
    std::string year = title_year(item.title);
    const std::string_view release = text_trim(f[2]);
    if (year.empty() && release.size() >= 4) year = std::string(release.substr(release.size() - 4));
    if (!year.empty()) item.attributes["year"] = year;
    if (!release.empty()) item.attributes["release_date"] = std::string(release);
    if (!text_trim(f[3]).empty()) item.attributes["video_release_date"] = std::string(text_trim(f[3]));
    if (!text_trim(f[4]).empty()) item.attributes["imdb_url"] = std::string(text_trim(f[4]));
    add_item_checked(ds, items, std::move(item), id, item_file, ln, item_names[0]);
  }

  // u.user (optional): user id|age|gender|occupation|zip code.
  IntIndex users;
  const std::string user_file = path_join(dir, "u.user");
  const bool have_users = path_is_file(user_file);
  if (have_users) {
    const std::string text = latin1_or_utf8_to_utf8(source_read(user_file, "user id|age|gender|occupation|zip code"));
    const std::vector<std::string> names = {"user id", "age", "gender", "occupation", "zip code"};
    LineReader ul(text);
    while (ul.next(line)) {
      const int64_t ln = ul.line_number();
      if (text_trim(line).empty()) continue;
      split_sep(line, "|", f);
      check_fields(user_file, ln, f, 5, "|", names);
      const int64_t id = id_field(user_file, ln, names[0], f[0]);
      field_int(user_file, ln, names[1], f[1]);
      User user;
      user.id = std::string(text_trim(f[0]));
      user.profile = "age " + std::string(text_trim(f[1])) + ", gender " + std::string(text_trim(f[2])) +
                     ", occupation " + std::string(text_trim(f[3])) + ", zip code " + std::string(text_trim(f[4]));
      add_user_checked(ds, users, std::move(user), id, user_file, ln, names[0]);
    }
  }

  const std::string data_file = path_join(dir, "u.data");
  const std::string data_text = source_read(data_file, "user id<TAB>item id<TAB>rating<TAB>timestamp");
  read_ratings(ds, data_file, data_text, "\t", {"user id", "item id", "rating", "timestamp"}, items, item_file, users,
               have_users, user_file);
  return ds;
}

namespace {

// users.dat codes, as the ml-1m README lists them.
std::string age_label_1m(int64_t code) {
  switch (code) {
    case 1: return "under 18";
    case 18: return "18-24";
    case 25: return "25-34";
    case 35: return "35-44";
    case 45: return "45-49";
    case 50: return "50-55";
    case 56: return "56+";
    default: return std::to_string(code);
  }
}

std::string occupation_label_1m(int64_t code) {
  static const char* kNames[] = {"other",        "academic/educator", "artist",         "clerical/admin",
                                 "college/grad student", "customer service", "doctor/health care",
                                 "executive/managerial", "farmer",            "homemaker",      "K-12 student",
                                 "lawyer",       "programmer",        "retired",        "sales/marketing",
                                 "scientist",    "self-employed",     "technician/engineer", "tradesman/craftsman",
                                 "unemployed",   "writer"};
  if (code >= 0 && code <= 20) return kNames[code];
  return std::to_string(code);
}

}  // namespace

Dataset import_movielens_1m(const std::string& dir) {
  Dataset ds;
  std::string_view line;
  std::vector<std::string_view> f;

  // movies.dat: MovieID::Title::Genres (genres '|'-separated).
  const std::string item_file = path_join(dir, "movies.dat");
  const std::string items_text = latin1_or_utf8_to_utf8(source_read(item_file, "MovieID::Title::Genres lines"));
  const std::vector<std::string> item_names = {"MovieID", "Title", "Genres"};
  IntIndex items;
  LineReader lines(items_text);
  while (lines.next(line)) {
    const int64_t ln = lines.line_number();
    if (text_trim(line).empty()) continue;
    split_sep(line, "::", f);
    check_fields(item_file, ln, f, 3, "::", item_names);
    const int64_t id = id_field(item_file, ln, item_names[0], f[0]);
    Item item;
    item.id = std::string(text_trim(f[0]));
    item.title = std::string(text_trim(f[1]));
    std::vector<std::string_view> genres;
    split_sep(f[2], "|", genres);
    for (auto g : genres)
      if (text_trim(g) != "(no genres listed)") list_add_unique(item.categories, g);
    const std::string year = title_year(item.title);
    if (!year.empty()) item.attributes["year"] = year;
    add_item_checked(ds, items, std::move(item), id, item_file, ln, item_names[0]);
  }

  // users.dat (optional): UserID::Gender::Age::Occupation::Zip-code.
  IntIndex users;
  const std::string user_file = path_join(dir, "users.dat");
  const bool have_users = path_is_file(user_file);
  if (have_users) {
    const std::string text = latin1_or_utf8_to_utf8(source_read(user_file, "UserID::Gender::Age::Occupation::Zip-code"));
    const std::vector<std::string> names = {"UserID", "Gender", "Age", "Occupation", "Zip-code"};
    LineReader ul(text);
    while (ul.next(line)) {
      const int64_t ln = ul.line_number();
      if (text_trim(line).empty()) continue;
      split_sep(line, "::", f);
      check_fields(user_file, ln, f, 5, "::", names);
      const int64_t id = id_field(user_file, ln, names[0], f[0]);
      const int64_t age = field_int(user_file, ln, names[2], f[2]);
      const int64_t occupation = field_int(user_file, ln, names[3], f[3]);
      User user;
      user.id = std::string(text_trim(f[0]));
      user.profile = "gender " + std::string(text_trim(f[1])) + ", age " + age_label_1m(age) + ", occupation " +
                     occupation_label_1m(occupation) + ", zip code " + std::string(text_trim(f[4]));
      add_user_checked(ds, users, std::move(user), id, user_file, ln, names[0]);
    }
  }

  const std::string data_file = path_join(dir, "ratings.dat");
  const std::string data_text = source_read(data_file, "UserID::MovieID::Rating::Timestamp lines");
  read_ratings(ds, data_file, data_text, "::", {"UserID", "MovieID", "Rating", "Timestamp"}, items, item_file, users,
               have_users, user_file);
  return ds;
}

}  // namespace rf
