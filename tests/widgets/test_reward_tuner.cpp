// The reward tuner's what-if (widgets/reward_whatif.h) against hand-computed values: two groups of two
// completions with accuracy and diversity components, re-scored with the diversity weight raised from 0
// to 2 — new totals, group-scaled advantages ((R - mean) / (unbiased std + 1e-4)), the group whose best
// completion changes, and what GRPO would push up per component before and after.
#include "reward_whatif.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <cmath>

namespace {

rf::TrajectoryRow row(int64_t group, int32_t index, double acc, double div) {
  rf::TrajectoryRow t;
  t.step = 1;
  t.group_id = group;
  t.index = index;
  t.rewards = nlohmann::json::array({{{"name", "accuracy"}, {"weight", 1.0}, {"value", acc}}, {{"name", "diversity"}, {"weight", 0.0}, {"value", div}}});
  t.total = acc;
  return t;
}

bool near(double a, double b, double tol = 1e-4) { return std::abs(a - b) <= tol; }

}  // namespace

class TestRewardTuner : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void whatif_matches_hand_values() {
    // Listed out of order on purpose: the what-if lays them out by (group, index) itself.
    const std::vector<rf::TrajectoryRow> rows = {row(1, 1, 0.5, 0.0), row(0, 0, 1.0, 0.0), row(1, 0, 0.5, 0.5), row(0, 1, 0.0, 1.0)};
    const rf::gui::WhatIfResult r = rf::gui::reward_whatif(rows, {{"diversity", 2.0}}, "group");
    const double a = 0.5 / (std::sqrt(0.5) + 1e-4);  // |advantage| in a two-completion group 1 apart... scaled
    // Old totals 0.5, 1, 0.5, 0; new 0.5, 1, 1.5, 2 (rows as given).
    QVERIFY(near(r.rows[0].old_total, 0.5) && near(r.rows[0].new_total, 0.5));
    QVERIFY(near(r.rows[1].old_total, 1.0) && near(r.rows[1].new_total, 1.0));
    QVERIFY(near(r.rows[2].new_total, 1.5) && near(r.rows[3].new_total, 2.0));
    // Group 0: a = +A, b = -A before; -A, +A after. Group 1: zero variance before (0, 0); after c = +A, d = -A.
    QVERIFY(near(r.rows[1].old_advantage, a) && near(r.rows[3].old_advantage, -a));
    QVERIFY(near(r.rows[1].new_advantage, -a) && near(r.rows[3].new_advantage, a));
    QVERIFY(near(r.rows[0].old_advantage, 0) && near(r.rows[2].old_advantage, 0));
    QVERIFY(near(r.rows[2].new_advantage, a) && near(r.rows[0].new_advantage, -a));
    QCOMPARE(r.groups, 2);
    QCOMPARE(r.groups_with_new_best, 1);  // group 0: a -> b; group 1 keeps c (first of the tie before)
    QVERIFY(near(r.mean_old_total, 0.5) && near(r.mean_new_total, 1.25));
    QVERIFY(near(r.mean_abs_advantage_change, (2 * 2 * a + 2 * a) / 4));
    QCOMPARE(r.components.size(), size_t(2));
    QCOMPARE(r.components[0].name, std::string("accuracy"));
    // Pushed up before: a only (accuracy 1, diversity 0); after: b and c (accuracy 0.25, diversity 0.75).
    QVERIFY(near(r.components[0].pushed_old, 1.0) && near(r.components[0].pushed_new, 0.25));
    QVERIFY(near(r.components[1].pushed_old, 0.0) && near(r.components[1].pushed_new, 0.75));
    QCOMPARE(r.components[1].old_weight, 0.0);
    QCOMPARE(r.components[1].new_weight, 2.0);
  }

  // "none" leaves advantages unscaled: R - mean.
  void whatif_without_scaling() {
    const std::vector<rf::TrajectoryRow> rows = {row(0, 0, 1.0, 0.0), row(0, 1, 0.0, 1.0)};
    const rf::gui::WhatIfResult r = rf::gui::reward_whatif(rows, {{"diversity", 3.0}}, "none");
    QVERIFY(near(r.rows[0].new_advantage, 1.0 - 2.0) && near(r.rows[1].new_advantage, 3.0 - 2.0));
  }
};

RF_TEST_SUITE(TestRewardTuner);
#include "test_reward_tuner.moc"
