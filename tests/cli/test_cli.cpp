// recforge-cli driven as a user would, through QProcess: --version and --help everywhere, errors on
// stderr with a non-zero exit, the JSON parity commands against the Hugging Face fixtures, and a
// short run of the headless demo (tokenizer + model trained from scratch, saved, reloaded).
#include "support/fixtures.h"

#include <QtCore/QProcess>
#include "support/cli_process.h"

#include <QtTest/QtTest>

using rf::test::fixture_json;
using rf::test::fixture_path;

namespace {

using rf::test::CliRun;

CliRun cli_run(const QStringList& args, int timeout_ms = 120000) { return rf::test::cli_run(args, {{}, timeout_ms, {}}); }

nlohmann::json out_json(const CliRun& r) { return nlohmann::json::parse(r.out.toStdString()); }

QString ids_arg(const nlohmann::json& ids) {
  QStringList parts;
  for (const auto& x : ids) parts << QString::number(x.get<long long>());
  return parts.join(',');
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void version() {
    const CliRun r = cli_run({"--version"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY(r.out.startsWith("recforge-cli "));
  }

  void help_for_every_command_data() {
    QTest::addColumn<QStringList>("args");
    for (const char* c : {"info", "tokenize", "train-tokenizer", "chat-format", "logits", "generate", "demo", "eval",
                          "sample-world", "data", "retrieve", "parse", "prompt", "traces", "pretrain", "sft"})
      QTest::newRow(c) << QStringList{c, "--help"};
    for (const char* b : {"tokenizer", "generate", "train", "import", "retrieve", "reward"})
      QTest::newRow(qPrintable(QString("bench ") + b)) << QStringList{"bench", b, "--help"};
  }
  void help_for_every_command() {
    QFETCH(QStringList, args);
    const CliRun r = cli_run(args);
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.out.contains("usage: recforge-cli"), r.out.constData());
  }

  void errors_go_to_stderr_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command";
    QTest::newRow("unknown option") << QStringList{"logits", "--model", "x", "--bogus"} << "unknown option --bogus";
    QTest::newRow("missing model folder") << QStringList{"logits", "--model", "/nonexistent/m", "--ids", "1"}
                                          << "/nonexistent/m";
    QTest::newRow("bad ids") << QStringList{"logits", "--model", fixture_path("hf-parity/qwen2").c_str(), "--ids", "1,x"}
                             << "'x' is not an integer";
    QTest::newRow("id outside vocabulary")
        << QStringList{"logits", "--model", fixture_path("hf-parity/qwen2").c_str(), "--ids", "1,99999"}
        << "outside the vocabulary";
  }
  void errors_go_to_stderr() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const CliRun r = cli_run(args);
    QVERIFY(r.exit_code != 0);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains(expected.toUtf8()), r.err.constData());
  }

  void logits_match_hf() {
    const auto ref = fixture_json("hf-parity/llama/reference.json");
    const CliRun r = cli_run({"logits", "--model", fixture_path("hf-parity/llama").c_str(), "--ids", ids_arg(ref["input_ids"][0])});
    QCOMPARE(r.exit_code, 0);
    const at::Tensor got = rf::test::json_to_tensor(out_json(r)["logits"]);
    QVERIFY(rf::test::max_abs_diff(got, rf::test::json_to_tensor(ref["logits"][0])) <= 1e-4);
  }

  void generate_matches_hf_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<bool>("no_cache");
    for (const char* a : {"qwen2", "qwen3", "llama"}) {
      QTest::newRow(qPrintable(QString(a) + " cached")) << a << false;
      QTest::newRow(qPrintable(QString(a) + " uncached")) << a << true;
    }
  }
  void generate_matches_hf() {
    QFETCH(QString, arch);
    QFETCH(bool, no_cache);
    const auto ref = fixture_json("hf-parity/" + arch.toStdString() + "/reference.json");
    QStringList args{"generate", "--model", fixture_path("hf-parity/" + arch.toStdString()).c_str(), "--ids",
                     ids_arg(ref["input_ids"][1]), "--max-new-tokens", "16", "--greedy", "--json"};
    if (no_cache) args << "--no-cache";
    const CliRun r = cli_run(args);
    QCOMPARE(r.exit_code, 0);
    QCOMPARE(out_json(r)["tokens"].get<std::vector<long long>>(), ref["greedy_cached"][1].get<std::vector<long long>>());
  }

  void tokenize_matches_reference() {
    const auto ref = fixture_json("tokenizers/qwen3/reference.json");
    nlohmann::json texts = nlohmann::json::array();
    for (size_t i = 0; i < 20; ++i) texts.push_back(ref["cases"][i]["text"]);
    QTemporaryDir tmp;
    const QString input = tmp.filePath("in.json");
    QFile f(input);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(texts.dump()));
    f.close();
    const CliRun r = cli_run({"tokenize", "--tokenizer", fixture_path("tokenizers/qwen3").c_str(), "--input", input});
    QCOMPARE(r.exit_code, 0);
    const nlohmann::json got = out_json(r);
    for (size_t i = 0; i < 20; ++i) QCOMPARE(got[i], ref["cases"][i]["ids"]);
  }

  // The main job, shortened: trains, saves an HF folder, and that folder loads back through the CLI.
  void demo_runs_and_saves_a_loadable_model() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("demo");
    const CliRun r = cli_run({"demo", "--out", out, "--steps", "40", "--lines", "120", "--json"}, 300000);
    QCOMPARE(r.exit_code, 0);
    const QByteArray text = r.out;
    const nlohmann::json summary = nlohmann::json::parse(text.mid(text.indexOf("\n{") + 1).toStdString());
    QVERIFY(summary["final_loss"].get<double>() < summary["first_loss"].get<double>() * 0.5);
    QCOMPARE(summary["samples"].size(), size_t(5));
    const CliRun g = cli_run({"generate", "--model", out + "/model", "--prompt", "Maya likes mystery. Read:",
                              "--max-new-tokens", "8", "--greedy", "--json"});
    QCOMPARE(g.exit_code, 0);
    QCOMPARE(out_json(g)["tokens"].size(), size_t(8));
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
