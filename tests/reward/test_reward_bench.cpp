// `recforge-cli bench reward` driven through QProcess on the Amazon Beauty copy in tests/fixtures (12,101
// items per the data README): a small batch prints the documented JSON, and bad options fail cleanly.
#include "support/fixtures.h"
#include "support/cli_process.h"
#include "support/suite_registry.h"

#include <QtCore/QProcess>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

namespace {

using rf::test::CliRun;

CliRun cli(const QStringList& args) { return rf::test::cli_run(args, {{}, 180000, {}}); }

}  // namespace

class TestRewardBench : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void small_batch_prints_json() {
    const QString data = QString::fromStdString(rf::test::fixture_path("data/amazon-beauty-5core"));
    const CliRun r = cli({"bench", "reward", "--data", data, "--batch", "24", "--repeat", "1", "--threads", "2"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["items"].get<int>(), 12101);
    QCOMPARE(j["completions"].get<int>(), 48);  // 24 List + 24 Query completions
    QVERIFY(j["seconds"].get<double>() > 0);
    QVERIFY(j["completions_per_s"].get<double>() > 0);
    for (const char* key : {"list/parse", "list/format", "list/ndcg", "list/diversity", "list/novelty", "list/coverage",
                            "list/validity", "list/length", "list/rules", "query/parse", "query/retrieval"})
      QVERIFY2(j["per_component_us"].contains(key), key);
    for (const char* recipe : {"list", "query"}) {
      const double ok = j[recipe]["share_format_ok"].get<double>();
      // The generator breaks a minority of completions on purpose, so some pass and some fail.
      QVERIFY2(ok > 0.3 && ok < 1.0, recipe);
    }
  }

  void bad_options_fail_cleanly() {
    const CliRun r = cli({"bench", "reward", "--batch", "0"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("--batch must be"), r.err.constData());
    const CliRun missing = cli({"bench", "reward", "--data", "/nonexistent/folder", "--batch", "4"});
    QCOMPARE(missing.exit_code, 1);
    QVERIFY2(missing.err.contains("error:"), missing.err.constData());
  }
};

RF_TEST_SUITE(TestRewardBench);
#include "test_reward_bench.moc"
