// Tests for the business-rule language (reward_rules.h): every matcher and every effect on the six-item
// catalogue of reward_fixtures.h with hand-counted matches, caps and totals, and parse errors that name
// the rule index and the field.
#include "reward/reward_component.h"
#include "reward/reward_rules.h"
#include "reward_fixtures.h"
#include "util/error.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <cmath>

using nlohmann::json;

class TestRewardRules : public QObject {
  Q_OBJECT

  rf::Dataset ds_ = reward_test::tiny_dataset();
  std::unique_ptr<rf::RewardContext> ctx_;

  // The list [10, 11, 12, 13, 14] = items 0..4 under one rule.
  double apply_one(const std::string& rule_json) {
    const rf::RewardRules rules = rf::rules_parse(json::array({json::parse(rule_json)}), "rules");
    return rf::rules_apply(rules, {0, 1, 2, 3, 4}, *ctx_).value;
  }

 private Q_SLOTS:
  void initTestCase() { ctx_ = rf::reward_context_build(ds_); }

  void rules_data() {
    QTest::addColumn<QString>("rule");
    QTest::addColumn<double>("expected");
    // Matchers (per_item 1 counts the matches among items 0..4).
    QTest::newRow("category lips: 0, 1") << R"({"match": {"category": "lips"}, "per_item": 1})" << 2.0;
    QTest::newRow("category any of: 0, 1, 4") << R"({"match": {"category": ["lips", "nails"]}, "per_item": 1})" << 3.0;
    QTest::newRow("tag local +0.2 each: 0, 2") << R"({"match": {"tag": "local"}, "per_item": 0.2})" << 0.4;
    QTest::newRow("creator Acme: 0, 1, 3") << R"({"match": {"creator": "Acme"}, "per_item": 1})" << 3.0;
    QTest::newRow("unknown creator never matches \"\"") << R"({"match": {"creator": ""}, "per_item": 1})" << 0.0;
    QTest::newRow("item ids 10, 14") << R"({"match": {"item": ["10", "14"]}, "per_item": 1})" << 2.0;
    QTest::newRow("attribute equals text") << R"({"match": {"attribute": {"name": "year", "equals": "2019"}}, "per_item": 1})" << 1.0;
    QTest::newRow("attribute equals number") << R"({"match": {"attribute": {"name": "price", "equals": 12.5}}, "per_item": 1})" << 1.0;
    QTest::newRow("attribute in: 2010, 2021") << R"({"match": {"attribute": {"name": "year", "in": [2010, "2021"]}}, "per_item": 1})" << 2.0;
    QTest::newRow("attribute ge 2015: 0, 1, 2") << R"({"match": {"attribute": {"name": "year", "ge": 2015}}, "per_item": 1})" << 3.0;
    QTest::newRow("attribute range [2012, 2020)") << R"({"match": {"attribute": {"name": "year", "ge": 2012, "lt": 2020}}, "per_item": 1})" << 2.0;
    QTest::newRow("attribute gt/le") << R"({"match": {"attribute": {"name": "year", "gt": 2015, "le": 2019}}, "per_item": 1})" << 1.0;
    QTest::newRow("attribute absent: 4") << R"({"match": {"attribute": {"name": "year", "exists": false}}, "per_item": 1})" << 1.0;
    QTest::newRow("attribute present: 0-3") << R"({"match": {"attribute": {"name": "year", "exists": true}}, "per_item": 1})" << 4.0;
    QTest::newRow("popularity top 20%: 0") << R"({"match": {"popularity": {"top_percent": 20}}, "per_item": 1})" << 1.0;
    QTest::newRow("long tail bottom 50%: 3, 4") << R"({"match": {"popularity": {"bottom_percent": 50}}, "per_item": 1})" << 2.0;
    QTest::newRow("popularity counts 2..4: 1, 2") << R"({"match": {"popularity": {"min": 2, "max": 4}}, "per_item": 1})" << 2.0;
    // First seen on days 0, 10, 95, 100, 100; "now" = day 100.
    QTest::newRow("fresh: age <= 30 days: 2, 3, 4") << R"({"match": {"freshness": {"max_age_days": 30}}, "per_item": 1})" << 3.0;
    QTest::newRow("old: age >= 90 days: 0, 1") << R"({"match": {"freshness": {"min_age_days": 90}}, "per_item": 1})" << 2.0;
    QTest::newRow("fresh relative to now = day 200") << R"({"match": {"freshness": {"max_age_days": 105, "now": 17280000}}, "per_item": 1})" << 3.0;
    QTest::newRow("fresh by year >= 2020: 2") << R"({"match": {"freshness": {"attribute": "year", "ge": 2020}}, "per_item": 1})" << 1.0;
    QTest::newRow("all: care and not local") << R"({"match": {"all": [{"category": "care"}, {"not": {"tag": "local"}}]}, "per_item": 1})" << 0.0;
    QTest::newRow("any: Bloom or nails: 2, 4") << R"({"match": {"any": [{"creator": "Bloom"}, {"category": "nails"}]}, "per_item": 1})" << 2.0;
    QTest::newRow("not makeup: 0, 2, 4") << R"({"match": {"not": {"category": "makeup"}}, "per_item": 1})" << 3.0;
    QTest::newRow("all [] matches everything") << R"({"match": {"all": []}, "per_item": 1})" << 5.0;
    // Effects.
    QTest::newRow("if_any: a top-20% item is there") << R"({"match": {"popularity": {"top_percent": 20}}, "if_any": 0.3})" << 0.3;
    QTest::newRow("if_any: no hair item") << R"({"match": {"category": "hair"}, "if_any": 0.3})" << 0.0;
    QTest::newRow("if_none: no hair item") << R"({"match": {"category": "hair"}, "if_none": -0.2})" << -0.2;
    QTest::newRow("if_none: lips present") << R"({"match": {"category": "lips"}, "if_none": -0.2})" << 0.0;
    QTest::newRow("count >= 3 of year >= 2015") << R"({"match": {"attribute": {"name": "year", "ge": 2015}}, "if_count_at_least": {"n": 3, "value": 1}})" << 1.0;
    QTest::newRow("count >= 4 of year >= 2015") << R"({"match": {"attribute": {"name": "year", "ge": 2015}}, "if_count_at_least": {"n": 4, "value": 1}})" << 0.0;
    QTest::newRow("quota met: 2 long-tail items") << R"({"match": {"popularity": {"bottom_percent": 50}}, "quota": {"at_least": 2, "bonus": 0.1, "penalty": -0.5}})" << 0.1;
    QTest::newRow("quota missed: 3 long-tail items") << R"({"match": {"popularity": {"bottom_percent": 50}}, "quota": {"at_least": 3, "penalty": -0.5}})" << -0.5;
    QTest::newRow("quota per missing: 4 asked, 2 there") << R"({"match": {"popularity": {"bottom_percent": 50}}, "quota": {"at_least": 4, "penalty": -0.5, "per_missing": true}})" << -1.0;
    // Acme has 0, 1, 3: one over the limit of 2.
    QTest::newRow("no more than 2 from one creator") << R"({"max_per": {"field": "creator", "max": 2, "per_excess": -0.5}})" << -0.5;
    QTest::newRow("no more than 1 from one creator") << R"({"max_per": {"max": 1, "per_excess": -0.5}})" << -1.0;  // Acme 3 (2 over), Bloom 1
    // Categories of 0..4: lips 2, care 2, makeup 2, face 1, eyes 1, nails 1: 3 over a limit of 1.
    QTest::newRow("one per category") << R"({"max_per": {"field": "category", "max": 1, "per_excess": -0.1}})" << -0.3;
    QTest::newRow("limit among matches only") << R"({"match": {"tag": "local"}, "max_per": {"max": 1, "per_excess": -1}})" << 0.0;
    // Caps.
    QTest::newRow("cap a bonus: 5 × 0.2 capped at 0.5") << R"({"match": {"all": []}, "per_item": 0.2, "cap": 0.5})" << 0.5;
    QTest::newRow("cap a penalty: 5 × -0.2 capped at -0.5") << R"({"match": {"all": []}, "per_item": -0.2, "cap": 0.5})" << -0.5;
  }
  void rules() {
    QFETCH(QString, rule);
    QFETCH(double, expected);
    const double got = apply_one(rule.toStdString());
    QVERIFY2(std::fabs(got - expected) < 1e-9, std::to_string(got).c_str());
  }

  void design_examples_through_the_component() {
    // DESIGN.md §6's two examples in one rules component: "+0.2 per item tagged local" and "-0.5 if more
    // than 2 items from one creator". List [10, 11, 12, 13] (K 4): local 0, 2 -> +0.4; Acme 0, 1, 3 -> -0.5.
    const json params = {{"rules", json::parse(R"([
        {"name": "local", "match": {"tag": "local"}, "per_item": 0.2},
        {"name": "one creator", "max_per": {"field": "creator", "max": 2, "per_excess": -0.5}}])")}};
    auto c = rf::reward_component_make("rules", params);
    const auto in = reward_test::list_input(*ctx_, reward_test::list_completion("[10, 11, 12, 13]"), {}, {}, 4);
    const rf::RewardValue v = c->score(in);
    QVERIFY2(std::fabs(v.value - (-0.1)) < 1e-9, v.explanation.c_str());
    QVERIFY2(v.explanation.find("local +0.4 (2 items)") != std::string::npos, v.explanation.c_str());
    QVERIFY2(v.explanation.find("one creator -0.5 (Acme x3)") != std::string::npos, v.explanation.c_str());
    // Only the top K count: K 2 keeps items 0, 1 -> local +0.2, no creator over 2.
    const auto top2 = reward_test::list_input(*ctx_, reward_test::list_completion("[10, 11, 12, 13]"), {}, {}, 2);
    QVERIFY(std::fabs(c->score(top2).value - 0.2) < 1e-9);
    // An empty answer earns nothing, not even an if_none bonus.
    auto none = rf::reward_component_make("rules", {{"rules", json::parse(R"([{"match": {"category": "hair"}, "if_none": 1}])")}});
    QCOMPARE(none->score(reward_test::list_input(*ctx_, reward_test::list_completion(""), {}, {}, 2)).value, 0.0);
  }

  void totals_are_clamped() {
    // Two bonuses of +0.4 each (lips 0, 1; local 0, 2 at 0.2 per item) = 0.8, max_total 0.5.
    const json params = {{"rules", json::parse(R"([
        {"match": {"category": "lips"}, "per_item": 0.2}, {"match": {"tag": "local"}, "per_item": 0.2}])")},
                         {"max_total", 0.5}};
    auto c = rf::reward_component_make("rules", params);
    const auto in = reward_test::list_input(*ctx_, reward_test::list_completion("[10, 11, 12]"), {}, {}, 3);
    QCOMPARE(c->score(in).value, 0.5);
    auto low = rf::reward_component_make("rules", {{"rules", json::parse(R"([{"match": {"all": []}, "per_item": -1}])")},
                                                   {"min_total", -1.5}});
    QCOMPARE(low->score(in).value, -1.5);
  }

  void parse_errors_data() {
    QTest::addColumn<QString>("rules");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not a list") << R"({"match": {}})" << "rules: expected a list of rules";
    QTest::newRow("two effects") << R"([{"match": {"tag": "a"}, "per_item": 1, "if_any": 1}])" << "rules[0]: has 2 effects";
    QTest::newRow("no effect") << R"([{"match": {"tag": "a"}}])" << "rules[0]: needs one effect";
    QTest::newRow("matcher with two keys") << R"([{"match": {"tag": "a", "category": "b"}, "per_item": 1}])"
                                           << "rules[0].match: expected an object with exactly one key";
    QTest::newRow("unknown matcher") << R"([{"match": {"colour": "red"}, "per_item": 1}])" << "rules[0].match.colour: unknown matcher";
    QTest::newRow("nested wrong type") << R"([{"match": {"tag": "a"}, "per_item": 1},
        {"match": {"all": [{"attribute": {"name": "year", "gt": "2000"}}]}, "per_item": 1}])"
                                       << "rules[1].match.all[0].attribute.gt: expected a number or null, found a string";
    QTest::newRow("attribute without condition") << R"([{"match": {"attribute": {"name": "year"}}, "per_item": 1}])"
                                                 << "rules[0].match.attribute: needs a condition";
    QTest::newRow("quota without at_least") << R"([{"match": {"tag": "a"}, "quota": {"penalty": -1}}])" << "rules[0].quota.at_least: is required";
    QTest::newRow("unknown rule key") << R"([{"match": {"tag": "a"}, "per_item": 1, "bonus": 2}])" << "rules[0].bonus: unknown key";
    QTest::newRow("match missing") << R"([{"per_item": 1}])" << "rules[0].match: is required";
    QTest::newRow("per_item not a number") << R"([{"match": {"tag": "a"}, "per_item": "0.2"}])" << "rules[0].per_item: expected a number";
    QTest::newRow("percent out of range") << R"([{"match": {"popularity": {"top_percent": 120}}, "per_item": 1}])"
                                          << "rules[0].match.popularity: top_percent and bottom_percent must lie in [0, 100]";
    QTest::newRow("max_per field") << R"([{"max_per": {"field": "brand", "max": 2, "per_excess": -1}}])" << "rules[0].max_per.field: 'brand' is not one of";
    QTest::newRow("empty tag list") << R"([{"match": {"tag": []}, "per_item": 1}])" << "rules[0].match.tag: expected a string or a non-empty list";
    QTest::newRow("negative cap") << R"([{"match": {"tag": "a"}, "per_item": 1, "cap": -1}])" << "rules[0].cap: must be >= 0";
    QTest::newRow("not is one matcher") << R"([{"match": {"not": [{"tag": "a"}]}, "per_item": 1}])" << "rules[0].match.not: expected an object";
  }
  void parse_errors() {
    QFETCH(QString, rules);
    QFETCH(QString, expected);
    try {
      rf::rules_parse(json::parse(rules.toStdString()), "rules");
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
  }

  void component_error_names_its_place() {
    try {
      rf::reward_component_make("rules", {{"rules", json::parse(R"([{"match": {"tag": 5}, "per_item": 1}])")}}, "components[3].params");
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("components[3].params.rules[0].match.tag") != std::string::npos, e.what());
    }
  }
};

RF_TEST_SUITE(TestRewardRules);
#include "test_reward_rules.moc"
