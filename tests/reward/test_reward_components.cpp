// Tests for each reward component on the six-item catalogue of reward_fixtures.h, against values computed
// by hand (the arithmetic is in the comments), including empty and malformed answers.
#include "reward/reward_component.h"
#include "reward/reward_context.h"
#include "reward/reward_parse.h"
#include "reward_fixtures.h"
#include "util/error.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <cmath>

using nlohmann::json;
using reward_test::list_completion;
using reward_test::list_input;
using reward_test::score_with;

namespace {

constexpr double kEps = 1e-9;

std::string rating_completion(const std::string& rate) {
  return "<analyze user>Rates lip products 4 on average.</analyze user>\n<analyze item>A rose lip balm.</analyze item>\n"
         "<match>Close to what she likes.</match>\n<rate>" + rate + "</rate>";
}

rf::RewardInput rating_input(const rf::RewardContext& ctx, const std::string& completion, double truth) {
  rf::RewardInput in;
  in.completion = completion;
  in.true_rating = truth;
  in.context = &ctx;
  rf::reward_parse(in, rf::Recipe::Rating, rf::reward_parse_defaults(rf::Recipe::Rating));
  return in;
}

}  // namespace

class TestRewardComponents : public QObject {
  Q_OBJECT

  rf::Dataset ds_ = reward_test::tiny_dataset();
  rf::ItemEmbeddings emb_;
  std::unique_ptr<rf::RewardContext> ctx_;

 private Q_SLOTS:
  void initTestCase() {
    // Items 0, 1, 2 at (1,0), (0,1), (1,1); the rest at (1,0).
    emb_.n = 6;
    emb_.dim = 2;
    emb_.data = {1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0};
    ctx_ = rf::reward_context_build(ds_, &emb_);
  }

  void catalogue_statistics() {
    const rf::RewardCatalogue& c = ctx_->catalogue;
    QCOMPARE(c.total_interactions, 16.0);
    // Sorted popularity [0, 1, 1, 2, 4, 8]: items strictly below each, over 6 items.
    const double pct[] = {500.0 / 6, 400.0 / 6, 300.0 / 6, 100.0 / 6, 100.0 / 6, 0};
    for (int i = 0; i < 6; ++i) QVERIFY(std::fabs(c.popularity_percentile[i] - pct[i]) < kEps);
    QCOMPARE(c.reference_time, int64_t(100) * 86400);
    QCOMPARE(c.first_seen[2], int64_t(95) * 86400);
    QCOMPARE(c.first_seen[5], std::numeric_limits<int64_t>::max());
    QCOMPARE(c.creator_ids[4], -1);
    QCOMPARE(c.creator_ids[0], c.creator_ids[3]);  // both Acme
  }

  void format_list() {
    const auto good = list_input(*ctx_, list_completion("[13, 10, 12]"), {0}, {}, 3);
    QCOMPARE(score_with("format", json::object(), good).value, 1.0);
    const auto no_think = list_input(*ctx_, "<answer>[13, 10, 12]</answer>", {0}, {}, 3);
    const rf::RewardValue v = score_with("format", json::object(), no_think);
    QCOMPARE(v.value, -1.0);
    QVERIFY2(v.explanation.find("tags") != std::string::npos, v.explanation.c_str());
    // Tags in place but nothing in the answer matches the catalogue: the answer is not usable ...
    const auto nothing = list_input(*ctx_, list_completion("[98, 99]"), {0}, {}, 3);
    QCOMPARE(score_with("format", json::object(), nothing).value, -1.0);
    // ... unless only the tags are asked for; the constants are configurable.
    QCOMPARE(score_with("format", json{{"require_answer", false}}, nothing).value, 1.0);
    QCOMPARE(score_with("format", json{{"ok", 0.5}, {"bad", -3}}, nothing).value, -3.0);
    const auto empty = list_input(*ctx_, "", {0}, {}, 3);
    QCOMPARE(score_with("format", json::object(), empty).value, -1.0);
    const auto twice = list_input(*ctx_, list_completion("[10]") + "<answer>[11]</answer>", {0}, {}, 3);
    QCOMPARE(score_with("format", json::object(), twice).value, -1.0);
  }

  void format_rating() {
    QCOMPARE(score_with("format", json::object(), rating_input(*ctx_, rating_completion("4"), 4)).value, 1.0);
    // Out of range, no number, empty block, tags out of order: all broken.
    QCOMPARE(score_with("format", json::object(), rating_input(*ctx_, rating_completion("7"), 4)).value, -1.0);
    QCOMPARE(score_with("format", json::object(), rating_input(*ctx_, rating_completion("great"), 4)).value, -1.0);
    QCOMPARE(score_with("format", json::object(), rating_input(*ctx_, rating_completion(""), 4)).value, -1.0);
    const std::string swapped = "<analyze item>x</analyze item><analyze user>y</analyze user><match>z</match><rate>4</rate>";
    QCOMPARE(score_with("format", json::object(), rating_input(*ctx_, swapped, 4)).value, -1.0);
  }

  void accuracy_data() {
    QTest::addColumn<QString>("metric");
    QTest::addColumn<int>("k");
    QTest::addColumn<double>("expected");
    // Answer [13, 10, 12] = items 3, 0, 2; targets {0, 2} at ranks 2 and 3.
    const double dcg3 = 1 / std::log2(3.0) + 1 / std::log2(4.0);  // 0.63093 + 0.5
    const double idcg = 1 + 1 / std::log2(3.0);                    // 1.63093
    QTest::newRow("hit@3") << "hit" << 3 << 1.0;
    QTest::newRow("hit@1") << "hit" << 1 << 0.0;
    QTest::newRow("recall@3") << "recall" << 3 << 1.0;
    QTest::newRow("recall@2") << "recall" << 2 << 0.5;
    QTest::newRow("ndcg@3") << "ndcg" << 3 << dcg3 / idcg;                               // 0.693426
    QTest::newRow("ndcg@2") << "ndcg" << 2 << (1 / std::log2(3.0)) / idcg;               // 0.386853
    QTest::newRow("mrr@3") << "mrr" << 3 << 0.5;
    QTest::newRow("k 0 uses the input's K (3)") << "ndcg" << 0 << dcg3 / idcg;
  }
  void accuracy() {
    QFETCH(QString, metric);
    QFETCH(int, k);
    QFETCH(double, expected);
    const auto in = list_input(*ctx_, list_completion("[13, 10, 12]"), {0, 2}, {0, 1, 2, 3}, 3);
    const rf::RewardValue v = score_with("accuracy", json{{"metric", metric.toStdString()}, {"k", k}}, in);
    QVERIFY2(std::fabs(v.value - expected) < 1e-6, (v.explanation + " got " + std::to_string(v.value)).c_str());
  }

  void accuracy_empty_and_malformed() {
    for (const std::string& text : {std::string(""), list_completion(""), list_completion("I cannot decide"),
                                    std::string("<think>x</think><answer>[10, 12")}) {
      const auto in = list_input(*ctx_, text, {0}, {}, 3);
      QCOMPARE(score_with("accuracy", json{{"metric", "ndcg"}}, in).value, 0.0);
      QCOMPARE(score_with("accuracy", json{{"metric", "hit"}}, in).value, 0.0);
    }
    // A correct list behind broken tags counts, unless require_format.
    const auto broken = list_input(*ctx_, "<answer>[10]</answer>", {0}, {}, 1);
    QCOMPARE(score_with("accuracy", json{{"metric", "hit"}}, broken).value, 1.0);
    QCOMPARE(score_with("accuracy", json{{"metric", "hit"}, {"require_format", true}}, broken).value, 0.0);
  }

  void rating_data() {
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("rate");
    QTest::addColumn<double>("truth");
    QTest::addColumn<double>("expected");
    QTest::newRow("linear |e| 1") << "linear" << "3" << 4.0 << 0.5;       // 1 - 1/2
    QTest::newRow("linear exact") << "linear" << "4" << 4.0 << 1.0;
    QTest::newRow("linear |e| 4") << "linear" << "1" << 5.0 << -1.0;      // 1 - 4/2
    QTest::newRow("linear half") << "linear" << "4.5" << 4.0 << 0.75;     // 1 - 0.5/2
    QTest::newRow("shifted |e| 1") << "shifted" << "3" << 4.0 << 1.5;     // 2 - 1/2
    QTest::newRow("shifted |e| 4") << "shifted" << "5" << 1.0 << 0.0;     // 2 - 4/2
    QTest::newRow("exact hit after rounding") << "exact" << "4.4" << 4.0 << 1.0;
    QTest::newRow("exact miss") << "exact" << "3" << 4.0 << 0.0;
    QTest::newRow("no rating: invalid 0") << "linear" << "no idea" << 4.0 << 0.0;
    QTest::newRow("out of range: invalid 0") << "linear" << "9" << 4.0 << 0.0;
  }
  void rating() {
    QFETCH(QString, variant);
    QFETCH(QString, rate);
    QFETCH(double, truth);
    QFETCH(double, expected);
    const auto in = rating_input(*ctx_, rating_completion(rate.toStdString()), truth);
    const rf::RewardValue v = score_with("rating", json{{"variant", variant.toStdString()}}, in);
    QVERIFY2(std::fabs(v.value - expected) < kEps, (v.explanation + " got " + std::to_string(v.value)).c_str());
  }

  void rating_configurable_and_errors() {
    const auto in = rating_input(*ctx_, rating_completion("2"), 4);
    // offset 3, slope 1: 3 - 1 × 2 = 1; invalid -2 for a missing rating.
    QCOMPARE(score_with("rating", json{{"offset", 3}, {"slope", 1}}, in).value, 1.0);
    const auto none = rating_input(*ctx_, "", 4);
    QCOMPARE(score_with("rating", json{{"invalid", -2}}, none).value, -2.0);
    const auto no_truth = rating_input(*ctx_, rating_completion("2"), NAN);
    QVERIFY_THROWS_EXCEPTION(rf::Error, score_with("rating", json::object(), no_truth));
  }

  void diversity() {
    const auto in = list_input(*ctx_, list_completion("[10, 11, 12]"), {}, {}, 3);
    // Jaccard distances: {lips,care}-{lips,makeup} 1 - 1/3; {lips,care}-{face,care} 1 - 1/3;
    // {lips,makeup}-{face,care} 1 - 0/4. Mean (2/3 + 2/3 + 1) / 3 = 7/9.
    QVERIFY(std::fabs(score_with("diversity", json::object(), in).value - 7.0 / 9) < kEps);
    // Cosine: (1,0)-(0,1) 1; (1,0)-(1,1) and (0,1)-(1,1) 1 - 1/√2. Mean (3 - √2) / 3.
    QVERIFY(std::fabs(score_with("diversity", json{{"space", "embeddings"}}, in).value - (3 - std::sqrt(2.0)) / 3) < 1e-6);
    // One item, or none: 0. Only the top K count: K 1 leaves one item.
    QCOMPARE(score_with("diversity", json::object(), list_input(*ctx_, list_completion("[10]"), {}, {}, 3)).value, 0.0);
    QCOMPARE(score_with("diversity", json::object(), list_input(*ctx_, "", {}, {}, 3)).value, 0.0);
    QCOMPARE(score_with("diversity", json::object(), list_input(*ctx_, list_completion("[10, 11, 12]"), {}, {}, 1)).value, 0.0);
    // Embeddings asked for but absent from the context: a configuration error.
    auto plain = rf::reward_context_build(ds_);
    const auto in2 = list_input(*plain, list_completion("[10, 11]"), {}, {}, 2);
    QVERIFY_THROWS_EXCEPTION(rf::Error, score_with("diversity", json{{"space", "embeddings"}}, in2));
  }

  void novelty() {
    // Items 0 (8/16: 1 bit) and 2 (2/16: 3 bits): mean 2 bits; normalised by log2(16) = 4: 0.5.
    const auto in = list_input(*ctx_, list_completion("[10, 12]"), {}, {}, 2);
    QVERIFY(std::fabs(score_with("novelty", json::object(), in).value - 0.5) < kEps);
    QVERIFY(std::fabs(score_with("novelty", json{{"normalised", false}}, in).value - 2.0) < kEps);
    // Item 5 was never interacted with: counted as popularity 1, 4 bits, normalised 1.
    const auto tail = list_input(*ctx_, list_completion("[15]"), {}, {}, 1);
    QVERIFY(std::fabs(score_with("novelty", json::object(), tail).value - 1.0) < kEps);
    QCOMPARE(score_with("novelty", json::object(), list_input(*ctx_, list_completion("none"), {}, {}, 2)).value, 0.0);
  }

  void coverage_alone() {
    // Scored alone (no batch): a batch of one, nothing shown before.
    const auto in = list_input(*ctx_, list_completion("[10, 11]"), {}, {}, 2);
    QCOMPARE(score_with("coverage", json::object(), in).value, 1.0);
    QCOMPARE(score_with("coverage", json{{"scope", "catalogue"}}, in).value, 1.0);
    QCOMPARE(score_with("coverage", json::object(), list_input(*ctx_, "", {}, {}, 2)).value, 0.0);
  }

  void validity_data() {
    QTest::addColumn<QString>("answer");
    QTest::addColumn<int>("k");
    QTest::addColumn<double>("expected");
    // Pool {10, 11, 12, 13} = items 0..3.
    QTest::newRow("clean") << "[10, 11, 12]" << 3 << 0.0;
    // 10 twice (1 duplicate), 15 outside the pool, 99 unmatched; 3 distinct items for K 3: -0.3.
    QTest::newRow("three problems") << "[10, 10, 15, 99, 11]" << 3 << -0.3;
    // Same, K 5: 2 items short, -0.2 more.
    QTest::newRow("three problems, K 5") << "[10, 10, 15, 99, 11]" << 5 << -0.5;
    QTest::newRow("too long") << "[10, 11, 12, 13]" << 2 << -0.2;
    QTest::newRow("nothing matched") << "[98, 99]" << 2 << -1.0;
    QTest::newRow("empty answer") << "" << 2 << -1.0;
  }
  void validity() {
    QFETCH(QString, answer);
    QFETCH(int, k);
    QFETCH(double, expected);
    const auto in = list_input(*ctx_, list_completion(answer.toStdString()), {}, {0, 1, 2, 3}, k);
    const rf::RewardValue v = score_with("validity", json::object(), in);
    QVERIFY2(std::fabs(v.value - expected) < kEps, (v.explanation + " got " + std::to_string(v.value)).c_str());
  }

  void validity_floor_and_constants() {
    const auto in = list_input(*ctx_, list_completion("[10, 10, 10, 10, 99, 98]"), {}, {0}, 1);
    // 3 duplicates × -0.5 + 2 unmatched × -0.5 = -2.5, floored at -2.
    QCOMPARE(score_with("validity", json{{"duplicate", -0.5}, {"unmatched", -0.5}, {"floor", -2}}, in).value, -2.0);
  }

  void length() {
    rf::RewardInput in;
    in.completion = "one two  three\nfour five";
    // 5 words, budget 3: 2 over × 0.1 = -0.2.
    QVERIFY(std::fabs(score_with("length", json{{"budget", 3}, {"per_unit", 0.1}}, in).value + 0.2) < kEps);
    QCOMPARE(score_with("length", json{{"budget", 5}, {"per_unit", 0.1}}, in).value, 0.0);
    // "héllo wörld": 11 characters (é and ö are 2 bytes each), budget 10: -0.5 × 1.
    in.completion = "h\xc3\xa9llo w\xc3\xb6rld";
    QVERIFY(std::fabs(score_with("length", json{{"unit", "chars"}, {"budget", 10}, {"per_unit", 0.5}}, in).value + 0.5) < kEps);
    // Floor: 1000 words over at 0.1 each would be -100, floored at -1.
    in.completion = std::string(2000, 'a');
    for (int i = 0; i < 1000; ++i) in.completion += " b";
    QCOMPARE(score_with("length", json{{"budget", 0}, {"per_unit", 0.1}}, in).value, -1.0);
    in.completion = "";
    QCOMPARE(score_with("length", json::object(), in).value, 0.0);
  }

  void parse_shares_one_result() {
    // The list parse keeps the raw problems for explanations and counts extra copies one by one.
    const auto in = list_input(*ctx_, list_completion("10, 10, 10, Night Face Cream, 77"), {}, {0, 1}, 3);
    QVERIFY(in.parsed.done && in.parsed.tags_ok && in.parsed.answer_ok);
    QCOMPARE(in.parsed.items, (std::vector<int32_t>{0, 2}));
    QCOMPARE(in.parsed.duplicates.size(), size_t(2));
    QCOMPARE(in.parsed.outside_pool, (std::vector<int32_t>{2}));
    QCOMPARE(in.parsed.unmatched, 1);
    QCOMPARE(in.parsed.entries, 5);
  }

  void component_config_errors_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("params");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown type") << "accuracyy" << "{}" << "unknown reward component type 'accuracyy'";
    QTest::newRow("unknown key") << "accuracy" << R"({"metrc": "ndcg"})" << "params.metrc: unknown key";
    QTest::newRow("bad metric") << "accuracy" << R"({"metric": "auc"})" << "params.metric: 'auc' is not one of";
    QTest::newRow("k not integer") << "accuracy" << R"({"k": "ten"})" << "params.k: expected an integer, found a string";
    QTest::newRow("k fractional") << "accuracy" << R"({"k": 2.5})" << "params.k: expected an integer";
    QTest::newRow("ok not number") << "format" << R"({"ok": true})" << "params.ok: expected a number, found a boolean";
    QTest::newRow("params not object") << "format" << "[1]" << "params: expected an object";
    QTest::newRow("variant") << "rating" << R"({"variant": "square"})" << "params.variant: 'square' is not one of";
    QTest::newRow("negative budget") << "length" << R"({"budget": -1})" << "params.budget: expected a number in [0, inf]";
    QTest::newRow("coverage scope") << "coverage" << R"({"scope": "world"})" << "params.scope";
    QTest::newRow("retrieval k") << "retrieval" << R"({"k": 0})" << "params.k: expected an integer in [1,";
  }
  void component_config_errors() {
    QFETCH(QString, type);
    QFETCH(QString, params);
    QFETCH(QString, expected);
    try {
      rf::reward_component_make(type.toStdString(), json::parse(params.toStdString()));
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
  }

  void params_round_trip() {
    for (const std::string& type : rf::reward_component_types()) {
      const auto c = rf::reward_component_make(type, json::object());
      const json p = c->params();
      QCOMPARE(QString::fromStdString(rf::reward_component_make(type, p)->params().dump()), QString::fromStdString(p.dump()));
    }
  }
};

RF_TEST_SUITE(TestRewardComponents);
#include "test_reward_components.moc"
