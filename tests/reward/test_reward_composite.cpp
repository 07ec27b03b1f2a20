// Tests for the composite reward: the three papers' presets on realistic completions (Rec-R1 with a
// hand-built BM25 corpus where the target sits at rank 3: 0.1 + 1/log2(4)), the breakdown, batch scoring
// (thread count does not change results; coverage sees the batch), weight changes from another thread
// while scoring, configuration errors, the JSON round trip and the preset files in resources/rewards.
#include "retrieval/bm25_index.h"
#include "reward/reward_composite.h"
#include "reward/reward_presets.h"
#include "reward_fixtures.h"
#include "util/error.h"
#include "util/file_io.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <atomic>
#include <cmath>
#include <thread>

using nlohmann::json;

namespace {

// BM25 ranks documents holding "lip" once by length (shorter first): doc 0 (1 token), 1 (2), 2 (3), 3 (4).
rf::Dataset query_corpus() {
  rf::Dataset ds;
  const char* titles[] = {"lip", "lip gloss", "lip balm tube", "lip liner pencil brown", "face cream"};
  for (int i = 0; i < 5; ++i) {
    rf::Item it;
    it.id = std::string(1, static_cast<char>('a' + i));
    it.title = titles[i];
    rf::dataset_add_item(ds, std::move(it));
  }
  return ds;
}

std::string query_completion(const std::string& answer) {
  return "Let me solve this step by step.\n<think>She keeps buying lip products.</think>\n<answer>" + answer + "</answer>";
}

rf::RewardInput query_input(const rf::RewardContext& ctx, const std::string& completion, std::vector<int32_t> targets) {
  rf::RewardInput in;
  in.completion = completion;
  in.targets = std::move(targets);
  in.context = &ctx;
  return in;
}

double term(const rf::RewardBreakdown& b, const std::string& name) {
  for (const auto& t : b.terms)
    if (t.name == name) return t.value;
  throw rf::Error("no term " + name);
}

void expect_error(const json& config, const std::string& expected) {
  try {
    rf::RewardComposite c(config);
    QFAIL(("no error, expected: " + expected).c_str());
  } catch (const rf::Error& e) {
    QVERIFY2(std::string(e.what()).find(expected) != std::string::npos, e.what());
  }
}

}  // namespace

class TestRewardComposite : public QObject {
  Q_OBJECT

  rf::Dataset ds_ = reward_test::tiny_dataset();
  std::unique_ptr<rf::RewardContext> ctx_;
  rf::Dataset corpus_ = query_corpus();
  std::unique_ptr<rf::Bm25Index> index_;
  std::unique_ptr<rf::RewardContext> qctx_;

 private Q_SLOTS:
  void initTestCase() {
    ctx_ = rf::reward_context_build(ds_);
    rf::Bm25Options o;
    o.fields = {"title"};
    index_ = std::make_unique<rf::Bm25Index>(rf::bm25_index_build(corpus_, o));
    qctx_ = rf::reward_context_build(corpus_, nullptr, index_.get());
  }

  void rec_r1_preset_data() {
    QTest::addColumn<QString>("answer");
    QTest::addColumn<int>("target");
    QTest::addColumn<double>("expected");
    QTest::addColumn<double>("format");
    QTest::newRow("target at rank 3: 0.1 + 1/log2(4)") << R"({"query": "lip"})" << 2 << 0.1 + 0.5 << 0.1;
    QTest::newRow("target at rank 1: 0.1 + 1") << R"({"query": "lip"})" << 0 << 1.1 << 0.1;
    QTest::newRow("rank 4: 0.1 + 1/log2(5)") << R"({"query": "lip"})" << 3 << 0.1 + 1 / std::log2(5.0) << 0.1;
    QTest::newRow("fenced JSON still reads") << "```json\n{\"query\": \"lip\"}\n```" << 2 << 0.6 << 0.1;
    QTest::newRow("Boolean query") << R"({"query": "lip AND balm"})" << 2 << 1.1 << 0.1;
    QTest::newRow("nothing relevant retrieved: 0") << R"({"query": "face cream"})" << 2 << 0.0 << 0.0;
    QTest::newRow("no match at all: 0") << R"({"query": "shampoo"})" << 2 << 0.0 << 0.0;
    QTest::newRow("only stop words: failed retrieval -2") << R"({"query": "the and of"})" << 2 << -2.0 << -2.0;
    QTest::newRow("empty query: -2") << R"({"query": ""})" << 2 << -2.0 << -2.0;
    QTest::newRow("bare text, not JSON: -2") << "lip balm" << 2 << -2.0 << -2.0;
    QTest::newRow("no query field: -2") << R"({"q": "lip"})" << 2 << -2.0 << -2.0;
  }
  void rec_r1_preset() {
    QFETCH(QString, answer);
    QFETCH(int, target);
    QFETCH(double, expected);
    QFETCH(double, format);
    rf::RewardComposite c(rf::reward_preset("rec-r1"));
    auto in = query_input(*qctx_, query_completion(answer.toStdString()), {target});
    const rf::RewardBreakdown b = c.score(in);
    QVERIFY2(std::fabs(b.total - expected) < 1e-9, (std::to_string(b.total) + " " + b.terms[0].explanation + " | " +
                                                    b.terms[1].explanation).c_str());
    QVERIFY(std::fabs(term(b, "format") - format) < 1e-12);
  }

  void rec_r1_broken_format() {
    rf::RewardComposite c(rf::reward_preset("rec-r1"));
    for (const std::string& text : {std::string(""), std::string("<answer>{\"query\": \"lip\"}</answer>"),
                                    std::string("<think>a</think><think>b</think><answer>{\"query\": \"lip\"}</answer>"),
                                    std::string("<answer>{\"query\": \"lip\"}</answer><think>late</think>"),
                                    std::string("<think>cut off before the answer")}) {
      auto in = query_input(*qctx_, text, {2});
      const rf::RewardBreakdown b = c.score(in);
      QVERIFY2(b.total == -2.0, (text + " -> " + std::to_string(b.total)).c_str());
      QCOMPARE(term(b, "retrieval"), 0.0);
    }
  }

  void retrieval_graded_and_cut() {
    auto in = query_input(*qctx_, query_completion(R"({"query": "lip"})"), {});
    rf::reward_parse(in, rf::Recipe::Query, rf::reward_parse_defaults(rf::Recipe::Query));
    // Graded: doc 2 gain 1 at rank 3, doc 1 gain 0.1 at rank 2.
    // DCG 0.1/log2(3) + 1/log2(4); ideal 1 + 0.1/log2(3).
    in.graded_targets = {{2, 1.0}, {1, 0.1}};
    const double expected = (0.1 / std::log2(3.0) + 0.5) / (1 + 0.1 / std::log2(3.0));
    QVERIFY(std::fabs(reward_test::score_with("retrieval", json::object(), in).value - expected) < 1e-9);
    // NDCG@2 with the target at rank 3 is 0.
    in.graded_targets.clear();
    in.targets = {2};
    QCOMPARE(reward_test::score_with("retrieval", json{{"k", 2}}, in).value, 0.0);
    QCOMPARE(reward_test::score_with("retrieval", json{{"depth", 2}}, in).value, 0.0);
  }

  void reczero_preset_data() {
    QTest::addColumn<QString>("completion");
    QTest::addColumn<double>("truth");
    QTest::addColumn<double>("expected");
    const QString good = "<analyze user>Gives lip products 4-5 stars.</analyze user>\n<analyze item>Average rating 4.2."
                         "</analyze item>\n<match>Strong.</match>\n<rate>%1</rate>";
    QTest::newRow("4 for 5: +1 + (1 - 1/2)") << good.arg("4") << 5.0 << 1.5;
    QTest::newRow("exact: +1 + 1") << good.arg("5") << 5.0 << 2.0;
    QTest::newRow("1 for 5: +1 + (1 - 4/2)") << good.arg("1") << 5.0 << 0.0;
    QTest::newRow("out of range: -1 + 0") << good.arg("7") << 5.0 << -1.0;
    QTest::newRow("no number: -1 + 0") << good.arg("high") << 5.0 << -1.0;
    QTest::newRow("tags out of order, rating right: -1 + 1")
        << "<analyze item>x</analyze item><analyze user>y</analyze user><match>z</match><rate>5</rate>" << 5.0 << 0.0;
    QTest::newRow("missing <match>: -1 + (1 - 1/2)")
        << "<analyze user>x</analyze user><analyze item>y</analyze item><rate>4</rate>" << 5.0 << -0.5;
    QTest::newRow("empty completion: -1") << "" << 3.0 << -1.0;
  }
  void reczero_preset() {
    QFETCH(QString, completion);
    QFETCH(double, truth);
    QFETCH(double, expected);
    rf::RewardComposite c(rf::reward_preset("reczero"));
    rf::RewardInput in;
    in.completion = completion.toStdString();
    in.true_rating = truth;
    in.context = ctx_.get();
    const rf::RewardBreakdown b = c.score(in);
    QVERIFY2(std::fabs(b.total - expected) < 1e-9, (std::to_string(b.total) + " " + b.terms[0].explanation).c_str());
  }

  void recllm_r1_preset_breakdown() {
    rf::RewardComposite c(rf::reward_preset("recllm-r1"));
    auto in = reward_test::list_input(*ctx_, reward_test::list_completion("[13, 10, 12]"), {0, 2}, {0, 1, 2, 3}, 3);
    const rf::RewardBreakdown b = c.score(in);
    // format 0.1; NDCG@3 (1/log2 3 + 1/log2 4)/(1 + 1/log2 3) = 0.693426; recall 1 (× 0.5);
    // ILAD {eyes,makeup} {lips,care} {face,care}: (1 + 1 + 2/3)/3 = 8/9 (× 0.2);
    // novelty (4 + 1 + 3)/3 bits / 4 = 2/3 (× 0.2); valid list 0; no rules 0.
    const double ndcg = (1 / std::log2(3.0) + 0.5) / (1 + 1 / std::log2(3.0));
    const double expected = 0.1 + ndcg + 0.5 * 1 + 0.2 * 8 / 9 + 0.2 * 2 / 3;
    QVERIFY2(std::fabs(b.total - expected) < 1e-9, std::to_string(b.total).c_str());
    QCOMPARE(b.terms.size(), size_t(7));
    QCOMPARE(QString::fromStdString(b.terms[2].name), QString("recall"));
    QCOMPARE(b.terms[2].weight, 0.5);
    QCOMPARE(b.terms[2].weighted, 0.5);
    double sum = 0;
    for (const auto& t : b.terms) {
      QCOMPARE(t.weighted, t.weight * t.value);
      QVERIFY(!t.explanation.empty());
      sum += t.weighted;
    }
    QCOMPARE(b.total, sum);
    // A malformed answer: format -1, validity -1 (empty), the rest 0.
    auto bad = reward_test::list_input(*ctx_, "<think>I recommend the balm", {0, 2}, {0, 1, 2, 3}, 3);
    QCOMPARE(c.score(bad).total, -2.0);
  }

  void batch_matches_single_for_any_thread_count() {
    rf::RewardComposite c(rf::reward_preset("rec-r1"));
    std::vector<rf::RewardInput> batch;
    const char* answers[] = {R"({"query": "lip"})", R"({"query": "gloss OR tube"})", "oops", R"({"query": "cream"})",
                             R"({"query": "liner pencil"})", R"({"query": "lip NOT gloss"})", R"({"query": "and"})"};
    for (int rep = 0; rep < 3; ++rep)
      for (int a = 0; a < 7; ++a) batch.push_back(query_input(*qctx_, query_completion(answers[a]), {(a + rep) % 5}));
    std::vector<double> single;
    for (auto in : batch) single.push_back(c.score(in).total);
    for (int threads : {1, 2, 3, 8}) {
      auto copy = batch;
      const auto out = c.score_batch(copy, threads);
      QCOMPARE(out.size(), batch.size());
      for (size_t i = 0; i < out.size(); ++i) QCOMPARE(out[i].total, single[i]);
      for (const auto& in : copy) QVERIFY(in.retriever == nullptr);  // per-thread clones are not left behind
    }
  }

  void coverage_sees_the_batch_and_the_run() {
    const json config = json::parse(R"({"recipe": "list", "components": [
        {"type": "coverage", "name": "batch", "params": {"scope": "batch"}},
        {"type": "coverage", "name": "run", "params": {"scope": "catalogue"}}]})");
    rf::RewardComposite c(config);
    auto make = [&](const std::string& answer) {
      rf::RewardInput in;
      in.completion = reward_test::list_completion(answer);
      in.k = 2;
      in.context = ctx_.get();
      return in;
    };
    // A [10, 11], B [11, 12], C [13]: item 1 is listed twice. A: 1 of 2 alone, B: 1 of 2, C: 1 of 1.
    std::vector<rf::RewardInput> first = {make("[10, 11]"), make("[11, 12]"), make("[13]")};
    const auto b1 = c.score_batch(first, 2);
    QCOMPARE(term(b1[0], "batch"), 0.5);
    QCOMPARE(term(b1[1], "batch"), 0.5);
    QCOMPARE(term(b1[2], "batch"), 1.0);
    QCOMPARE(term(b1[0], "run"), 1.0);  // nothing shown before the first batch
    // Second batch: [10, 14] -> item 0 was shown, item 4 is new: 1/2. [15]: new.
    std::vector<rf::RewardInput> second = {make("[10, 14]"), make("[15]")};
    const auto b2 = c.score_batch(second, 1);
    QCOMPARE(term(b2[0], "run"), 0.5);
    QCOMPARE(term(b2[1], "run"), 1.0);
    c.reset_run_state();
    std::vector<rf::RewardInput> again = {make("[10, 14]")};
    QCOMPARE(term(c.score_batch(again)[0], "run"), 1.0);
  }

  void weights_change_from_another_thread() {
    rf::RewardComposite c(rf::reward_preset("recllm-r1"));
    std::vector<rf::RewardInput> batch;
    const char* answers[] = {"[13, 10, 12]", "[10, 11, 12]", "[12]", "nothing", "[11, 13, 14]"};
    for (int i = 0; i < 40; ++i)
      batch.push_back(reward_test::list_input(*ctx_, reward_test::list_completion(answers[i % 5]), {0, 2}, {0, 1, 2, 3}, 3));
    std::atomic<bool> stop{false};
    std::atomic<int> changes{0};
    std::thread tuner([&] {
      for (int64_t step = 0; !stop.load(); ++step) {
        if (step % 2) c.set_weight("ndcg", 2.0, step);
        else c.set_weights({{"ndcg", 1.0}, {"diversity", 0.5}}, step);
        changes += step % 2 ? 1 : 2;
        std::this_thread::yield();
      }
    });
    for (int round = 0; round < 60; ++round) {
      const auto out = c.score_batch(batch, 2, true);
      // One weight table per batch: every completion saw the same ndcg weight, totals add up.
      const double w = out[0].terms[1].weight;
      QVERIFY(w == 1.0 || w == 2.0);
      for (const auto& b : out) {
        QCOMPARE(b.terms[1].weight, w);
        double sum = 0;
        for (const auto& t : b.terms) sum += t.weighted;
        QCOMPARE(b.total, sum);
      }
    }
    stop = true;
    tuner.join();
    const auto events = c.weight_events();
    QCOMPARE(static_cast<int>(events.size()), changes.load());
    // Events chain: each ndcg change starts from the previous new value.
    double last = 1.0;
    for (const auto& e : events)
      if (e.component == "ndcg") {
        QCOMPARE(e.old_weight, last);
        last = e.new_weight;
      }
    QCOMPARE(c.weight("ndcg"), last);
    QVERIFY(c.to_json()["components"][1]["weight"].get<double>() == last);
  }

  void weight_errors() {
    rf::RewardComposite c(rf::reward_preset("reczero"));
    QVERIFY_THROWS_EXCEPTION(rf::Error, c.set_weight("accuracy", 1, 0));  // named "rating" in the preset
    QVERIFY_THROWS_EXCEPTION(rf::Error, c.set_weight("rating", NAN, 0));
    QVERIFY(c.weight_events().empty());
    const rf::WeightEvent e = c.set_weight("rating", 3, 17);
    QCOMPARE(e.step, int64_t(17));
    QCOMPARE(e.old_weight, 1.0);
    QCOMPARE(e.new_weight, 3.0);
  }

  void config_errors() {
    expect_error(json::array(), "reward config: expected a JSON object");
    expect_error(json::parse(R"({"recipe": "list"})"), "reward config.components: expected a non-empty list");
    expect_error(json::parse(R"({"recipe": "movies", "components": [{"type": "format"}]})"),
                 "reward config.recipe: recipe 'movies' is not one of list, query, rating");
    expect_error(json::parse(R"({"components": [{"type": "format", "wieght": 2}]})"), "reward config.components[0].wieght: unknown key");
    expect_error(json::parse(R"({"components": [{"type": "format", "weight": "2"}]})"),
                 "reward config.components[0].weight: expected a number, found a string");
    expect_error(json::parse(R"({"components": [{"weight": 2}]})"), "reward config.components[0].type: is required");
    expect_error(json::parse(R"({"components": [{"type": "accuracy"}, {"type": "accuracy"}]})"),
                 "reward config.components[1].name: 'accuracy' is used twice");
    expect_error(json::parse(R"({"components": [{"type": "accuracy", "params": {"k": -1}}]})"),
                 "reward config.components[0].params.k: expected an integer in [0,");
    expect_error(json::parse(R"({"weights": {}, "components": [{"type": "format"}]})"), "reward config.weights: unknown key");
    expect_error(json::parse(R"({"recipe": "rating", "parse": {"rating_min": 5, "rating_max": 1}, "components": [{"type": "format"}]})"),
                 "reward config.parse.rating_max: must be greater than rating_min");
    expect_error(json::parse(R"({"parse": {"tags": ["think", 3]}, "components": [{"type": "format"}]})"),
                 "reward config.parse.tags[1]: expected a string");
    expect_error(json::parse(R"({"components": [{"type": "rules", "params": {"rules": [{"match": {"tag": "a"}}]}}]})"),
                 "reward config.components[0].params.rules[0]: needs one effect");
  }

  void json_round_trip() {
    for (const std::string& name : rf::reward_preset_names()) {
      rf::RewardComposite c(rf::reward_preset(name));
      const json j = c.to_json();
      rf::RewardComposite again(j);
      QCOMPARE(QString::fromStdString(again.to_json().dump()), QString::fromStdString(j.dump()));
      QCOMPARE(QString::fromStdString(j["name"].get<std::string>()), QString::fromStdString(name));
    }
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::reward_preset("rec-r2"));
    QVERIFY(rf::RewardComposite(rf::reward_preset_for_recipe(rf::Recipe::Query)).recipe() == rf::Recipe::Query);
  }

  void preset_files_match_the_code() {
    const std::string dir = std::string(RECFORGE_FIXTURES_DIR) + "/../../resources/rewards/";
    for (const std::string& name : rf::reward_preset_names()) {
      const json file = json::parse(rf::file_read_all(dir + name + ".json"));
      QVERIFY2(file == rf::reward_preset(name), name.c_str());
    }
  }
};

RF_TEST_SUITE(TestRewardComposite);
#include "test_reward_composite.moc"
