// Tests for the prompt context (core/data/prompt_context.h) and the recipe presets (resources/templates):
// every context field on a hand-made data set with hand-computed values, that no field leaks the held-out
// answer, the errors, full expected prompts for the presets, and the presets rendered from the real data
// fixtures (MovieLens, Amazon Beauty, ESCI) with the key lines computed independently from the raw files.
#include "data/dataset.h"
#include "data/importer.h"
#include "data/prompt_context.h"
#include "data/split.h"
#include "text/chat_format.h"
#include "text/template.h"
#include "util/error.h"
#include "util/file_io.h"

#include "support/fixtures.h"
#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace {

using nlohmann::json;

const std::string kRepo = std::string(RECFORGE_FIXTURES_DIR) + "/../..";
constexpr int64_t kT0 = 1000000000;  // 2001-09-09 01:46:40 UTC
constexpr int64_t kDay = 86400;

std::string preset_path(const std::string& file) { return kRepo + "/resources/templates/" + file; }

std::string render_preset(const std::string& file, const json& context) {
  return rf::template_render(rf::template_load(preset_path(file)), context);
}

// Items a..e, users u1 (4 ratings) and u2 (3), interactions stored out of time order on purpose.
//   u1: A t0 4, B t0+1d 2, C t0+2d 5, D t0+3d 3 ("fine")     u2: A t0+.5d 2, D t0+1.5d 5, E t0+2.5d 1
// Leave-last-out train: u1 A B, u2 A  ->  A avg 3.0 (2 ratings), B 2.0 (1), C D E none.
rf::Dataset synthetic() {
  rf::Dataset ds;
  ds.name = "syn";
  auto item = [&](const char* id, const char* title, std::vector<std::string> cats) {
    rf::Item it;
    it.id = id;
    it.title = title;
    it.categories = std::move(cats);
    rf::dataset_add_item(ds, it);
  };
  item("a", "Alpha", {"Drama", "Comedy"});
  item("b", "Beta", {"Drama"});
  item("c", "Gamma", {"Action"});
  item("d", "Delta", {"Comedy"});
  item("e", "Epsilon", {});
  rf::dataset_add_user(ds, rf::User{"u1", "likes drama"});
  rf::dataset_add_user(ds, rf::User{"u2", ""});
  auto add = [&](int32_t u, int32_t i, int64_t t, float r, const char* review = "") {
    rf::Interaction x;
    x.user = u;
    x.item = i;
    x.time = t;
    x.rating = r;
    x.review = review;
    ds.interactions.push_back(x);
  };
  add(1, 0, kT0 + kDay / 2, 2);       // 0
  add(0, 0, kT0, 4);                  // 1
  add(0, 1, kT0 + kDay, 2);           // 2
  add(1, 3, kT0 + kDay * 3 / 2, 5);   // 3
  add(0, 2, kT0 + 2 * kDay, 5);       // 4
  add(1, 4, kT0 + kDay * 5 / 2, 1);   // 5
  add(0, 3, kT0 + 3 * kDay, 3, "fine");  // 6
  rf::dataset_update_popularity(ds);
  return ds;
}

struct Built {
  rf::Dataset ds;
  rf::PromptItemStats stats;
  std::vector<std::vector<int32_t>> histories;
};

Built built(rf::Dataset ds) {
  Built b;
  b.stats = rf::prompt_item_stats_build(ds, rf::prompt_train_interactions(ds, rf::split_leave_last_out(ds)));
  b.histories = rf::dataset_user_histories(ds);
  b.ds = std::move(ds);
  return b;
}

// ---- independent readers of the raw fixture files ----------------------------------------------------------
std::string data_dir(const std::string& name) {
  const std::string fixture = rf::test::fixture_path("data/" + name);
  if (QFileInfo::exists(QString::fromStdString(fixture))) return fixture;
  // Local runs before the fixtures are copied in: RECFORGE_DATA_FALLBACK=/path/to/shared/data.
  const QByteArray fallback = qgetenv("RECFORGE_DATA_FALLBACK");
  if (!fallback.isEmpty() && QFileInfo::exists(QString(fallback) + "/" + QString::fromStdString(name)))
    return fallback.toStdString() + "/" + name;
  return "";
}

// RFC 4180 CSV: quoted fields with "" escapes and line breaks inside quotes.
std::vector<std::vector<std::string>> csv_read(const std::string& path) {
  const std::string text = rf::file_read_all(path);
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field), field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      rows.back().push_back(field), field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !rows.back().empty()) rows.back().push_back(field);
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

// Python's repr of round(x, 2) for the averages the presets print (halves away from zero, as documented).
std::string round2(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", std::round(x * 100) / 100);
  std::string s = buf;
  while (s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

// The truncate filter's documented rule: at most n characters, the last one "…" when cut.
std::string truncated(const std::string& s, int n) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < s.size();) {
    size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    chars.push_back(s.substr(i, j - i));
    i = j;
  }
  if (static_cast<int>(chars.size()) <= n) return s;
  std::string out;
  for (int k = 0; k < n - 1; ++k) out += chars[static_cast<size_t>(k)];
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\xe2\x80\xa6";
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  for (size_t j = s.find('\n'); j != std::string::npos; j = s.find('\n', i)) {
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  out.push_back(s.substr(i));
  return out;
}

// True when `block` appears as consecutive whole lines of `text`.
bool has_lines(const std::string& text, const std::vector<std::string>& block) {
  const auto lines = lines_of(text);
  for (size_t i = 0; i + block.size() <= lines.size(); ++i)
    if (std::equal(block.begin(), block.end(), lines.begin() + static_cast<std::ptrdiff_t>(i))) return true;
  return false;
}

}  // namespace

class TestPromptPresets : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void context_fields_by_hand() {
    const Built b = built(synthetic());
    QCOMPARE(b.histories[0], (std::vector<int32_t>{1, 2, 4, 6}));
    const rf::PromptRequest r = rf::prompt_request_at(b.ds, b.histories[0], 3, "rating");
    QCOMPARE(r.history, (std::vector<int32_t>{1, 2, 4}));
    QCOMPARE(r.target_interaction, 6);
    const json c = rf::prompt_context_build(b.ds, b.stats, r);

    QCOMPARE(c["recipe"], json("rating"));
    QCOMPARE(c["query"], json("likes drama"));  // no shopper query: the profile
    QCOMPARE(c["dataset"], (json{{"name", "syn"}, {"items", 5}, {"users", 2}, {"rating_min", 2.0}, {"rating_max", 4.0}}));
    const json& u = c["user"];
    QCOMPARE(u["id"], json("u1"));
    QCOMPARE(u["index"], json(0));
    QCOMPARE(u["profile"], json("likes drama"));
    QCOMPARE(u["history_count"], json(3));
    QCOMPARE(u["rating_count"], json(3));
    QVERIFY(std::fabs(u["average_rating"].get<double>() - 11.0 / 3.0) < 1e-12);
    QCOMPARE(u["top_categories"], (json::array({{{"name", "Drama"}, {"count", 2}}, {{"name", "Action"}, {"count", 1}}, {{"name", "Comedy"}, {"count", 1}}})));
    QCOMPARE(u["history"].size(), size_t{3});
    const json& h0 = u["history"][0];
    QCOMPARE(h0, (json{{"position", 1}, {"id", "a"}, {"title", "Alpha"}, {"categories", {"Drama", "Comedy"}}, {"tags", json::array()},
                       {"creator", ""}, {"text", ""}, {"attributes", json::object()}, {"average_rating", 3.0}, {"rating_count", 2},
                       {"popularity", 2}, {"rating", 4.0}, {"time", kT0}, {"date", "2001-09-09"}, {"review", ""}, {"label", ""}}));
    const json& h2 = u["history"][2];
    QCOMPARE(h2["id"], json("c"));
    QCOMPARE(h2["position"], json(3));
    QCOMPARE(h2["rating"], json(5.0));
    QCOMPARE(h2["average_rating"], json(nullptr));
    QCOMPARE(h2["rating_count"], json(0));
    QCOMPARE(h2["date"], json("2001-09-11"));
    // The target: the item and when, never the rating or the review.
    const json& t = c["target"];
    QCOMPARE(t["id"], json("d"));
    QCOMPARE(t["average_rating"], json(nullptr));  // D's only train rating is none: u2's D is validation
    QCOMPARE(t["date"], json("2001-09-12"));
    QVERIFY(!t.contains("rating") && !t.contains("review"));
    QCOMPARE(c["candidates"], json::array());
  }

  void history_limit_keeps_counts() {
    const Built b = built(synthetic());
    rf::PromptContextOptions o;
    o.history_limit = 2;
    const json c = rf::prompt_context_build(b.ds, b.stats, rf::prompt_request_at(b.ds, b.histories[0], 3, "list"), o);
    QCOMPARE(c["user"]["history"].size(), size_t{2});
    QCOMPARE(c["user"]["history"][0]["position"], json(2));
    QCOMPARE(c["user"]["history"][1]["id"], json("c"));
    QCOMPARE(c["user"]["history_count"], json(3));
    QCOMPARE(c["user"]["top_categories"][0], (json{{"name", "Drama"}, {"count", 2}}));
    QCOMPARE(c["target"], json(nullptr));  // only the rating recipe shows a target
  }

  void empty_history() {
    const Built b = built(synthetic());
    const json c = rf::prompt_context_build(b.ds, b.stats, rf::prompt_request_at(b.ds, b.histories[0], 0, "rating"));
    QCOMPARE(c["user"]["history"], json::array());
    QCOMPARE(c["user"]["history_count"], json(0));
    QCOMPARE(c["user"]["average_rating"], json(nullptr));
    QCOMPARE(c["user"]["top_categories"], json::array());
    QCOMPARE(c["target"]["id"], json("a"));
    // A's average without u1's own (training) rating of it: u2's 2.0 alone.
    QCOMPARE(c["target"]["average_rating"], json(2.0));
    QCOMPARE(c["target"]["rating_count"], json(1));
  }

  void no_leak_of_the_answer() {
    const Built b = built(synthetic());
    // A training-time prompt: B is a train interaction, and its own rating must not show through its average.
    const json c = rf::prompt_context_build(b.ds, b.stats, rf::prompt_request_at(b.ds, b.histories[0], 1, "rating"));
    QCOMPARE(c["target"]["id"], json("b"));
    QCOMPARE(c["target"]["average_rating"], json(nullptr));
    QCOMPARE(c["target"]["popularity"], json(0));
    QCOMPARE(c["user"]["history"].size(), size_t{1});
    // For every recipe and position: nothing at or after the held-out interaction is in the history.
    for (const char* recipe : {"list", "query", "rating"}) {
      for (size_t p = 0; p < b.histories[0].size(); ++p) {
        const rf::PromptRequest r = rf::prompt_request_at(b.ds, b.histories[0], p, recipe);
        const json ctx = rf::prompt_context_build(b.ds, b.stats, r);
        const int64_t held_time = b.ds.interactions[static_cast<size_t>(b.histories[0][p])].time;
        for (const auto& h : ctx["user"]["history"]) QVERIFY(h["time"].get<int64_t>() < held_time);
        QCOMPARE(ctx["user"]["history_count"], json(p));
        if (std::string(recipe) != "rating") QCOMPARE(ctx["target"], json(nullptr));
        // The held-out rating appears nowhere as a "rating" of the target.
        QVERIFY(!ctx["target"].is_object() || !ctx["target"].contains("rating"));
      }
    }
  }

  void candidates_and_query() {
    const Built b = built(synthetic());
    rf::PromptRequest r = rf::prompt_request_at(b.ds, b.histories[1], 2, "list");
    r.candidates = {1, 2};
    r.k = 1;
    r.query = "a query";
    const json c = rf::prompt_context_build(b.ds, b.stats, r);
    QCOMPARE(c["candidates"].size(), size_t{2});
    QCOMPARE(c["candidates"][0]["position"], json(1));
    QCOMPARE(c["candidates"][0]["id"], json("b"));
    QCOMPARE(c["candidates"][0]["average_rating"], json(2.0));
    QCOMPARE(c["candidates"][1]["id"], json("c"));
    QCOMPARE(c["k"], json(1));
    QCOMPARE(c["query"], json("a query"));
    QCOMPARE(c["user"]["average_rating"], json(3.5));
  }

  void context_errors() {
    const Built b = built(synthetic());
    rf::PromptRequest r = rf::prompt_request_at(b.ds, b.histories[0], 3, "rating");
    rf::PromptRequest leaky = r;
    leaky.history.push_back(6);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::prompt_context_build(b.ds, b.stats, leaky));
    rf::PromptRequest other = r;
    other.history.push_back(0);  // u2's
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::prompt_context_build(b.ds, b.stats, other));
    rf::PromptRequest bad_user = r;
    bad_user.user = 7;
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::prompt_context_build(b.ds, b.stats, bad_user));
    rf::PromptRequest bad_item = r;
    bad_item.candidates = {99};
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::prompt_context_build(b.ds, b.stats, bad_item));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::prompt_request_at(b.ds, b.histories[0], 4, "rating"));
    try {
      rf::prompt_context_build(b.ds, b.stats, leaky);
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("also in the history") != std::string::npos, e.what());
    }
  }

  void rating_preset_full_text() {
    const Built b = built(synthetic());
    const json c = rf::prompt_context_build(b.ds, b.stats, rf::prompt_request_at(b.ds, b.histories[0], 3, "rating"));
    QCOMPARE(QString::fromStdString(render_preset("rating.jinja", c)),
             QString("You are a recommender that predicts how a user will rate an item, on a scale from 2.0 to 4.0.\n"
                     "\n"
                     "The user's last 3 interactions, oldest first:\n"
                     "1. Alpha [Drama, Comedy]: 4.0\n"
                     "2. Beta [Drama]: 2.0\n"
                     "3. Gamma [Action]: 5.0\n"
                     "The user's average rating: 3.67 (over 3 ratings).\n"
                     "\n"
                     "The item to rate: Delta [Comedy]\n"
                     "The item's average rating: unknown (over 0 ratings).\n"
                     "\n"
                     "Answer in exactly four blocks, in this order:\n"
                     "<analyze user> the user's tastes and rating habits </analyze user>\n"
                     "<analyze item> what the item is and how others rated it </analyze item>\n"
                     "<match> how well the item fits the user </match>\n"
                     "<rate> the predicted rating, one number from 2.0 to 4.0 </rate>"));
  }

  void list_preset_full_text() {
    const Built b = built(synthetic());
    rf::PromptRequest r = rf::prompt_request_at(b.ds, b.histories[1], 2, "list");
    r.candidates = {1, 2};
    r.k = 1;
    QCOMPARE(QString::fromStdString(render_preset("list.jinja", rf::prompt_context_build(b.ds, b.stats, r))),
             QString("You are a recommender system. Read the user's history, then choose the 1 items from the candidate pool "
                     "that the user is most likely to interact with next, ranked from most to least likely.\n"
                     "\n"
                     "# The user\n"
                     "The user has interacted with 2 items so far, with an average rating of 3.5.\n"
                     "Most frequent categories: Comedy (2), Drama (1).\n"
                     "\n"
                     "Most recent items, oldest first:\n"
                     "1. [a] Alpha (rated 2.0)\n"
                     "2. [d] Delta (rated 5.0)\n"
                     "\n"
                     "# Candidate pool (2 items)\n"
                     "[b] Beta (Drama)\n"
                     "[c] Gamma (Action)\n"
                     "\n"
                     "# Your answer\n"
                     "First reason inside <think> </think>: what the user likes, how their interests changed recently, and which "
                     "candidates fit best. Then give exactly 1 distinct ids from the candidate pool, most likely first, as a list "
                     "inside <answer> </answer>, for example <answer>[id, id, ...]</answer>."));
  }

  // A candidate's line names its categories: up to three, in source order, opaque "attr:" ids left out.
  void list_preset_candidate_categories_data() {
    QTest::addColumn<QStringList>("categories");
    QTest::addColumn<QString>("line");
    QTest::newRow("two") << QStringList{"Drama", "Noir"} << "[b] Beta (Drama, Noir)";
    QTest::newRow("the first three named") << QStringList{"attr:1", "A", "B", "attr:2", "C", "D"} << "[b] Beta (A, B, C)";
    QTest::newRow("opaque only") << QStringList{"attr:7"} << "[b] Beta";
    QTest::newRow("none") << QStringList{} << "[b] Beta";
  }
  void list_preset_candidate_categories() {
    QFETCH(QStringList, categories);
    QFETCH(QString, line);
    rf::Dataset ds = synthetic();
    ds.items[1].categories.clear();
    for (const QString& c : categories) ds.items[1].categories.push_back(c.toStdString());
    const Built b = built(ds);
    rf::PromptRequest r = rf::prompt_request_at(b.ds, b.histories[1], 2, "list");
    r.candidates = {1, 2};
    r.k = 1;
    const std::string text = render_preset("list.jinja", rf::prompt_context_build(b.ds, b.stats, r));
    QVERIFY2(has_lines(text, {line.toStdString(), "[c] Gamma (Action)"}), text.c_str());
  }

  void query_presets_and_chat() {
    const Built b = built(synthetic());
    const json c = rf::prompt_context_build(b.ds, b.stats, rf::prompt_request_at(b.ds, b.histories[0], 3, "query"));
    const std::string q = render_preset("query.jinja", c);
    QVERIFY2(has_lines(q, {"Item 1: Alpha", "Item 2: Beta", "Item 3: Gamma",
                           "You may combine keywords with the Boolean operators AND and OR, and group them with parentheses."}), q.c_str());
    QVERIFY2(has_lines(q, {"<answer>", "{", "    \"query\": xxx", "}", "</answer>."}), q.c_str());
    QVERIFY(q.find("Delta") == std::string::npos);  // the held-out item
    const std::string w = render_preset("query_rewrite.jinja", c);
    QVERIFY2(has_lines(w, {"Below is the query:", "```likes drama```"}), w.c_str());

    const json presets = json::parse(rf::file_read_all(preset_path("presets.json")));
    std::map<std::string, json> by_name;
    for (const auto& p : presets["presets"]) by_name[p["name"].get<std::string>()] = p;
    QCOMPARE(by_name.size(), size_t{4});
    for (const auto& [name, p] : by_name) {
      QVERIFY2(rf::file_exists(preset_path(p["file"].get<std::string>())), name.c_str());
      QVERIFY(!p["tags"].empty());
    }
    QCOMPARE(by_name["rating"]["tags"], (json{"analyze user", "analyze item", "match", "rate"}));
    QCOMPARE(by_name["list"]["tags"], (json{"think", "answer"}));
    const std::string prefill = by_name["query"]["prefill"].get<std::string>();
    QCOMPARE(QString::fromStdString(prefill), QString("Let me solve this step by step.\n<think>"));
    const std::string chat = rf::chat_format_render(rf::ChatFamily::ChatML,
                                                    {{"system", by_name["query"]["system"].get<std::string>()}, {"user", q}}, true, prefill);
    QVERIFY(chat.rfind("<|im_start|>system\nYou are a helpful AI assistant.", 0) == 0);
    QVERIFY(chat.size() > q.size());
    const std::string tail = "</answer>.<|im_end|>\n<|im_start|>assistant\nLet me solve this step by step.\n<think>";
    QVERIFY2(chat.size() > tail.size() && chat.compare(chat.size() - tail.size(), tail.size(), tail) == 0, chat.c_str());
  }

  void movielens_rating_preset() {
    const std::string dir = data_dir("ml-latest-small");
    if (dir.empty()) QSKIP("tests/fixtures/data/ml-latest-small is missing");
    rf::ImportOptions io;
    io.format = "movielens-latest";
    const Built b = built(rf::data_import(dir, io));

    // The raw files, read here without the importer: user 1's ratings in time order, everyone's train rows.
    std::map<std::string, std::pair<std::string, std::string>> movies;  // id -> (title, genres)
    for (const auto& row : csv_read(dir + "/movies.csv"))
      if (row.size() >= 3 && row[0] != "movieId") movies[row[0]] = {row[1], row[2]};
    std::map<std::string, std::vector<std::pair<int64_t, std::pair<std::string, double>>>> by_user;
    for (const auto& row : csv_read(dir + "/ratings.csv"))
      if (row.size() >= 4 && row[0] != "userId") by_user[row[0]].push_back({std::stoll(row[3]), {row[1], std::stod(row[2])}});
    for (auto& [u, rows] : by_user)
      std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    const auto& mine = by_user["1"];
    const std::string target_movie = mine.back().second.first;
    double train_sum = 0, history_sum = 0;
    int train_n = 0;
    for (const auto& [u, rows] : by_user) {
      const size_t train = rows.size() >= 3 ? rows.size() - 2 : rows.size();
      for (size_t i = 0; i < train; ++i)
        if (rows[i].second.first == target_movie) train_sum += rows[i].second.second, ++train_n;
    }
    for (size_t i = 0; i + 1 < mine.size(); ++i) history_sum += mine[i].second.second;

    const int32_t user = b.ds.user_find("1");
    QVERIFY(user >= 0);
    const auto& hist = b.histories[static_cast<size_t>(user)];
    QCOMPARE(hist.size(), mine.size());
    const json c = rf::prompt_context_build(b.ds, b.stats, rf::prompt_request_at(b.ds, hist, hist.size() - 1, "rating"));
    const std::string prompt = render_preset("rating.jinja", c);

    std::vector<std::string> expected = {"The user's last 10 interactions, oldest first:"};
    for (size_t k = 0; k < 10; ++k) {
      const auto& [movie, rating] = mine[mine.size() - 11 + k].second;
      std::string genres = movies[movie].second, shown;
      int n = 0;
      for (size_t i = 0; n < 3 && i <= genres.size(); ++n) {
        const size_t bar = std::min(genres.find('|', i), genres.size());
        shown += (n ? ", " : "") + genres.substr(i, bar - i);
        i = bar + 1;
        if (bar == genres.size()) break;
      }
      char r[16];
      std::snprintf(r, sizeof r, "%.1f", rating);
      expected.push_back(std::to_string(k + 1) + ". " + truncated(movies[movie].first, 120) + " [" + shown + "]: " + r);
    }
    expected.push_back("The user's average rating: " + round2(history_sum / static_cast<double>(mine.size() - 1)) + " (over " +
                       std::to_string(mine.size() - 1) + " ratings).");
    QVERIFY2(has_lines(prompt, expected), prompt.c_str());
    std::string genres_all = movies[target_movie].second;
    std::replace(genres_all.begin(), genres_all.end(), '|', ',');
    QString g = QString::fromStdString(genres_all).replace(",", ", ");
    QVERIFY2(has_lines(prompt, {"The item to rate: " + movies[target_movie].first + " [" + g.toStdString() + "]",
                                "The item's average rating: " + (train_n ? round2(train_sum / train_n) : std::string("unknown")) +
                                    " (over " + std::to_string(train_n) + " rating" + (train_n == 1 ? "" : "s") + ")."}),
             prompt.c_str());
    QVERIFY(has_lines(prompt, {"<rate> the predicted rating, one number from 0.5 to 5.0 </rate>"}));
  }

  void beauty_query_and_list_presets() {
    const std::string dir = data_dir("amazon-beauty-5core");
    if (dir.empty()) QSKIP("tests/fixtures/data/amazon-beauty-5core is missing");
    rf::ImportOptions io;
    io.format = "sequence";
    const Built b = built(rf::data_import(dir + "/Beauty.txt", io));

    std::map<std::string, std::string> titles;
    for (const auto& line : lines_of(rf::file_read_all(dir + "/items.jsonl"))) {
      if (line.empty()) continue;
      const json j = json::parse(line);
      titles[j["item_id"].dump()] = j["title"].get<std::string>();
    }
    std::vector<std::string> seq;  // user 9's items in order, from Beauty.txt
    for (const auto& line : lines_of(rf::file_read_all(dir + "/Beauty.txt"))) {
      if (line.rfind("9 ", 0) != 0) continue;
      std::istringstream words(line.substr(2));
      for (std::string w; words >> w;) seq.push_back(w);
    }
    QVERIFY(seq.size() >= 12);
    const int32_t user = b.ds.user_find("9");
    QVERIFY(user >= 0);
    const auto& hist = b.histories[static_cast<size_t>(user)];
    QCOMPARE(hist.size(), seq.size());

    const json qc = rf::prompt_context_build(b.ds, b.stats, rf::prompt_request_at(b.ds, hist, hist.size() - 1, "query"));
    const std::string q = render_preset("query.jinja", qc);
    std::vector<std::string> expected;
    for (size_t k = 0; k < 10; ++k) expected.push_back("Item " + std::to_string(k + 1) + ": " + truncated(titles[seq[seq.size() - 11 + k]], 200));
    expected.push_back("You may combine keywords with the Boolean operators AND and OR, and group them with parentheses.");
    QVERIFY2(has_lines(q, expected), q.c_str());

    rf::PromptRequest lr = rf::prompt_request_at(b.ds, hist, hist.size() - 1, "list");
    std::vector<int32_t> user_items;
    for (int32_t x : hist) user_items.push_back(b.ds.interactions[static_cast<size_t>(x)].item);
    const int32_t target = user_items.back();
    rf::CandidateOptions co;
    co.pool_size = 20;
    co.seed = 7;
    lr.candidates = rf::candidates_sample(b.ds, user, {target}, user_items, co);
    QCOMPARE(lr.candidates.size(), size_t{20});
    const std::string l = render_preset("list.jinja", rf::prompt_context_build(b.ds, b.stats, lr));
    std::vector<std::string> pool = {"# Candidate pool (20 items)"};
    for (int32_t i : lr.candidates) pool.push_back("[" + b.ds.items[static_cast<size_t>(i)].id + "] " + truncated(titles[b.ds.items[static_cast<size_t>(i)].id], 120));
    QVERIFY2(has_lines(l, pool), l.c_str());
    QVERIFY(l.find("give exactly 10 distinct ids") != std::string::npos);
    // The target shows once, in the pool, and never in the history; "attr:" category ids are not shown.
    const std::string target_line = "[" + seq.back() + "] ";
    size_t count = 0;
    for (const auto& line : lines_of(l)) count += line.find(target_line) != std::string::npos;
    QCOMPARE(count, size_t{1});
    QVERIFY(l.find("attr:") == std::string::npos);
    QVERIFY(l.find("The user has interacted with " + std::to_string(seq.size() - 1) + " items so far.") != std::string::npos);
  }

  void esci_query_rewrite_preset() {
    const std::string dir = data_dir("esci-sample");
    if (dir.empty()) QSKIP("tests/fixtures/data/esci-sample is missing");
    rf::ImportOptions io;
    io.format = "esci";
    const Built b = built(rf::data_import(dir, io));
    const auto rows = csv_read(dir + "/esci_sample.csv");
    QVERIFY(rows.size() > 1);
    const std::string query = rows[1][1], query_id = rows[1][2];
    const int32_t user = b.ds.user_find(query_id);
    QVERIFY(user >= 0);
    const auto& hist = b.histories[static_cast<size_t>(user)];
    const json c = rf::prompt_context_build(b.ds, b.stats, rf::prompt_request_at(b.ds, hist, hist.size() - 1, "query"));
    QCOMPARE(c["query"], json(query));
    const std::string w = render_preset("query_rewrite.jinja", c);
    QVERIFY2(has_lines(w, {"Below is the query:", "```" + query + "```",
                           "Show your work in <think> </think> tags. Your final response must be in JSON format within <answer> </answer> tags. For example,"}),
             w.c_str());
  }
};

RF_TEST_SUITE(TestPromptPresets);
#include "test_prompt_presets.moc"
