// Tests for the sample world (core/data/sample_world.h): the checked-in sample_data/ is exactly what the
// default seed regenerates, sizes and shapes are as asked (long tail, >= 5 interactions per user, unique
// titles, 3-5 tags), the truth behaves (a taste-matched list beats a random one; topic entropy against
// hand-computed values), the replay shows the filter bubble with more-of-the-same and not with diverse,
// the files load back and import through the generic importer, and bad input fails with clear errors.
#include "data/importer.h"
#include "data/sample_world.h"
#include "support/fixtures.h"
#include "support/suite_registry.h"
#include "util/error.h"
#include "util/file_io.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <regex>
#include <set>

namespace {

const char* kFiles[] = {"items.jsonl", "users.jsonl", "interactions.csv", "world.json", "README.md"};

std::string sample_data_dir() { return std::string(RECFORGE_FIXTURES_DIR) + "/../../sample_data"; }

// The default world is used by most tests; generating it once keeps the suite fast.
const rf::SampleWorld& default_world() {
  static const rf::SampleWorld world = rf::sample_world_generate(rf::SampleWorldOptions{});
  return world;
}

rf::SampleWorldOptions sized(int items, int users, int topics, uint64_t seed = 7) {
  rf::SampleWorldOptions o;
  o.n_items = items;
  o.n_users = users;
  o.n_topics = topics;
  o.seed = seed;
  return o;
}

// The most liked topic of a user, read from the hidden tastes.
int32_t favourite_topic(const rf::SampleWorld& w, int32_t user) {
  const auto& t = w.user_taste[static_cast<size_t>(user)];
  return static_cast<int32_t>(std::max_element(t.begin(), t.end()) - t.begin());
}

std::vector<int32_t> items_of_topic(const rf::SampleWorld& w, int32_t topic, size_t n) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < w.item_topic.size() && out.size() < n; ++i)
    if (w.item_topic[i] == topic) out.push_back(static_cast<int32_t>(i));
  return out;
}

void write_text(const std::string& path, const std::string& text) { rf::file_write_atomic(path, text); }

}  // namespace

class TestSampleWorld : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void checked_in_sample_is_regenerated_byte_for_byte() {
    QTemporaryDir tmp;
    rf::sample_world_write(default_world(), tmp.path().toStdString());
    for (const char* name : kFiles) {
      const std::string want = sample_data_dir() + "/" + name;
      QVERIFY2(rf::file_exists(want), qPrintable(QString::fromStdString(want + " is missing")));
      QVERIFY2(rf::file_read_all(tmp.path().toStdString() + "/" + name) == rf::file_read_all(want),
               qPrintable(QString("sample_data/%1 differs from a regeneration with seed 7").arg(name)));
    }
  }

  void same_seed_same_world_other_seed_differs() {
    const rf::SampleWorld again = rf::sample_world_generate(sized(300, 300, 12, 7));
    QCOMPARE(again.dataset.interactions.size(), default_world().dataset.interactions.size());
    QCOMPARE(again.item_quality, default_world().item_quality);
    const rf::SampleWorld other = rf::sample_world_generate(sized(300, 300, 12, 8));
    QTemporaryDir a, b;
    rf::sample_world_write(default_world(), a.path().toStdString());
    rf::sample_world_write(other, b.path().toStdString());
    for (const char* name : {"items.jsonl", "users.jsonl", "interactions.csv", "world.json"})
      QVERIFY2(rf::file_read_all(a.path().toStdString() + "/" + name) != rf::file_read_all(b.path().toStdString() + "/" + name),
               name);
  }

  void sizes_and_shapes_data() {
    QTest::addColumn<int>("items");
    QTest::addColumn<int>("users");
    QTest::addColumn<int>("topics");
    QTest::newRow("default") << 300 << 300 << 12;
    QTest::newRow("small") << 120 << 40 << 5;
    QTest::newRow("one topic") << 30 << 10 << 1;
    QTest::newRow("larger") << 1200 << 100 << 12;
  }
  void sizes_and_shapes() {
    QFETCH(int, items);
    QFETCH(int, users);
    QFETCH(int, topics);
    const rf::SampleWorld w = items == 300 && users == 300 ? default_world() : rf::sample_world_generate(sized(items, users, topics));
    const rf::Dataset& ds = w.dataset;
    QCOMPARE(ds.item_count(), items);
    QCOMPARE(ds.user_count(), users);
    QCOMPARE(static_cast<int>(w.topics.size()), topics);

    std::set<std::string> titles, first_categories;
    int local = 0;
    for (const auto& item : ds.items) {
      QVERIFY2(titles.insert(item.title).second, item.title.c_str());
      QVERIFY(!item.title.empty() && !item.creator.empty() && !item.text.empty());
      QVERIFY2(item.tags.size() >= 3 && item.tags.size() <= 5, item.id.c_str());
      QCOMPARE(std::set<std::string>(item.tags.begin(), item.tags.end()).size(), item.tags.size());
      first_categories.insert(item.categories.at(0));
      local += std::count(item.tags.begin(), item.tags.end(), "local") > 0;
      for (const char* key : {"year", "format", "price"}) QVERIFY2(item.attributes.count(key), key);
    }
    QCOMPARE(static_cast<int>(first_categories.size()), topics);  // every topic has items
    if (items >= 300) QVERIFY2(local > items / 20 && local < items / 5, qPrintable(QString::number(local)));

    // Every user has >= 5 interactions, on distinct items, at increasing times, rated 1-5.
    std::vector<std::vector<int32_t>> per_user(static_cast<size_t>(users));
    for (const auto& x : ds.interactions) {
      QVERIFY(x.has_rating() && x.rating >= 1 && x.rating <= 5 && x.rating == std::round(x.rating));
      per_user[static_cast<size_t>(x.user)].push_back(x.item);
    }
    double total = 0;
    for (const auto& h : per_user) {
      QVERIFY2(h.size() >= 5, "a user has fewer than 5 interactions");
      QCOMPARE(std::set<int32_t>(h.begin(), h.end()).size(), h.size());
      total += static_cast<double>(h.size());
    }
    const double mean = total / users;
    if (items >= 300) QVERIFY2(mean > 20 && mean < 40, qPrintable(QString::number(mean)));
    const auto hist = rf::dataset_user_histories(ds);
    for (const auto& h : hist)
      for (size_t j = 1; j < h.size(); ++j) QVERIFY(ds.interactions[h[j]].time > ds.interactions[h[j - 1]].time);

    // Hidden tastes: 1-3 topics, weights summing to 1 (to 4 decimals); appetite in [0, 1].
    for (size_t u = 0; u < w.user_taste.size(); ++u) {
      const auto& t = w.user_taste[u];
      const auto liked = std::count_if(t.begin(), t.end(), [](double x) { return x > 0; });
      QVERIFY(liked >= 1 && liked <= 3);
      double sum = 0;
      for (double x : t) sum += x;
      QVERIFY2(std::fabs(sum - 1.0) < 2e-4, qPrintable(QString::number(sum)));
      QVERIFY(w.user_novelty[u] >= 0 && w.user_novelty[u] <= 1);
    }
  }

  void popularity_has_a_long_tail() {
    const rf::Dataset& ds = default_world().dataset;
    std::vector<int64_t> count(static_cast<size_t>(ds.item_count()), 0);
    for (const auto& x : ds.interactions) ++count[static_cast<size_t>(x.item)];
    std::sort(count.rbegin(), count.rend());
    int64_t top = 0, all = 0;
    for (size_t i = 0; i < count.size(); ++i) {
      all += count[i];
      if (i < count.size() / 10) top += count[i];
    }
    const double share = static_cast<double>(top) / static_cast<double>(all);
    QVERIFY2(share > 0.30, qPrintable(QString("top 10%% of items get %1 of interactions").arg(share)));
    QVERIFY(count.back() < count.front() / 10);  // the least popular item is far behind the most popular
  }

  void satisfaction_follows_the_documented_formula() {
    const rf::SampleWorld& w = default_world();
    const double pop_min = 1.0 / 300.0;  // Zipf s = 1 over 300 items: the last rank's r^-s
    for (int32_t u : {0, 17, 299}) {
      for (int32_t i : {0, 5, 150, 299}) {
        const auto& taste = w.user_taste[static_cast<size_t>(u)];
        const double rel = taste[static_cast<size_t>(w.item_topic[static_cast<size_t>(i)])] / *std::max_element(taste.begin(), taste.end());
        const double obscure = std::log(1.0 / w.item_popularity[static_cast<size_t>(i)]) / std::log(1.0 / pop_min);
        const double a = w.user_novelty[static_cast<size_t>(u)];
        const double want = 0.15 + 0.55 * rel + 0.20 * w.item_quality[static_cast<size_t>(i)] +
                            0.10 * (a * obscure + (1 - a) * (1 - obscure));
        QVERIFY(std::fabs(rf::sample_world_satisfaction(w, u, i) - want) < 1e-9);
      }
    }
  }

  void taste_matched_list_beats_random() {
    const rf::SampleWorld& w = default_world();
    std::mt19937_64 rng(3);
    int better = 0;
    double matched_sum = 0, random_sum = 0;
    for (int32_t u = 0; u < w.dataset.user_count(); ++u) {
      const auto matched = items_of_topic(w, favourite_topic(w, u), 10);
      std::vector<int32_t> random;
      for (int j = 0; j < 10; ++j) random.push_back(static_cast<int32_t>(rng() % 300));
      const double m = rf::sample_world_score_list(w, u, matched).mean_satisfaction;
      const double r = rf::sample_world_score_list(w, u, random).mean_satisfaction;
      better += m > r;
      matched_sum += m;
      random_sum += r;
    }
    QVERIFY2(better >= w.dataset.user_count() * 95 / 100, qPrintable(QString::number(better)));
    QVERIFY2(matched_sum / random_sum > 1.5, qPrintable(QString("%1 vs %2").arg(matched_sum).arg(random_sum)));
  }

  void topic_entropy_by_hand() {
    const rf::SampleWorld& w = default_world();
    const auto a = items_of_topic(w, 0, 4), b = items_of_topic(w, 1, 2), c = items_of_topic(w, 2, 1),
               d = items_of_topic(w, 3, 1);
    QCOMPARE(rf::sample_world_topic_entropy(w, a), 0.0);                    // one topic
    QCOMPARE(rf::sample_world_topic_entropy(w, {a[0], a[1], b[0], b[1]}), 1.0);  // 2 + 2: 1 bit
    QCOMPARE(rf::sample_world_topic_entropy(w, {a[0], b[0], c[0], d[0]}), 2.0);  // 4 topics once: 2 bits
    // 2 + 1 + 1: -(1/2 log2 1/2 + 2 * 1/4 log2 1/4) = 1/2 + 1 = 1.5 bits.
    QCOMPARE(rf::sample_world_topic_entropy(w, {a[0], a[1], b[0], c[0]}), 1.5);
    QCOMPARE(rf::sample_world_topic_entropy(w, {}), 0.0);
    const auto score = rf::sample_world_score_list(w, 0, {a[0], b[0]});
    QCOMPARE(score.topic_entropy, 1.0);
    QVERIFY(std::fabs(score.mean_satisfaction -
                      (rf::sample_world_satisfaction(w, 0, a[0]) + rf::sample_world_satisfaction(w, 0, b[0])) / 2) < 1e-12);
  }

  void replay_shows_the_filter_bubble() {
    const rf::SampleWorld& w = default_world();
    const auto same = rf::sample_world_replay(w, rf::sample_world_recommender(w, "more-of-the-same", 7), 10, 10, 7);
    const auto diverse = rf::sample_world_replay(w, rf::sample_world_recommender(w, "diverse", 7), 10, 10, 7);
    const auto random = rf::sample_world_replay(w, rf::sample_world_recommender(w, "random", 7), 10, 10, 7);
    QCOMPARE(static_cast<int>(same.size()), 10);
    const auto& s0 = same.front();
    const auto& s9 = same.back();
    QVERIFY2(s9.entropy_shown < s0.entropy_shown - 0.4,
             qPrintable(QString("more-of-the-same shown entropy %1 -> %2").arg(s0.entropy_shown).arg(s9.entropy_shown)));
    QVERIFY2(s9.entropy_consumed < s0.entropy_consumed - 0.4,
             qPrintable(QString("more-of-the-same taken entropy %1 -> %2").arg(s0.entropy_consumed).arg(s9.entropy_consumed)));
    const double diverse_drop = diverse.front().entropy_shown - diverse.back().entropy_shown;
    QVERIFY2(diverse_drop < 0.1, qPrintable(QString("diverse shown entropy dropped by %1").arg(diverse_drop)));
    QVERIFY(diverse.back().entropy_shown > s9.entropy_shown + 0.5);
    // Taste-aware lists are truly better than random ones; random covers the catalogue.
    QVERIFY(s0.satisfaction_shown > random.front().satisfaction_shown + 0.1);
    QVERIFY(diverse.front().satisfaction_shown > random.front().satisfaction_shown);
    QVERIFY(random.front().coverage > 0.95 && random.front().gini < same.front().gini);
    for (const auto& r : same) QVERIFY(r.consumed >= 300 && r.consumed <= 900);  // 1-3 per user and round
  }

  void replay_is_deterministic_and_checks_its_input() {
    const rf::SampleWorld& w = default_world();
    const auto a = rf::sample_world_replay(w, rf::sample_world_recommender(w, "random", 5), 3, 5, 5);
    const auto b = rf::sample_world_replay(w, rf::sample_world_recommender(w, "random", 5), 3, 5, 5);
    for (size_t r = 0; r < a.size(); ++r) {
      QCOMPARE(a[r].satisfaction_shown, b[r].satisfaction_shown);
      QCOMPARE(a[r].entropy_consumed, b[r].entropy_consumed);
      QCOMPARE(a[r].consumed, b[r].consumed);
    }
    // A recommender returning junk (out of range, repeats, consumed items) only gets its valid items shown.
    const auto junk = rf::sample_world_replay(
        w, [](int32_t, const std::vector<int32_t>& h, int) { return std::vector<int32_t>{-1, 100000, h[0], 7, 7}; }, 1, 5, 1);
    QVERIFY(junk[0].coverage <= 1.0 / 300 + 1e-12);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sample_world_recommender(w, "best", 1));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sample_world_replay(w, rf::sample_world_recommender(w, "random", 1), 0, 5, 1));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sample_world_replay(w, rf::sample_world_recommender(w, "random", 1), 2, 0, 1));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sample_world_satisfaction(w, 300, 0));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sample_world_score_list(w, 0, {0, 300}));
  }

  void load_reads_the_truth_back() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    const rf::SampleWorld& w = default_world();
    rf::sample_world_write(w, dir);
    const rf::SampleWorld back = rf::sample_world_load(dir);
    QCOMPARE(back.options.seed, w.options.seed);
    QCOMPARE(back.item_topic, w.item_topic);
    QCOMPARE(back.item_popularity, w.item_popularity);
    QCOMPARE(back.item_quality, w.item_quality);
    QCOMPARE(back.user_taste, w.user_taste);
    QCOMPARE(back.user_novelty, w.user_novelty);
    QCOMPARE(back.dataset.interactions.size(), w.dataset.interactions.size());
    QCOMPARE(back.dataset.items[42].title, w.dataset.items[42].title);
    QCOMPARE(back.dataset.users[42].profile, w.dataset.users[42].profile);
    const auto a = rf::sample_world_replay(w, rf::sample_world_recommender(w, "popularity", 7), 2, 10, 7);
    const auto b = rf::sample_world_replay(back, rf::sample_world_recommender(back, "popularity", 7), 2, 10, 7);
    QCOMPARE(a.back().satisfaction_consumed, b.back().satisfaction_consumed);
    QCOMPARE(a.back().gini, b.back().gini);
  }

  // Topic ids: the topic's prefix and the item's number within its topic, counted in catalogue order and
  // padded to the widest topic's count; numeric ids: "i" and the catalogue index, at least four digits.
  void item_ids_data() {
    QTest::addColumn<bool>("topic_ids");
    QTest::addColumn<int>("items");
    QTest::addColumn<int>("topics");
    QTest::newRow("topic, 300 in 12") << true << 300 << 12;
    QTest::newRow("topic, 1200 in 12") << true << 1200 << 12;
    QTest::newRow("numeric, 300") << false << 300 << 12;
  }
  void item_ids() {
    QFETCH(bool, topic_ids);
    QFETCH(int, items);
    QFETCH(int, topics);
    rf::SampleWorldOptions o = sized(items, 20, topics);
    o.topic_ids = topic_ids;
    const rf::SampleWorld w = rf::sample_world_generate(o);
    std::map<int32_t, int> seen;
    std::set<std::string> ids;
    for (size_t i = 0; i < w.dataset.items.size(); ++i) {
      const std::string& id = w.dataset.items[i].id;
      QVERIFY2(ids.insert(id).second, id.c_str());
      const rf::SampleTopic& t = w.topics[static_cast<size_t>(w.item_topic[i])];
      QCOMPARE(t.name, w.dataset.items[i].categories.at(0));
      char want[32];
      if (topic_ids) {
        const int width = items / topics >= 100 ? 3 : 2;  // topics are balanced: items / topics each
        std::snprintf(want, sizeof want, "%s%0*d", t.id_prefix.c_str(), width, ++seen[w.item_topic[i]]);
      } else {
        std::snprintf(want, sizeof want, "i%04d", static_cast<int>(i) + 1);
      }
      QCOMPARE(id, std::string(want));
    }
    // Every prefix is letters only (a tokenizer splits it from the digits) and names one topic.
    std::set<std::string> prefixes;
    for (const auto& t : w.topics) {
      QVERIFY(!t.id_prefix.empty() && prefixes.insert(t.id_prefix).second);
      for (char c : t.id_prefix) QVERIFY2(c >= 'a' && c <= 'z', t.id_prefix.c_str());
    }
    QCOMPARE(w.dataset.users.front().id, std::string("u0001"));
  }

  // A world written by version 1 (numeric ids, no "item_ids" parameter, no "id_prefix") still loads.
  void load_reads_version_1() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    rf::SampleWorldOptions o = sized(24, 6, 3);
    o.topic_ids = false;
    rf::sample_world_write(rf::sample_world_generate(o), dir);
    std::string truth = rf::file_read_all(dir + "/world.json");
    truth = std::regex_replace(truth, std::regex(R"(,"id_prefix":"[a-z]+")"), "");
    truth = std::regex_replace(truth, std::regex(R"(,"item_ids":"numeric")"), "");
    truth = std::regex_replace(truth, std::regex(R"("version": 2)"), "\"version\": 1");
    QVERIFY(truth.find("id_prefix") == std::string::npos && truth.find("\"version\": 1") != std::string::npos);
    write_text(dir + "/world.json", truth);
    const rf::SampleWorld back = rf::sample_world_load(dir);
    QVERIFY(!back.options.topic_ids);
    QCOMPARE(back.dataset.items[0].id, std::string("i0001"));
    truth = std::regex_replace(truth, std::regex(R"("version": 1)"), "\"version\": 3");
    write_text(dir + "/world.json", truth);
    try {
      rf::sample_world_load(dir);
      QFAIL("version 3 did not throw");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("version") != std::string::npos, e.what());
    }
  }

  void files_import_as_generic() {
    const rf::SampleWorld& w = default_world();
    rf::ImportOptions options;
    options.format = "generic";
    const rf::Dataset ds = rf::data_import(sample_data_dir(), options);
    QCOMPARE(ds.item_count(), 300);
    QCOMPARE(ds.user_count(), 300);
    QCOMPARE(ds.interactions.size(), w.dataset.interactions.size());
    for (int32_t i : {0, 123, 299}) {
      const rf::Item& got = ds.items[static_cast<size_t>(ds.item_find(w.dataset.items[static_cast<size_t>(i)].id))];
      const rf::Item& want = w.dataset.items[static_cast<size_t>(i)];
      QCOMPARE(got.title, want.title);
      QCOMPARE(got.categories, want.categories);
      QCOMPARE(got.tags, want.tags);
      QCOMPARE(got.creator, want.creator);
      QCOMPARE(got.text, want.text);
      QCOMPARE(got.attributes, want.attributes);
    }
    std::map<std::pair<std::string, std::string>, float> rating;
    for (const auto& x : w.dataset.interactions)
      rating[{w.dataset.users[static_cast<size_t>(x.user)].id, w.dataset.items[static_cast<size_t>(x.item)].id}] = x.rating;
    for (const auto& x : ds.interactions)
      QCOMPARE(x.rating, (rating.at({ds.users[static_cast<size_t>(x.user)].id, ds.items[static_cast<size_t>(x.item)].id})));
    QCOMPARE(rf::data_detect_format(sample_data_dir()), std::string("generic"));
  }

  void bad_input_fails_clearly() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sample_world_generate(sized(300, 300, 13)));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sample_world_generate(sized(5, 300, 12)));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sample_world_generate(sized(300, 0, 12)));
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    try {
      rf::sample_world_load(dir);
      QFAIL("loading an empty folder did not throw");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("world.json") != std::string::npos, e.what());
    }
    const rf::SampleWorld small = rf::sample_world_generate(sized(24, 6, 3));
    rf::sample_world_write(small, dir);
    std::string truth = rf::file_read_all(dir + "/world.json");
    const std::string needle = "\"novelty_appetite\":";
    truth.replace(truth.find(needle), needle.size(), "\"novelty_apetite\":");
    write_text(dir + "/world.json", truth);
    try {
      rf::sample_world_load(dir);
      QFAIL("a misspelt field did not throw");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("users[0]") != std::string::npos &&
                   std::string(e.what()).find("novelty_appetite") != std::string::npos,
               e.what());
    }
    rf::sample_world_write(small, dir);
    write_text(dir + "/interactions.csv", "user,item,time,rating\nu0001," + small.dataset.items[0].id + ",12,4\nu0001,nope,13,4\n");
    try {
      rf::sample_world_load(dir);
      QFAIL("an unknown item did not throw");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("interactions.csv:3") != std::string::npos, e.what());
    }
  }

  void cli_writes_and_replays() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("world");
    QProcess p;
    p.start(QStringLiteral(RECFORGE_CLI_PATH), {"sample-world", "--seed", "7", "--out", out});
    QVERIFY(p.waitForFinished(60000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    QVERIFY(rf::file_read_all(out.toStdString() + "/interactions.csv") == rf::file_read_all(sample_data_dir() + "/interactions.csv"));
    p.start(QStringLiteral(RECFORGE_CLI_PATH), {"sample-world", "--replay", "all", "--world", out, "--rounds", "2", "--k", "5", "--json"});
    QVERIFY(p.waitForFinished(60000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    const auto j = nlohmann::json::parse(p.readAllStandardOutput().toStdString());
    QCOMPARE(j["replays"].size(), size_t(4));
    QCOMPARE(j["replays"]["diverse"].size(), size_t(2));
    QVERIFY(j["replays"]["random"][1]["coverage"].get<double>() > 0.9);
    p.start(QStringLiteral(RECFORGE_CLI_PATH), {"sample-world", "--replay", "best", "--world", out});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(p.readAllStandardError().contains("unknown --replay 'best'"));
  }
};

RF_TEST_SUITE(TestSampleWorld);
#include "test_sample_world.moc"
