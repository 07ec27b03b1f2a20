// The rule-based teacher's pieces on hand-made prompt contexts (core/teacher): phrase filling and number
// formatting, the history profile (dominant / recent categories, rating habits, per-category averages,
// hand-counted), and each writer's completion read back with the recipe's own parser (core/text/output_parse.h):
// the list answer is exactly the ranking given, the rating is exactly the true rating, the query exactly the plan's.
#include "support/suite_registry.h"
#include "teacher/teacher_broaden.h"
#include "teacher/teacher_phrases.h"
#include "teacher/teacher_profile.h"
#include "teacher/teacher_traces.h"
#include "teacher/teacher_writers.h"
#include "text/output_parse.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <set>

namespace {

using nlohmann::json;

json item(const std::string& id, const std::string& title, std::vector<std::string> cats, std::vector<std::string> tags,
          const std::string& creator, json rating = nullptr, json avg = nullptr, int64_t count = 0) {
  return json{{"id", id},           {"title", title},   {"categories", cats},    {"tags", tags},
              {"creator", creator}, {"rating", rating}, {"average_rating", avg}, {"rating_count", count}};
}

// A user with five listed items: space opera ×3 (ratings 5, 4, 5), baking ×2 (2, 3); the last three are
// space opera (4), baking (3), space opera (5) -> recent categories: space opera (2), fiction (2), baking (1).
json hand_context() {
  json history = json::array();
  history.push_back(item("i1", "Fleet of the Void", {"space opera", "fiction"}, {"starships"}, "Milo Quint", 5.0));
  history.push_back(item("i2", "Bread Basics", {"baking"}, {"bread"}, "Ann Bake", 2.0));
  history.push_back(item("i3", "Outpost of Orion", {"space opera", "fiction"}, {"starships", "aliens"}, "Maya Okafor", 4.0));
  history.push_back(item("i4", "Cakes at Home", {"baking"}, {"cakes"}, "Ann Bake", 3.0));
  history.push_back(item("i5", "Stars Fall", {"space opera", "fiction"}, {"aliens"}, "Milo Quint", 5.0));
  json candidates = json::array();
  candidates.push_back(item("c1", "Nebula Run", {"space opera", "fiction"}, {"starships"}, "Milo Quint"));
  candidates.push_back(item("c2", "Sourdough Days", {"baking"}, {"bread"}, "Other"));
  candidates.push_back(item("c3", "Quiet Fjord", {"nordic noir"}, {}, "Someone"));
  candidates.push_back(item("c4", "Galaxy Cakes", {"baking", "space opera"}, {}, ""));
  return json{{"recipe", "list"},
              {"k", 2},
              {"query", ""},
              {"dataset", {{"name", "hand"}, {"rating_min", 1.0}, {"rating_max", 5.0}}},
              {"user",
               {{"id", "u"},
                {"history", history},
                {"history_count", 5},
                {"average_rating", 3.8},
                {"rating_count", 5},
                {"top_categories", json::array({{{"name", "space opera"}, {"count", 3}},
                                                {{"name", "fiction"}, {"count", 3}},
                                                {{"name", "baking"}, {"count", 2}}})}}},
              {"candidates", candidates},
              {"target", item("t", "Comet Tales", {"space opera"}, {"starships"}, "Milo Quint", nullptr, 4.5, 2)}};
}

rf::ListMatcher matcher_for(const json& context) {
  rf::ListCatalogue cat;
  for (const auto& c : context["candidates"]) {
    cat.ids.push_back(c["id"]);
    cat.titles.push_back(c["title"]);
  }
  return rf::ListMatcher(cat);
}

}  // namespace

class TestTeacherWriters : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void phrase_number_data() {
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("text");
    QTest::newRow("integer") << 4.0 << "4";
    QTest::newRow("half") << 3.5 << "3.5";
    QTest::newRow("two decimals") << 3.25 << "3.25";
    QTest::newRow("rounded") << 3.8333 << "3.83";
    QTest::newRow("zero") << 0.0 << "0";
    QTest::newRow("half star") << 0.5 << "0.5";
  }
  void phrase_number() {
    QFETCH(double, value);
    QFETCH(QString, text);
    QCOMPARE(QString::fromStdString(rf::phrase_number(value)), text);
  }

  void phrase_fill_and_errors() {
    QCOMPARE(rf::phrase_fill("{a} and {b}.", {{"a", "x"}, {"b", "y"}}), std::string("x and y."));
    QCOMPARE(rf::phrase_join({"a", "b", "c"}), std::string("a, b and c"));
    QCOMPARE(rf::phrase_join({"a"}), std::string("a"));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::phrase_fill("{missing}", {}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::phrase_fill("{open", {}));
    rf::PhraseRng a(7), b(7);
    for (int i = 0; i < 20; ++i) QCOMPARE(a.below(10), b.below(10));  // same seed, same choices
    QVERIFY(rf::phrase_seed(1, 2) != rf::phrase_seed(1, 3));
    QVERIFY(rf::phrase_seed(1, 2) != rf::phrase_seed(2, 2));
  }

  void variety_hand_counted() {
    // First sentences "A b c." twice and "X y." once -> 2 of 3 distinct, 2 openings. Word bigrams over the
    // whole texts: 3 + 3 + 2 = 8, of which "<think>A b" and "b c." repeat -> 6 distinct, 0.75.
    const rf::TraceVariety v =
        rf::trace_variety({"<think>A b c. D</think>", "<think>A b c. E</think>", "<think>X y. z</think>"});
    QCOMPARE(v.distinct_first_sentences, 2.0 / 3.0);
    QCOMPARE(v.distinct_openings, int64_t{2});
    QCOMPARE(v.distinct_2, 0.75);
    const rf::TraceVariety none = rf::trace_variety({});
    QCOMPARE(none.distinct_openings, int64_t{0});
    // The prefill before the first tag is not the reasoning: the first sentence is read inside <think>.
    QCOMPARE(rf::trace_variety({"Let me solve this.\n<think>\nOne. Two</think>", "Let me solve this.\n<think>\nThree.</think>"})
                 .distinct_first_sentences,
             1.0);
  }

  void profile_hand_counted() {
    const rf::HistoryProfile p = rf::history_profile_build(hand_context());
    QCOMPARE(p.history_count, int64_t{5});
    QCOMPARE(p.dominant.size(), size_t{3});
    QCOMPARE(p.dominant[0].first, std::string("space opera"));
    QCOMPARE(p.recent_titles, (std::vector<std::string>{"Outpost of Orion", "Cakes at Home", "Stars Fall"}));
    QCOMPARE(p.recent_categories, (std::vector<std::string>{"space opera", "fiction", "baking"}));
    QCOMPARE(p.best_rating, 5.0);
    QCOMPARE(p.best_titles, (std::vector<std::string>{"Stars Fall", "Fleet of the Void"}));  // most recent first
    QCOMPARE(p.worst_rating, 2.0);
    QCOMPARE(p.worst_titles, (std::vector<std::string>{"Bread Basics"}));
    QCOMPARE(rf::history_category_average(p, "space opera"), (5.0 + 4.0 + 5.0) / 3.0);
    QCOMPARE(rf::history_category_average(p, "baking"), 2.5);
    QVERIFY(std::isnan(rf::history_category_average(p, "jazz")));
    // Candidate c1: space opera (3) + fiction (3), creator Milo Quint (2 items), tag starships (2).
    const rf::ItemAffinity a = rf::history_affinity(p, hand_context()["candidates"][0]);
    QCOMPARE(a.categories.size(), size_t{2});
    QCOMPARE(a.creator, std::string("Milo Quint"));
    QCOMPARE(a.creator_count, int64_t{2});
    QCOMPARE(a.tags, (std::vector<std::string>{"starships"}));
    QCOMPARE(a.strength(), int64_t{3 + 3 + 2 * 2 + 1});
    const rf::ItemAffinity none = rf::history_affinity(p, hand_context()["candidates"][2]);
    QCOMPARE(none.unseen_categories, (std::vector<std::string>{"nordic noir"}));
    QCOMPARE(none.strength(), int64_t{0});
  }

  void list_answer_is_the_ranking_data() {
    QTest::addColumn<std::vector<size_t>>("ranked");
    QTest::addColumn<std::vector<size_t>>("left_out");
    QTest::addColumn<QStringList>("ids");
    QTest::newRow("two") << std::vector<size_t>{0, 3} << std::vector<size_t>{2, 1} << QStringList{"c1", "c4"};
    QTest::newRow("reversed") << std::vector<size_t>{3, 0} << std::vector<size_t>{1, 2} << QStringList{"c4", "c1"};
    QTest::newRow("all four") << std::vector<size_t>{1, 0, 3, 2} << std::vector<size_t>{} << QStringList{"c2", "c1", "c4", "c3"};
  }
  void list_answer_is_the_ranking() {
    QFETCH(std::vector<size_t>, ranked);
    QFETCH(std::vector<size_t>, left_out);
    QFETCH(QStringList, ids);
    const json ctx = hand_context();
    const auto matcher = matcher_for(ctx);
    for (uint64_t seed = 0; seed < 20; ++seed) {
      rf::PhraseRng rng(seed);
      const std::string c = rf::teacher_write_list(ctx, ranked, left_out, rng);
      const rf::TagCheck tags = rf::output_check_tags(c, {"think", "answer"}, true);
      QVERIFY2(tags.ok, c.c_str());
      QVERIFY2(c.rfind("<think>", 0) == 0, c.c_str());
      const auto answer = rf::output_last_block(c, "answer");
      QVERIFY(answer.has_value());
      const rf::ListAnswer la = rf::output_parse_list(answer->content, matcher, {0, 1, 2, 3}, static_cast<int>(ids.size()));
      QVERIFY2(la.ok && la.problems.empty(), c.c_str());
      QStringList got;
      for (int32_t i : la.items) got << QString::fromStdString(matcher.catalogue().ids[static_cast<size_t>(i)]);
      QCOMPARE(got, ids);
      if (!left_out.empty()) {
        // The first left-out candidate is named with its reason.
        const std::string named = "[" + ctx["candidates"][left_out[0]]["id"].get<std::string>() + "]";
        QVERIFY2(tags.tags[0].content.find(named) != std::string::npos, c.c_str());
      }
    }
  }

  void list_rejects_bad_positions() {
    rf::PhraseRng rng(0);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::teacher_write_list(hand_context(), {9}, {}, rng));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::teacher_write_list(hand_context(), {}, {}, rng));
  }

  // A stated plan is the second sentence of the reasoning; the answer is still exactly the ranking given.
  void list_plan_is_stated_data() {
    QTest::addColumn<int>("plan");
    QTest::addColumn<QStringList>("sentences");  // the plan's possible sentences ("" = none of the four)
    QTest::newRow("unstated") << static_cast<int>(rf::ListPlan::unstated) << QStringList{};
    QTest::newRow("focused") << static_cast<int>(rf::ListPlan::focused)
                             << QStringList{"I keep the list close to these interests.", "I stay with what they already like."};
    QTest::newRow("broad") << static_cast<int>(rf::ListPlan::broad)
                           << QStringList{"I mix the closest matches with other tastes.", "I widen the list beyond these interests."};
  }
  void list_plan_is_stated() {
    QFETCH(int, plan);
    QFETCH(QStringList, sentences);
    const QStringList all = {"I keep the list close", "I stay with what", "I mix the closest", "I widen the list"};
    const json ctx = hand_context();
    const auto matcher = matcher_for(ctx);
    for (const bool brief : {false, true})
      for (uint64_t seed = 0; seed < 10; ++seed) {
        rf::PhraseRng rng(seed);
        const std::string c = rf::teacher_write_list(ctx, {2, 1, 0}, {3}, rng, brief, static_cast<rf::ListPlan>(plan));
        const rf::TagCheck tags = rf::output_check_tags(c, {"think", "answer"}, true);
        QVERIFY2(tags.ok, c.c_str());
        const QString think = QString::fromStdString(tags.tags[0].content);
        const int second = think.indexOf(". ") + 2;  // the opening is one sentence
        if (sentences.isEmpty()) {
          for (const auto& s : all) QVERIFY2(!think.contains(s), c.c_str());
        } else {
          bool found = false;
          for (const auto& s : sentences) found = found || think.mid(second).startsWith(s);
          QVERIFY2(found, c.c_str());
        }
        const rf::ListAnswer la = rf::output_parse_list(rf::output_last_block(c, "answer")->content, matcher, {0, 1, 2, 3}, 3);
        QVERIFY2(la.ok && la.problems.empty(), c.c_str());
        QCOMPARE(la.items, (std::vector<int32_t>{2, 1, 0}));
      }
  }

  // Maximal marginal relevance on five pool positions, relevance 1, .75, .5, .25, 0 by rank, categories
  //   p0 {a,x}  p1 {a,x}  p2 {a,y}  p3 {b,z}  p4 {c,x}
  // lambda .5: p0 first; then p1 .375-.5*1, p2 .25-.5/3, p3 .125-0, p4 0-.5/3 -> p3; then p2 (.083) -> 0 3 2.
  // lambda .7: p0; p1 .525-.3, p2 .35-.1, p3 .175, p4 -.1 -> p2; p1 .525-.3*1 = .225 > p3 .175 -> 0 2 1.
  // lambda 0: similarity only (ties to the more relevant): 0, then p3 (0), then p2 and p4 tie at -1/3 -> p2.
  // All five at .5: after 0 3 2, p1 .375-.5*1 = -.125 beats p4 0-.5/3 -> 0 3 2 1 4.
  // Reversed relevance [3 1 0 4 2], lambda .5, k 2: p3; p1 .375-0 beats p0 .25, p4 .125 -> 3 1.
  void mmr_rerank_hand_computed_data() {
    QTest::addColumn<std::vector<size_t>>("order");
    QTest::addColumn<double>("lambda");
    QTest::addColumn<int>("k");
    QTest::addColumn<std::vector<size_t>>("want");
    QTest::newRow("lambda 1: the ranking") << std::vector<size_t>{0, 1, 2, 3, 4} << 1.0 << 3 << std::vector<size_t>{0, 1, 2};
    QTest::newRow("lambda .5") << std::vector<size_t>{0, 1, 2, 3, 4} << 0.5 << 3 << std::vector<size_t>{0, 3, 2};
    QTest::newRow("lambda .7") << std::vector<size_t>{0, 1, 2, 3, 4} << 0.7 << 3 << std::vector<size_t>{0, 2, 1};
    QTest::newRow("lambda 0") << std::vector<size_t>{0, 1, 2, 3, 4} << 0.0 << 3 << std::vector<size_t>{0, 3, 2};
    QTest::newRow("other order") << std::vector<size_t>{3, 1, 0, 4, 2} << 0.5 << 2 << std::vector<size_t>{3, 1};
    QTest::newRow("all five") << std::vector<size_t>{0, 1, 2, 3, 4} << 0.5 << 5 << std::vector<size_t>{0, 3, 2, 1, 4};
  }
  void mmr_rerank_hand_computed() {
    QFETCH(std::vector<size_t>, order);
    QFETCH(double, lambda);
    QFETCH(int, k);
    QFETCH(std::vector<size_t>, want);
    const std::vector<std::vector<std::string>> cats = {{"a", "x"}, {"a", "x"}, {"a", "y"}, {"b", "z"}, {"c", "x"}};
    QCOMPARE(rf::list_rerank_mmr(order, cats, static_cast<size_t>(k), lambda), want);
  }
  void mmr_rerank_errors_and_jaccard() {
    QCOMPARE(rf::category_jaccard({"a", "x"}, {"a", "y"}), 1.0 / 3.0);
    QCOMPARE(rf::category_jaccard({"a"}, {"a"}), 1.0);
    QCOMPARE(rf::category_jaccard({}, {}), 0.0);
    QCOMPARE(rf::category_jaccard({"a"}, {}), 0.0);
    const std::vector<std::vector<std::string>> cats = {{"a"}, {"b"}};
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::list_rerank_mmr({0, 1}, cats, 1, 1.5));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::list_rerank_mmr({0, 1}, cats, 3, 0.5));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::list_rerank_mmr({0, 2}, cats, 1, 0.5));
  }

  void rating_is_the_true_rating_data() {
    QTest::addColumn<double>("truth");
    QTest::addColumn<QString>("direction");  // the <match> wording the gap from the baseline calls for
    // Baseline = (user 3.8 + item 4.5) / 2 = 4.15.
    QTest::newRow("five: up") << 5.0 << "up";
    QTest::newRow("four: level") << 4.0 << "level";
    QTest::newRow("three and a half: down") << 3.5 << "down";
    QTest::newRow("one: down") << 1.0 << "down";
  }
  void rating_is_the_true_rating() {
    QFETCH(double, truth);
    QFETCH(QString, direction);
    std::set<std::string> firsts;
    for (uint64_t seed = 0; seed < 30; ++seed) {
      rf::PhraseRng rng(seed);
      const std::string c = rf::teacher_write_rating(hand_context(), truth, rng);
      const rf::TagCheck tags = rf::output_check_tags(c, {"analyze user", "analyze item", "match", "rate"}, true);
      QVERIFY2(tags.ok, c.c_str());
      const rf::RatingAnswer r = rf::output_parse_rating(tags.tags[3].content, 1, 5);
      QVERIFY2(r.ok, c.c_str());
      QCOMPARE(r.value, truth);
      const std::string& m = tags.tags[2].content;
      QVERIFY2(m.find("4.15") != std::string::npos, m.c_str());  // the baseline is stated
      const bool up = m.find("up") != std::string::npos || m.find("expect more") != std::string::npos;
      const bool down = m.find("lower") != std::string::npos || m.find("down") != std::string::npos ||
                        m.find("expect less") != std::string::npos;
      if (direction == "up") QVERIFY2(up && !down, m.c_str());
      if (direction == "down") QVERIFY2(down && !up, m.c_str());
      if (direction == "level") QVERIFY2(!up && !down, m.c_str());
      firsts.insert(tags.tags[0].content.substr(0, tags.tags[0].content.find('.')));
    }
    QVERIFY2(firsts.size() >= 4, "the user analysis opens in at least 4 ways over 30 seeds");
  }

  void rating_needs_a_target() {
    json ctx = hand_context();
    ctx["target"] = nullptr;
    rf::PhraseRng rng(0);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::teacher_write_rating(ctx, 4, rng));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::teacher_write_rating(hand_context(), NAN, rng));
  }

  void query_answer_is_the_plan_data() {
    QTest::addColumn<QString>("prefill");
    QTest::addColumn<QString>("shopper");
    QTest::newRow("Rec-R1 prefill") << "Let me solve this step by step.\n<think>"
                                    << "";
    QTest::newRow("no prefill") << ""
                                << "";
    QTest::newRow("rewrite") << "Let me solve this step by step.\n<think>"
                             << "space books";
  }
  void query_answer_is_the_plan() {
    QFETCH(QString, prefill);
    QFETCH(QString, shopper);
    rf::QueryPlan plan;
    plan.title_words = {"Comet", "Tales"};
    plan.category = "space opera";
    plan.uses_and = true;
    plan.shopper_query = shopper.toStdString();
    plan.query = (shopper.isEmpty() ? "" : shopper.toStdString() + " ") + "(Comet Tales) AND \"space opera\"";
    rf::PhraseRng rng(3);
    const std::string c = rf::teacher_write_query(hand_context(), plan, prefill.toStdString(), rng);
    QVERIFY2(c.rfind(prefill.toStdString(), 0) == 0, c.c_str());
    const rf::TagCheck tags = rf::output_check_tags(c, {"think", "answer"});
    QVERIFY2(tags.ok, c.c_str());
    QCOMPARE(c.find("<think>"), c.rfind("<think>"));  // written once, also after a prefill ending in it
    const rf::QueryAnswer q = rf::output_parse_query(tags.tags[1].content);
    QVERIFY2(q.ok && q.problems.empty(), c.c_str());
    QCOMPARE(q.query, plan.query);
    QVERIFY2(tags.tags[0].content.find("\"Comet\"") != std::string::npos, c.c_str());  // the words are explained
  }
};

RF_TEST_SUITE(TestTeacherWriters);
#include "test_teacher_writers.moc"
