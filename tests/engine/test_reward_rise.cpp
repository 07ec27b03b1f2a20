// Tests for the GRPO reward's rise from its first steps to its last (core/engine/reward_rise.h): paired per
// user when users come back, Welch's independent difference when they do not, against hand-computed values.
#include "engine/reward_rise.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <cmath>

namespace {

// "user:reward,user:reward;..." : steps separated by ';', each step's groups by ','.
std::vector<rf::StepGroupRewards> steps_parse(const QString& text) {
  std::vector<rf::StepGroupRewards> steps;
  if (text.isEmpty()) return steps;
  for (const QString& step : text.split(';')) {
    rf::StepGroupRewards s;
    for (const QString& group : step.split(',')) {
      const QStringList ur = group.split(':');
      s.users.push_back(ur[0].toInt());
      s.rewards.push_back(ur[1].toDouble());
    }
    steps.push_back(s);
  }
  return steps;
}

bool same(double got, double want) { return std::isnan(want) ? std::isnan(got) : std::fabs(got - want) < 1e-9; }

}  // namespace

class TestRewardRise : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void rise_data() {
    QTest::addColumn<QString>("steps");
    QTest::addColumn<int>("window");
    QTest::addColumn<double>("first");
    QTest::addColumn<double>("last");
    QTest::addColumn<double>("difference");
    QTest::addColumn<double>("se");
    QTest::addColumn<int>("paired");
    // Users 1 and 2 in steps 1-2 and again in 5-6 (steps 3-4 are outside both windows): differences +0.3
    // and +0.1, mean 0.2, sd 0.1414, se 0.1. Welch over the same steps would say 0.2236.
    QTest::newRow("users come back") << "1:0.2;2:0.6;3:0.5;3:0.9;1:0.5;2:0.7" << 2 << 0.4 << 0.6 << 0.2 << 0.1 << 2;
    // Two groups a step; user 1 twice in the first window (0.0, 0.2 -> 0.1) and twice in the last (0.5,
    // 0.3 -> 0.4), user 2 once in each (1.0 -> 1.2); 3 and 4 in one window only. Step means 0.5, 0.3 |
    // 0.85, 0.6. Differences +0.3, +0.2: mean 0.25, se 0.05.
    QTest::newRow("groups and repeats") << "1:0.0,2:1.0;1:0.2,3:0.4;2:1.2,1:0.5;4:0.9,1:0.3" << 2 << 0.4 << 0.725 << 0.25 << 0.05
                                        << 2;
    // No user in both windows: Welch, se sqrt(0.1^2 + 0.2^2).
    QTest::newRow("new users") << "1:0.1;2:0.3;3:0.4;4:0.8" << 2 << 0.2 << 0.6 << 0.4 << std::sqrt(0.05) << 0;
    // Three steps: the window shrinks to one step at each end; one pair is too few, one step a side has
    // no standard error.
    QTest::newRow("window capped") << "1:0.5;2:0.1;1:0.7" << 10 << 0.5 << 0.7 << 0.2 << double(NAN) << 0;
    QTest::newRow("no steps") << "" << 10 << 0.0 << 0.0 << 0.0 << double(NAN) << 0;
  }
  void rise() {
    QFETCH(QString, steps);
    QFETCH(int, window);
    QFETCH(double, first);
    QFETCH(double, last);
    QFETCH(double, difference);
    QFETCH(double, se);
    QFETCH(int, paired);
    const rf::RewardRise r = rf::reward_rise(steps_parse(steps), static_cast<size_t>(window));
    QVERIFY2(same(r.first, first), std::to_string(r.first).c_str());
    QVERIFY2(same(r.last, last), std::to_string(r.last).c_str());
    QVERIFY2(same(r.rise.difference, difference), std::to_string(r.rise.difference).c_str());
    QVERIFY2(same(r.rise.se, se), std::to_string(r.rise.se).c_str());
    QCOMPARE(r.paired_users, static_cast<int64_t>(paired));
  }
};

RF_TEST_SUITE(TestRewardRise);
#include "test_reward_rise.moc"
