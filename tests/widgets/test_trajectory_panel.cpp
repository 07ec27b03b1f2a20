// The trajectory inspector (widgets/trajectory_filter.h, trajectory_panel.h, reward_bars.h): the filters
// on a hand-built step (a zero-variance group, a format failure, top / bottom by reward, one user, search),
// then the panel over a project whose run store holds that step: the tree lists what the filters keep,
// a completion's answer items come with the catalogue's titles and categories and its hits (the stored
// targets) are marked, the reward breakdown has one bar per component with its explanation, and two
// completions show side by side.
#include "engine/run_config.h"
#include "engine/sample_project.h"
#include "reward_bars.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"
#include "trajectory_filter.h"
#include "token_view.h"
#include "trajectory_panel.h"

#include "support/fixtures.h"
#include "support/sample_project.h"
#include "text/tokenizer.h"
#include "support/suite_registry.h"

#include <QTableWidget>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextEdit>
#include <QTreeWidget>
#include <QtTest/QtTest>

namespace {

// Step 1: group 0 (user 3) = totals 1, 1 (zero variance); group 1 (user 5) = 0.5, -0.2 (format failure), 0.9.
std::vector<rf::TrajectoryRow> step_rows(int64_t run) {
  std::vector<rf::TrajectoryRow> rows;
  auto add = [&](int64_t group, int32_t index, int64_t user, double total, bool format_ok, const std::string& completion,
                 std::vector<std::string> items) {
    rf::TrajectoryRow t;
    t.run = run;
    t.step = 1;
    t.group_id = group;
    t.index = index;
    t.user = user;
    t.prompt = "Recommend for user " + std::to_string(user);
    t.completion = completion;
    t.parsed = {{"format_ok", format_ok}, {"items", items}, {"targets", {"romance01"}}, {"problems", nlohmann::json::array()}};
    t.rewards = nlohmann::json::array({{{"name", "ndcg"}, {"weight", 1.0}, {"value", total}, {"weighted", total}, {"explanation", "NDCG@10 of the list"}},
                                       {{"name", "format"}, {"weight", 0.5}, {"value", format_ok ? 0.0 : -1.0},
                                        {"weighted", format_ok ? 0.0 : -0.5}, {"explanation", "tags and answer parse"}}});
    t.total = total;
    t.advantage = 0;
    t.tokens = 20 + index;
    rows.push_back(t);
  };
  add(0, 0, 3, 1.0, true, "<think>likes gardening</think><answer>[garden01, romance01]</answer>", {"garden01", "romance01"});
  add(0, 1, 3, 1.0, true, "<think>same</think><answer>[romance01, garden01]</answer>", {"romance01", "garden01"});
  add(1, 0, 5, 0.5, true, "<think>romance fan</think><answer>[cosy01]</answer>", {"cosy01"});
  add(1, 1, 5, -0.2, false, "no tags at all", {});
  add(1, 2, 5, 0.9, true, "<think>mystery</think><answer>[romance01, cosy01]</answer>", {"romance01", "cosy01"});
  return rows;
}

}  // namespace

class TestTrajectoryPanel : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string project_;
  int64_t run_ = 0;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    project_ = dir_.filePath("project").toStdString();
    rf::sample_project_ensure(project_, rf::test::sample_data_dir());
    rf::RunConfig c = rf::run_config_default();
    c.data.dataset = "sample";
    rf::SqliteDb db = rf::run_store_open(rf::run_store_path(project_), true);
    run_ = rf::run_store_create_run(db, "inspected", "grpo", rf::run_config_to_json(c), "finished");
    rf::RunStoreWriter w(rf::run_store_path(project_));
    w.trajectories(step_rows(run_));
    w.close();
  }

  void filters_data() {
    QTest::addColumn<bool>("format_failures");
    QTest::addColumn<bool>("zero_variance");
    QTest::addColumn<int>("top");
    QTest::addColumn<qlonglong>("user");
    QTest::addColumn<QString>("search");
    QTest::addColumn<QList<int>>("expected");  // row indices, in the listed order
    QTest::newRow("all") << false << false << 0 << -1LL << "" << QList<int>{0, 1, 2, 3, 4};
    QTest::newRow("format failures") << true << false << 0 << -1LL << "" << QList<int>{3};
    QTest::newRow("zero variance") << false << true << 0 << -1LL << "" << QList<int>{0, 1};
    QTest::newRow("top 2") << false << false << 2 << -1LL << "" << QList<int>{0, 1};
    QTest::newRow("bottom 2") << false << false << -2 << -1LL << "" << QList<int>{3, 2};
    QTest::newRow("user 5, top 1") << false << false << 1 << 5LL << "" << QList<int>{4};
    QTest::newRow("search, any case") << false << false << 0 << -1LL << "FAN" << QList<int>{2};
    QTest::newRow("search the answer") << false << false << 0 << -1LL << "cosy01" << QList<int>{2, 4};
  }
  void filters() {
    QFETCH(bool, format_failures);
    QFETCH(bool, zero_variance);
    QFETCH(int, top);
    QFETCH(qlonglong, user);
    QFETCH(QString, search);
    QFETCH(QList<int>, expected);
    rf::gui::TrajectoryFilter f;
    f.format_failures = format_failures;
    f.zero_variance = zero_variance;
    f.top = top;
    f.user = user;
    f.search = search.toStdString();
    const auto got = rf::gui::trajectory_filter_apply(step_rows(1), f);
    QList<int> listed;
    for (size_t i : got) listed << static_cast<int>(i);
    QCOMPARE(listed, expected);
  }

  void group_stats() {
    const auto s = rf::gui::trajectory_group_stats(step_rows(1));
    QVERIFY(s.at(0).zero_variance());
    QVERIFY(!s.at(1).zero_variance());
    QCOMPARE(s.at(1).size, size_t(3));
    QVERIFY(std::abs(s.at(1).mean - 0.4) < 1e-12);                                        // (0.5 - 0.2 + 0.9) / 3
    QVERIFY(std::abs(s.at(1).std - std::sqrt((0.01 + 0.36 + 0.25) / 3)) < 1e-12);        // population std
  }

  // A run whose trajectories carry their sampled ids and log-probs, with a Qwen3 tokenizer as its model's:
  // the token view shows the completion token by token (prefill unshaded), each token's tooltip gives
  // p = exp(log p), and its shade is that probability's.
  void per_token_view() {
    QTemporaryDir model_dir;
    QVERIFY(QFile::copy(QString::fromStdString(rf::test::fixture_path("hf-parity/qwen3/config.json")), model_dir.filePath("config.json")));
    for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
      QVERIFY(QFile::copy(QString::fromStdString(rf::test::fixture_path(std::string("tokenizers/qwen3/") + f)), model_dir.filePath(f)));
    const rf::Tokenizer tok = rf::Tokenizer::load(model_dir.path().toStdString());
    rf::RunConfig c = rf::run_config_default();
    c.data.dataset = "sample";
    c.model.source = "hf";
    c.model.path = model_dir.path().toStdString();
    rf::SqliteDb db = rf::run_store_open(rf::run_store_path(project_), true);
    const int64_t run = rf::run_store_create_run(db, "with tokens", "grpo", rf::run_config_to_json(c), "finished");
    std::vector<rf::TrajectoryRow> rows = step_rows(run);
    const std::string prefill = "Let me think.\n<think>";
    const std::string generated = "likes gardening</think><answer>[garden01, romance01]</answer>";
    rows[0].completion = prefill + generated;
    rows[0].token_ids = tok.encode(generated);
    for (size_t k = 0; k < rows[0].token_ids.size(); ++k) rows[0].token_logprobs.push_back(-0.25f * static_cast<float>(k % 5));
    rows[0].tokens = static_cast<int32_t>(rows[0].token_ids.size());
    rf::RunStoreWriter w(rf::run_store_path(project_));
    w.trajectories(rows);
    w.close();

    rf::gui::TrajectoryPanel panel;
    panel.setProject(QString::fromStdString(project_));
    panel.setRun(run);
    panel.showTrajectory(0);
    rf::gui::TokenView* view = panel.tokenView();
    QCOMPARE(view->tokenCount(), static_cast<int>(rows[0].token_ids.size()));
    QCOMPARE(view->toPlainText(), QString::fromStdString(rows[0].completion));
    // Token 3 (1-based: k = 2) has log p = -0.5: p = 0.607 by hand.
    const int k = 2;
    QVERIFY2(view->tokenTip(k).contains("p = 0.607 (log p = -0.500)"), qPrintable(view->tokenTip(k)));
    const int at = view->toPlainText().indexOf(QString::fromStdString(generated));
    QCOMPARE(at, static_cast<int>(prefill.size()));
    QCOMPARE(view->tokenAt(at - 1), -1);  // the prefill is no token
    QCOMPARE(view->tokenAt(at), 0);
    QTextCursor cur(view->document());
    int pos = at;
    for (int i = 0; i < k; ++i) pos += static_cast<int>(QString::fromStdString(tok.decode({rows[0].token_ids[static_cast<size_t>(i)]})).size());
    QCOMPARE(view->tokenAt(pos), k);
    cur.setPosition(pos + 1);
    QCOMPARE(cur.charFormat().background().color(), rf::gui::TokenView::shade(std::exp(-0.5)));
    // A trajectory stored without them says so.
    panel.showTrajectory(1);
    QCOMPARE(view->tokenCount(), 0);
    QVERIFY(view->toPlainText().contains("without per-token log-probs"));
  }

  void panel_shows_a_step() {
    rf::gui::TrajectoryPanel panel;
    panel.resize(1200, 700);
    panel.show();
    panel.setProject(QString::fromStdString(project_));
    panel.setRun(run_);
    QCOMPARE(panel.steps(), std::vector<int64_t>{1});
    QCOMPARE(panel.step(), int64_t(1));
    QCOMPARE(panel.rows().size(), size_t(5));
    auto* tree = panel.findChild<QTreeWidget*>("trajectoryTree");
    QCOMPARE(tree->topLevelItemCount(), 2);  // two groups
    QVERIFY(tree->topLevelItem(0)->text(0).contains("zero variance"));
    QVERIFY(tree->topLevelItem(0)->text(0).contains("u0004"));  // user index 3 is the fourth user

    panel.showTrajectory(4);
    QCOMPARE(panel.shownItems(), (QStringList{"romance01", "cosy01"}));
    QCOMPARE(panel.shownHits(), QStringList{"romance01"});
    auto* items = panel.findChild<QTableWidget*>("trajectoryItems");
    QCOMPARE(items->rowCount(), 2);
    QCOMPARE(items->item(0, 1)->text(), QString("Runaway Heir at Bath"));  // sample_data/items.jsonl
    QVERIFY(items->item(0, 2)->text().contains("historical romance"));
    QCOMPARE(items->item(0, 4)->text(), QString("✓ hit"));
    QCOMPARE(items->item(1, 4)->text(), QString());
    QCOMPARE(panel.rewardBars()->rows(), 2);
    QCOMPARE(panel.rewardBars()->explanationAt(0), QString("NDCG@10 of the list"));
    QVERIFY(panel.shownText().contains("<answer>"));

    rf::gui::TrajectoryFilter f;
    f.format_failures = true;
    panel.setFilter(f);
    QCOMPARE(panel.listed(), std::vector<size_t>{3});
    QVERIFY(panel.shownText() == "no tags at all");
    f = {};
    f.user = 3;  // typed as the user's id in the box, read back as the index
    panel.setFilter(f);
    QCOMPARE(panel.filter().user, int64_t(3));
    QCOMPARE(panel.listed(), (std::vector<size_t>{0, 1}));

    panel.compare(0, 1);
    const auto edits = panel.findChildren<QTextEdit*>();
    int visible = 0;
    for (QTextEdit* e : edits) visible += e->isVisible() ? 1 : 0;
    QCOMPARE(visible, 2);
  }
};

RF_TEST_SUITE(TestTrajectoryPanel);
#include "test_trajectory_panel.moc"
