// `recforge-cli traces` driven through QProcess: the JSON lines it writes (one per user, each with the
// fields an SFT loader reads), the summary it prints, the same bytes for the same seed, and the errors for
// an unknown recipe, missing or unreadable data and a missing --out.
#include "support/fixtures.h"
#include "support/cli_process.h"
#include "support/suite_registry.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#ifdef RECFORGE_CLI_PATH

namespace {

using nlohmann::json;

using rf::test::CliRun;

using rf::test::cli_run;

QString sample_dir() { return QString::fromStdString(std::string(RECFORGE_FIXTURES_DIR) + "/../../sample_data"); }

std::vector<json> read_lines(const QString& path) {
  QFile f(path);
  std::vector<json> out;
  if (!f.open(QIODevice::ReadOnly)) return out;
  for (const QByteArray& line : f.readAll().split('\n'))
    if (!line.isEmpty()) out.push_back(json::parse(line.toStdString()));
  return out;
}

}  // namespace

class TestTracesCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void writes_jsonl_data() {
    QTest::addColumn<QString>("recipe");
    QTest::addColumn<QString>("answer_tag");
    QTest::newRow("list") << "list"
                          << "</answer>";
    QTest::newRow("query") << "query"
                           << "</answer>";
    QTest::newRow("rating") << "rating"
                            << "</rate>";
  }
  void writes_jsonl() {
    QFETCH(QString, recipe);
    QFETCH(QString, answer_tag);
    QTemporaryDir dir;
    const QString out = dir.path() + "/traces.jsonl";
    const CliRun r =
        cli_run({"traces", "--recipe", recipe, "--data", sample_dir(), "--out", out, "--users", "20", "--seed", "3"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const auto lines = read_lines(out);
    QCOMPARE(lines.size(), size_t{20});
    for (const auto& t : lines) {
      for (const char* key : {"prompt", "completion", "user", "recipe", "reward", "parse_ok", "system", "prefill"})
        QVERIFY2(t.contains(key), key);
      QVERIFY(t["parse_ok"].get<bool>());
      QVERIFY(QString::fromStdString(t["completion"].get<std::string>()).endsWith(answer_tag));
    }
    const QString summary = QString::fromUtf8(r.out);
    QVERIFY2(summary.contains("traces: 20 written to " + out) && summary.contains("parse pass rate   1.000 (20 of 20)") &&
                 summary.contains("distinct first sentences"),
             qPrintable(summary));
    QVERIFY(!QFile::exists(out + ".part"));
    // --json: the same numbers as JSON; the same seed writes the same bytes.
    const QString again = dir.path() + "/again.jsonl";
    const CliRun j =
        cli_run({"traces", "--recipe", recipe, "--data", sample_dir(), "--out", again, "--users", "20", "--seed", "3", "--json"});
    QVERIFY2(j.exit_code == 0, j.err.constData());
    const json s = json::parse(j.out.toStdString());
    QCOMPARE(s["written"].get<int>(), 20);
    QCOMPARE(s["parse_pass_rate"].get<double>(), 1.0);
    QFile a(out), b(again);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(a.readAll(), b.readAll());
  }

  void to_stdout() {
    const CliRun r = cli_run({"traces", "--recipe", "rating", "--data", sample_dir(), "--out", "-", "--users", "3"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QCOMPARE(r.out.count('\n'), 3);
    QVERIFY(r.err.contains("traces: 3 written"));  // the summary goes to stderr when the traces go to stdout
  }

  void errors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown recipe") << QStringList{"--recipe", "ranking", "--data", sample_dir(), "--out", "x.jsonl"}
                                    << "error: traces: --recipe must be list, query or rating, not 'ranking'";
    QTest::newRow("no recipe") << QStringList{"--data", sample_dir(), "--out", "x.jsonl"}
                               << "--recipe must be list, query or rating";
    QTest::newRow("no data") << QStringList{"--recipe", "list", "--out", "x.jsonl"} << "--data is required";
    QTest::newRow("missing data") << QStringList{"--recipe", "list", "--data", "/nonexistent/data", "--out", "x.jsonl"}
                                  << "/nonexistent/data";
    QTest::newRow("no out") << QStringList{"--recipe", "list", "--data", sample_dir()} << "--out is required";
    QTest::newRow("bad teacher params") << QStringList{"--recipe", "list",    "--data",           sample_dir(),
                                                       "--out",    "x.jsonl", "--teacher-params", "[1]"}
                                        << "--teacher-params must be a JSON object";
    QTest::newRow("https teacher") << QStringList{"--recipe",        "list",    "--data",        sample_dir(),
                                                  "--out",           "x.jsonl", "--teacher-url", "https://api.example.com/v1",
                                                  "--teacher-model", "m"}
                                   << "https is not supported";
    QTest::newRow("broad over 100") << QStringList{"--recipe", "list", "--data", sample_dir(), "--out", "x.jsonl", "--broad", "150"}
                                    << "--broad must be a percentage in 0..100";
    QTest::newRow("broad lambda") << QStringList{"--recipe", "list",          "--data", sample_dir(), "--out",
                                                 "x.jsonl",  "--broad-lambda", "-0.5"}
                                  << "--broad-lambda must be in 0..1";
  }
  void errors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QProcess p;
    p.setWorkingDirectory(dir.path());
    p.start(QStringLiteral(RECFORGE_CLI_PATH), QStringList{"traces"} + args);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(message), qPrintable(err));
    QVERIFY(!QFile::exists(dir.path() + "/x.jsonl"));  // nothing half-written
  }
};

RF_TEST_SUITE(TestTracesCli);
#include "test_traces_cli.moc"

#endif  // RECFORGE_CLI_PATH
