// recforge-cli driven as a user would, through QProcess: --version and --help everywhere, errors on
// stderr with a non-zero exit, the JSON parity commands against the Hugging Face fixtures, a short
// run of the headless demo (base model, SFT, two GRPO runs, into the project's run store), and `runs` /
// `export` over a small run store written with the core API.
#include "store/run_store.h"
#include "store/run_store_writer.h"
#include "support/fixtures.h"

#include <QtCore/QProcess>
#include "support/cli_process.h"

#include <QtTest/QtTest>

#include <map>

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

QByteArray read_file(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A project whose run store holds an SFT run (1: loss 2 at step 1) and a GRPO run (2): metrics at steps
// 1..3 (kl is NaN at step 2, rewards/ndcg/mean only at step 2), two trajectories at step 2, one event,
// two evaluations of ndcg@10 (steps 1 and 3) and a checkpoint. Values are exact in binary, so the
// exported text can be written down by hand.
struct RunFixture {
  QTemporaryDir dir;
  int64_t sft = 0, grpo = 0;

  QString project() const { return dir.path(); }

  void build() {
    const std::string path = rf::run_store_path(dir.path().toStdString());
    {
      rf::SqliteDb db = rf::run_store_open(path, true);
      sft = rf::run_store_create_run(db, "warm start", "sft", {{"trainer", "sft"}}, "finished");
      grpo = rf::run_store_create_run(db, "grpo list", "grpo", {{"trainer", "grpo"}, {"grpo", {{"num_generations", 2}}}},
                                      "running");
    }
    rf::RunStoreWriter w(path);
    w.metric(sft, 1, "loss", 2.0);
    w.metrics(grpo, 1, {{"reward", 0.25}, {"kl", 0.0625}});
    w.metrics(grpo, 2, {{"reward", 0.5}, {"kl", std::nan("")}, {"rewards/ndcg/mean", 0.125}});
    w.metrics(grpo, 3, {{"reward", 0.75}, {"kl", 0.1875}});
    for (int i = 0; i < 2; ++i) {
      rf::TrajectoryRow t;
      t.run = grpo;
      t.step = 2;
      t.group_id = 0;
      t.index = i;
      t.user = 7;
      t.prompt = "Recommend for u7";
      t.completion = i == 0 ? "<answer>i1, i2</answer>" : "<answer>i3</answer>";
      t.parsed = {{"items", i == 0 ? nlohmann::json{"i1", "i2"} : nlohmann::json{"i3"}}};
      t.rewards = nlohmann::json::array({{{"name", "ndcg"}, {"weight", 1.0}, {"value", i == 0 ? 0.5 : 0.0}}});
      t.total = i == 0 ? 0.5 : 0.0;
      t.advantage = i == 0 ? 1.0 : -1.0;
      t.tokens = 10 + i;
      w.trajectory(t);
    }
    rf::EventRow e;
    e.run = grpo;
    e.step = 2;
    e.kind = rf::RunEventKind::weight_change;
    e.payload = {{"component", "diversity"}, {"old", 0.25}, {"new", 0.5}};
    w.event(e);
    w.evaluation({grpo, 1, "model", "valid", "ndcg@10", 0.125, 0});
    w.evaluation({grpo, 3, "model", "valid", "ndcg@10", 0.375, 0});
    w.evaluation_users({{grpo, 3, "model", "valid", "ndcg@10", 4, 12, 77, 0.5}, {grpo, 3, "model", "valid", "ndcg@10", 2, 8, 78, 0.25}});
    w.checkpoint({grpo, 3, "/runs/2/checkpoint-3", 0});
    w.flush();
    w.close();
  }
};

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
  RunFixture runs_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(runs_.dir.isValid());
    runs_.build();
  }

  void version() {
    const CliRun r = cli_run({"--version"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY(r.out.startsWith("recforge-cli "));
  }

  void help_for_every_command_data() {
    QTest::addColumn<QStringList>("args");
    for (const char* c : {"info", "tokenize", "train-tokenizer", "chat-format", "logits", "generate", "demo", "eval",
                          "sample-world", "data", "retrieve", "parse", "prompt", "traces", "pretrain", "sft", "runs",
                          "export", "compare", "grpo", "resume"})
      QTest::newRow(c) << QStringList{c, "--help"};
    for (const char* b : {"tokenizer", "generate", "train", "grpo", "import", "retrieve", "reward"})
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
    // Checked before the project is made or anything is pretrained (the folder's parent does not exist).
    QTest::newRow("demo on an unknown device") << QStringList{"demo", "--project", "/nonexistent/demo", "--device", "tpu"}
                                               << "--device: expected cpu or cuda, got 'tpu'";
  }
  void errors_go_to_stderr() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const CliRun r = cli_run(args);
    QVERIFY(r.exit_code != 0);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains(expected.toUtf8()), r.err.constData());
  }

  void runs_lists_every_run_newest_first() {
    const CliRun r = cli_run({"runs", "--project", runs_.project()});
    QCOMPARE(r.exit_code, 0);
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);  // header, run 2, run 1
    QVERIFY2(lines[1].startsWith("2 ") && lines[1].contains("grpo list") && lines[1].contains("running") &&
                 lines[1].contains("reward 0.75"),
             lines[1].constData());
    QVERIFY2(lines[2].startsWith("1 ") && lines[2].contains("loss 2"), lines[2].constData());

    const CliRun j = cli_run({"runs", "--project", runs_.project(), "--json"});
    QCOMPARE(j.exit_code, 0);
    const nlohmann::json list = out_json(j);
    QCOMPARE(list.size(), size_t(2));
    QCOMPARE(list[0]["id"].get<int64_t>(), runs_.grpo);
    QCOMPARE(list[0]["last_step"].get<int64_t>(), int64_t(3));
    QCOMPARE(list[0]["metric"].get<std::string>(), std::string("reward"));
    QCOMPARE(list[0]["last_value"].get<double>(), 0.75);
    QCOMPARE(list[1]["metric"].get<std::string>(), std::string("loss"));
    QCOMPARE(list[1]["last_value"].get<double>(), 2.0);
    QVERIFY(list[0]["created"].get<std::string>().ends_with("Z"));
  }

  void runs_summarises_one_run() {
    const CliRun r = cli_run({"runs", "--project", runs_.project(), "--run", QString::number(runs_.grpo), "--json"});
    QCOMPARE(r.exit_code, 0);
    const nlohmann::json s = out_json(r);
    QCOMPARE(s["name"].get<std::string>(), std::string("grpo list"));
    QCOMPARE(s["config"]["grpo"]["num_generations"].get<int>(), 2);
    QCOMPARE(s["steps"].get<int64_t>(), int64_t(3));
    const nlohmann::json& reward = s["metrics"]["reward"];
    QCOMPARE(reward["first"].get<double>(), 0.25);
    QCOMPARE(reward["last"].get<double>(), 0.75);
    QCOMPARE(reward["min"].get<double>(), 0.25);
    QCOMPARE(reward["max"].get<double>(), 0.75);
    const nlohmann::json& kl = s["metrics"]["kl"];  // the NaN at step 2 counts, but not in min / max
    QCOMPARE(kl["count"].get<int>(), 3);
    QCOMPARE(kl["min"].get<double>(), 0.0625);
    QCOMPARE(kl["max"].get<double>(), 0.1875);
    QCOMPARE(s["metrics"]["rewards/ndcg/mean"]["first_step"].get<int64_t>(), int64_t(2));
    QCOMPARE(s["evaluations"].size(), size_t(1));  // the latest ndcg@10 only
    QCOMPARE(s["evaluations"][0]["step"].get<int64_t>(), int64_t(3));
    QCOMPARE(s["evaluations"][0]["value"].get<double>(), 0.375);
    QCOMPARE(s["events"].size(), size_t(1));
    QCOMPARE(s["events"][0]["kind"].get<std::string>(), std::string("weight_change"));
    QCOMPARE(s["events"][0]["payload"]["new"].get<double>(), 0.5);
    QCOMPARE(s["checkpoints"][0]["path"].get<std::string>(), std::string("/runs/2/checkpoint-3"));

    const CliRun t = cli_run({"runs", "--project", runs_.project(), "--run", QString::number(runs_.grpo)});
    QCOMPARE(t.exit_code, 0);
    QVERIFY2(t.out.contains("weight_change") && t.out.contains("/runs/2/checkpoint-3") && t.out.contains("ndcg@10"),
             t.out.constData());
  }

  void export_writes_the_run() {
    QTemporaryDir out;
    const QString dir = out.filePath("export");  // created by the command
    const CliRun r = cli_run({"export", "--project", runs_.project(), "--run", QString::number(runs_.grpo), "--out", dir});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.out.contains("metrics.csv: 3 rows") && r.out.contains("trajectories.jsonl: 2 rows") &&
                 r.out.contains("events.jsonl: 1 rows") && r.out.contains("evaluations.csv: 2 rows") &&
                 r.out.contains("evaluation_users.csv: 2 rows"),
             r.out.constData());
    QCOMPARE(read_file(dir + "/metrics.csv"), QByteArray("step,kl,reward,rewards/ndcg/mean\n"
                                                         "1,0.0625,0.25,\n"
                                                         "2,,0.5,0.125\n"
                                                         "3,0.1875,0.75,\n"));
    QCOMPARE(read_file(dir + "/evaluations.csv"), QByteArray("step,subject,split,metric,value\n"
                                                             "1,model,valid,ndcg@10,0.125\n"
                                                             "3,model,valid,ndcg@10,0.375\n"));
    QCOMPARE(read_file(dir + "/evaluation_users.csv"), QByteArray("step,subject,split,metric,user,position,pool,value\n"
                                                                  "3,model,valid,ndcg@10,2,8,78,0.25\n"
                                                                  "3,model,valid,ndcg@10,4,12,77,0.5\n"));
    const QList<QByteArray> lines = read_file(dir + "/trajectories.jsonl").trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    for (int i = 0; i < 2; ++i) {
      const nlohmann::json t = nlohmann::json::parse(lines[i].toStdString());
      QCOMPARE(t["run"].get<int64_t>(), runs_.grpo);
      QCOMPARE(t["step"].get<int64_t>(), int64_t(2));
      QCOMPARE(t["group"].get<int64_t>(), int64_t(0));
      QCOMPARE(t["index"].get<int>(), i);
      QCOMPARE(t["user"].get<int64_t>(), int64_t(7));
      QCOMPARE(t["prompt"].get<std::string>(), std::string("Recommend for u7"));
      QCOMPARE(t["completion"].get<std::string>(), std::string(i == 0 ? "<answer>i1, i2</answer>" : "<answer>i3</answer>"));
      QCOMPARE(t["parsed"]["items"].size(), size_t(i == 0 ? 2 : 1));
      QCOMPARE(t["rewards"][0]["name"].get<std::string>(), std::string("ndcg"));
      QCOMPARE(t["total"].get<double>(), i == 0 ? 0.5 : 0.0);
      QCOMPARE(t["advantage"].get<double>(), i == 0 ? 1.0 : -1.0);
      QCOMPARE(t["tokens"].get<int>(), 10 + i);
    }
    const nlohmann::json event = nlohmann::json::parse(read_file(dir + "/events.jsonl").toStdString());
    QCOMPARE(event["kind"].get<std::string>(), std::string("weight_change"));
    QCOMPARE(nlohmann::json::parse(read_file(dir + "/config.json").toStdString())["trainer"].get<std::string>(),
             std::string("grpo"));
    QVERIFY(!QFile::exists(dir + "/metrics.csv.tmp"));

    const QString only = out.filePath("only");
    const CliRun w = cli_run({"export", "--project", runs_.project(), "--run", QString::number(runs_.sft), "--out", only,
                              "--what", "metrics,config"});
    QCOMPARE(w.exit_code, 0);
    QCOMPARE(read_file(only + "/metrics.csv"), QByteArray("step,loss\n1,2\n"));
    QVERIFY(QFile::exists(only + "/config.json"));
    QVERIFY(!QFile::exists(only + "/trajectories.jsonl"));
  }

  void runs_and_export_errors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    const QString p = runs_.project();
    QTest::newRow("runs: no --project") << QStringList{"runs"} << "missing required option --project";
    QTest::newRow("runs: no store") << QStringList{"runs", "--project", "/nonexistent/p"}
                                    << "/nonexistent/p/project.sqlite: no run store here";
    QTest::newRow("runs: unknown run") << QStringList{"runs", "--project", p, "--run", "99"} << "no run 99; runs: 2, 1";
    QTest::newRow("export: no --project") << QStringList{"export", "--run", "1", "--out", "/tmp/x"}
                                          << "missing required option --project";
    QTest::newRow("export: unknown run") << QStringList{"export", "--project", p, "--run", "99", "--out", p + "/x"}
                                         << "no run 99; runs: 2, 1";
    QTest::newRow("export: bad --what") << QStringList{"export", "--project", p, "--run", "1", "--out", p + "/x", "--what",
                                                       "metrics,plots"}
                                        << "'plots' is not one of metrics, trajectories";
    QTest::newRow("eval: a run without checkpoints on disk") << QStringList{"eval", "--project", p, "--run", "2"}
                                                             << "run 2: nothing to evaluate; it has no checkpoint on disk";
    QTest::newRow("eval: unknown run") << QStringList{"eval", "--project", p, "--run", "99"} << "no run 99; runs: 2, 1";
    QTest::newRow("eval: no run named") << QStringList{"eval", "--project", p} << "eval: --project needs --run ID";
    QTest::newRow("eval: bad override") << QStringList{"eval", "--project", p, "--run", "2", "eval.split=nope"}
                                        << "run 2's config: eval.split: 'nope' is not one of valid, test";
    QTest::newRow("compare: one run") << QStringList{"compare", "--project", p, "2"} << "give two run ids, A and B";
    QTest::newRow("compare: not an id") << QStringList{"compare", "--project", p, "2", "x"} << "run B must be a run id, not 'x'";
    QTest::newRow("compare: unknown run") << QStringList{"compare", "--project", p, "2", "99"} << "no run 99; runs: 2, 1";
    QTest::newRow("compare: never evaluated") << QStringList{"compare", "--project", p, "2", "1"}
                                              << "run 1 has no evaluation of 'model'";
    QTest::newRow("compare: no such step") << QStringList{"compare", "--project", p, "2", "2", "--step-a", "2"}
                                           << "run 2 has no evaluation of 'model' at step 2";
  }
  void runs_and_export_errors() { errors_go_to_stderr(); }  // the same check on rows that need the run project

  // A project with data but no run yet (project.sqlite without run tables) has no run store either.
  void runs_in_a_project_without_runs() {
    QTemporaryDir dir;
    { rf::SqliteDb db(rf::run_store_path(dir.path().toStdString()), true); db.exec("CREATE TABLE meta (k TEXT)"); }
    const CliRun r = cli_run({"runs", "--project", dir.path()});
    QVERIFY(r.exit_code != 0);
    QVERIFY2(r.err.contains("no run store here; runs are recorded by recforge-cli grpo/sft"), r.err.constData());
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

  // A real GRPO run killed with SIGKILL in the middle of a step after its first checkpoint: `resume`
  // continues from that checkpoint, the curves have every step exactly once, and the store is whole.
  void grpo_killed_with_sigkill_resumes() {
    QTemporaryDir tmp;
    const QString project = tmp.filePath("p");
    const QString sample = QString(RECFORGE_FIXTURES_DIR) + "/../../sample_data";
    QCOMPARE(cli_run({"data", "import", "--project", project, "--path", sample, "--name", "sample"}).exit_code, 0);
    QCOMPARE(cli_run({"pretrain", "--data", project, "--dataset", "sample", "--out", project + "/models/base", "--steps", "10",
                      "--progress", "0"}, 300000).exit_code, 0);
    const QStringList run_args = {"grpo", "--project", project, "--no-baselines", "--no-eval", "--json", "device=cpu",
                                  "data.dataset=sample", "data.max_users=40", "grpo.num_generations=2",
                                  "grpo.per_device_train_batch_size=4", "grpo.max_steps=8", "grpo.save_steps=2",
                                  "grpo.max_prompt_length=128", "grpo.max_completion_length=12"};
    QProcess p;
    p.start(QStringLiteral(RECFORGE_CLI_PATH), run_args);
    QVERIFY(p.waitForStarted(30000));
    QByteArray seen;
    QDeadlineTimer deadline(300000);
    while (!seen.contains("\"step\":3,") && !deadline.hasExpired() && p.state() == QProcess::Running) {
      p.waitForReadyRead(200);
      seen += p.readAllStandardOutput();
    }
    QVERIFY2(seen.contains("\"step\":3,"), (seen + p.readAllStandardError()).constData());
    p.kill();  // SIGKILL: no handler runs, nothing is flushed
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);

    const CliRun r = cli_run({"resume", "--project", project, "1", "--json"}, 300000);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.contains("\"status\":\"finished\""), r.out.constData());
    const std::string store = rf::run_store_path(project.toStdString());
    rf::SqliteDb db = rf::run_store_open(store, false);
    QCOMPARE(rf::run_store_integrity_check(db), std::string("ok"));
    std::vector<int64_t> steps;
    for (const rf::MetricRow& m : rf::run_store_metrics(db, 1, "reward")) steps.push_back(m.step);
    QCOMPARE(steps, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    QCOMPARE(rf::run_store_trajectory_steps(db, 1), steps);
    for (int64_t s : steps) QCOMPARE(rf::run_store_trajectories(db, 1, s).size(), size_t(4));
    QCOMPARE(rf::run_store_run(db, 1)->status, std::string("finished"));
    int resumes = 0;
    for (const rf::EventRow& e : rf::run_store_events(db, 1))
      if (e.kind == rf::RunEventKind::resume) {
        ++resumes;
        QVERIFY(e.step == 2 || e.step == 4);  // the last checkpoint before the kill
      }
    QCOMPARE(resumes, 1);
  }

  // The main job, shortened to a few steps of each stage (4 GRPO steps: two to compare with two): the project is made, the base model
  // trained, one SFT and two GRPO runs finish in the run store, and the summary holds the baselines and
  // the three models on the table's five metrics for the held-out users. (Whether the checks pass needs
  // the full-length demo; that is measured in docs/results.md, not here.)
  void demo_runs_sft_then_grpo_into_the_store() {
    QTemporaryDir tmp;
    const QString project = tmp.filePath("demo");
    const CliRun r = cli_run({"demo", "--project", project, "--pretrain-steps", "10", "--sft-steps", "2", "--grpo-steps", "4",
                              "--generations", "2", "--prompts", "2", "--grpo-users", "2", "--eval-users", "3", "--completion-tokens", "24", "--json"},
                             480000);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    const nlohmann::json summary = nlohmann::json::parse(lines.back().toStdString());
    QCOMPARE(summary["event"].get<std::string>(), std::string("summary"));
    const nlohmann::json& table = summary["table"];
    for (const char* row : {"pop", "itemknn", "sasrec", "SFT", "GRPO div=0", "GRPO div=3"}) {
      QVERIFY2(table.contains(row), row);
      for (const char* m : {"recall@10", "ndcg@10"}) {
        const double v = table[row][m].get<double>();
        QVERIFY2(v >= 0 && v <= 1, (std::string(row) + " " + m).c_str());
      }
      for (const char* m : {"ilad", "novelty", "satisfaction"}) QVERIFY2(table[row].contains(m), (std::string(row) + " " + m).c_str());
    }
    QCOMPARE(summary["runs"].size(), size_t(3));
    // Each check comes with its noise: the difference and its standard error. The paired differences are
    // over the same 3 users, so their mean is the difference of the table's two means. (The reward's is
    // checked against the stored trajectories below.)
    const nlohmann::json& checks = summary["checks"];
    struct Gap {
      const char *diff, *se, *check;
      double expected;
      bool beyond_when_positive;
    };
    const Gap gaps[] = {
        {"ilad_difference", "ilad_difference_se", "diversity_beyond_noise",
         table["GRPO div=3"]["ilad"].get<double>() - table["GRPO div=0"]["ilad"].get<double>(), true},
        {"ndcg_difference", "ndcg_difference_se", "grpo_below_sft_beyond_noise",
         table["GRPO div=0"]["ndcg@10"].get<double>() - table["SFT"]["ndcg@10"].get<double>(), false},
    };
    for (const Gap& g : gaps) {
      const double diff = summary[g.diff].get<double>(), se = summary[g.se].get<double>();
      QVERIFY2(std::abs(diff - g.expected) < 1e-12, g.diff);
      QVERIFY2(std::isfinite(se) && se >= 0, g.se);
      const bool beyond = g.beyond_when_positive ? diff > 2 * se : -diff > 2 * se;
      QVERIFY2(checks[g.check].get<bool>() == beyond, g.check);
    }

    // eval --project: run 2's last checkpoint asked its own questions again gives the table's GRPO row; run
    // 3's model asked the same questions (--against) gives its row, and the paired differences over the same
    // 3 users are the differences of the two rows' means.
    {
      const CliRun e = cli_run({"eval", "--project", project, "--run", "2", "--against", "3", "--json"}, 240000);
      QVERIFY2(e.exit_code == 0, e.err.constData());
      const nlohmann::json j = out_json(e);
      QCOMPARE(j["prompts"].get<int>(), 3);
      QCOMPARE(j["step"].get<int>(), 4);
      QCOMPARE(j["against"]["run"].get<int>(), 3);
      for (const char* m : {"recall@10", "ndcg@10", "ilad", "novelty"}) {
        QCOMPARE(j["metrics"][m].get<double>(), table["GRPO div=0"][m].get<double>());
        QCOMPARE(j["against"]["metrics"][m].get<double>(), table["GRPO div=3"][m].get<double>());
      }
      int paired = 0;
      for (const auto& d : j["against"]["differences"]) {
        const std::string m = d["metric"].get<std::string>();
        if (m != "ndcg@10" && m != "ilad") continue;
        ++paired;
        QCOMPARE(d["pairs"].get<int>(), 3);
        QVERIFY2(std::abs(d["difference"].get<double>() - (table["GRPO div=3"][m].get<double>() - table["GRPO div=0"][m].get<double>())) < 1e-12,
                 m.c_str());
      }
      QCOMPARE(paired, 2);
    }

    // The reward's rise from the stored trajectories of the first GRPO run (run 2): 4 steps, each with
    // both of its 2 users (--grpo-users 2, --prompts 2), so the first 2 steps and the last 2 pair up user
    // by user: per user, the mean of its groups' mean totals in steps 3-4 minus that in steps 1-2; two
    // differences d1, d2 have mean (d1 + d2) / 2 and standard error |d1 - d2| / 2.
    {
      const QString dir = tmp.filePath("export2");
      QCOMPARE(cli_run({"export", "--project", project, "--run", "2", "--out", dir, "--what", "trajectories"}).exit_code, 0);
      QFile f(dir + "/trajectories.jsonl");
      QVERIFY(f.open(QIODevice::ReadOnly));
      std::map<std::pair<int64_t, int64_t>, std::pair<int64_t, std::vector<double>>> groups;  // (step, group) -> user, totals
      for (const QByteArray& line : f.readAll().trimmed().split('\n')) {
        const nlohmann::json t = nlohmann::json::parse(line.toStdString());
        auto& g = groups[{t["step"].get<int64_t>(), t["group"].get<int64_t>()}];
        g.first = t["user"].get<int64_t>();
        g.second.push_back(t["total"].get<double>());
      }
      QCOMPARE(groups.size(), size_t(8));
      std::map<int64_t, double> step_sum, early, late;
      std::map<int64_t, int> early_n, late_n;
      for (const auto& [key, g] : groups) {
        double mean = 0;
        for (double v : g.second) mean += v / static_cast<double>(g.second.size());
        step_sum[key.first] += mean / 2;
        if (key.first <= 2) { early[g.first] += mean; ++early_n[g.first]; }
        else { late[g.first] += mean; ++late_n[g.first]; }
      }
      QCOMPARE(early.size(), size_t(2));
      std::vector<double> d;
      for (const auto& [user, sum] : early) d.push_back(late.at(user) / late_n.at(user) - sum / early_n.at(user));
      QVERIFY(std::abs(summary["reward_first10"].get<double>() - (step_sum[1] + step_sum[2]) / 2) < 1e-9);
      QVERIFY(std::abs(summary["reward_last10"].get<double>() - (step_sum[3] + step_sum[4]) / 2) < 1e-9);
      QCOMPARE(summary["reward_rise_paired_users"].get<int64_t>(), int64_t(2));
      QVERIFY(std::abs(summary["reward_rise"].get<double>() - (d[0] + d[1]) / 2) < 1e-9);
      QVERIFY(std::abs(summary["reward_rise_se"].get<double>() - std::abs(d[0] - d[1]) / 2) < 1e-9);
      const bool beyond = summary["reward_rise"].get<double>() > 2 * summary["reward_rise_se"].get<double>();
      QCOMPARE(checks["reward_rises_beyond_noise"].get<bool>(), beyond);
    }

    // `compare` pairs the stored per-user values: the same differences and standard errors as the summary,
    // computed from the run store instead of the demo's memory.
    auto compared = [&](const QStringList& extra, const std::string& metric) {
      const CliRun c = cli_run(QStringList{"compare", "--project", project, "--json"} + extra);
      if (c.exit_code != 0) qWarning("%s", c.err.constData());
      const nlohmann::json all = out_json(c);
      for (const auto& m : all["metrics"])
        if (m["metric"] == metric) return m;
      return nlohmann::json();
    };
    const nlohmann::json acc = compared({"1", "2"}, "ndcg@10"), div = compared({"2", "3"}, "ilad");
    QCOMPARE(acc["pairs"].get<int64_t>(), int64_t(3));
    QVERIFY(std::abs(acc["difference"].get<double>() - summary["ndcg_difference"].get<double>()) < 1e-12);
    QVERIFY(std::abs(acc["se"].get<double>() - summary["ndcg_difference_se"].get<double>()) < 1e-12);
    QVERIFY(std::abs(div["difference"].get<double>() - summary["ilad_difference"].get<double>()) < 1e-12);
    QVERIFY(std::abs(div["se"].get<double>() - summary["ilad_difference_se"].get<double>()) < 1e-12);
    // A baseline of the SFT run against the GRPO model: its mean is the table's.
    const nlohmann::json base = compared({"1", "2", "--subject-a", "itemknn"}, "ndcg@10");
    QVERIFY(std::abs(base["mean_a"].get<double>() - table["itemknn"]["ndcg@10"].get<double>()) < 1e-12);
    const CliRun one = cli_run({"compare", "--project", project, "1"});
    QVERIFY(one.exit_code != 0 && one.err.contains("give two run ids"));
    const CliRun missing = cli_run({"compare", "--project", project, "1", "7"});
    QVERIFY2(missing.exit_code != 0 && missing.err.contains("7"), missing.err.constData());

    const CliRun list = cli_run({"runs", "--project", project, "--json"});
    QCOMPARE(list.exit_code, 0);
    const nlohmann::json runs = out_json(list);
    QCOMPARE(runs.size(), size_t(3));
    for (const auto& run : runs) QCOMPARE(run["status"].get<std::string>(), std::string("finished"));
    QCOMPARE(runs[0]["kind"].get<std::string>(), std::string("grpo"));
    QCOMPARE(runs[0]["last_step"].get<int64_t>(), int64_t(4));
    QCOMPARE(runs[2]["kind"].get<std::string>(), std::string("sft"));
  }

  // `demo --broad 50`: traces with stated plans go to a file of their own, about half of them broad, and
  // the SFT run trains on that file.
  void demo_broad_plans_have_their_own_traces() {
    QTemporaryDir tmp;
    const QString project = tmp.filePath("demo");
    const CliRun r = cli_run({"demo", "--project", project, "--broad", "50", "--pretrain-steps", "5", "--sft-steps", "1", "--grpo-steps",
                              "1", "--generations", "2", "--eval-users", "2", "--completion-tokens", "16", "--json"},
                             480000);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const QString traces = project + "/traces/list-broad50.jsonl";
    QVERIFY(QFileInfo::exists(traces));
    QVERIFY(!QFileInfo::exists(project + "/traces/list.jsonl"));
    QFile f(traces);
    QVERIFY(f.open(QIODevice::ReadOnly));
    int broad = 0, focused = 0;
    for (const QByteArray& line : f.readAll().trimmed().split('\n')) {
      const auto plan = nlohmann::json::parse(line.toStdString())["plan"].get<std::string>();
      broad += plan == "broad";
      focused += plan == "focused";
    }
    QCOMPARE(broad + focused, 300);  // every sample-world user, each with a stated plan
    QVERIFY2(broad > 100 && focused > 100, qPrintable(QString("%1 broad, %2 focused").arg(broad).arg(focused)));
    const CliRun sft = cli_run({"runs", "--project", project, "--json"});
    QCOMPARE(sft.exit_code, 0);
    const nlohmann::json runs = out_json(sft);
    QCOMPARE(runs[2]["kind"].get<std::string>(), std::string("sft"));
    const CliRun show = cli_run({"runs", "--project", project, "--run", QString::number(runs[2]["id"].get<int64_t>()), "--json"});
    QVERIFY2(show.out.contains("list-broad50.jsonl"), show.out.constData());
    QVERIFY(cli_run({"demo", "--project", project, "--broad", "101"}).exit_code != 0);
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
