// Runs of a project end to end through core/engine (run_execute.h, run_controller.h) on the sample world
// with a small model pretrained here: every GRPO step lands in the run store (metrics under TRL's names,
// one trajectory per completion whose total is its weighted breakdown and whose advantages are centred
// per group, checkpoints, events); a run cut off after a checkpoint resumes with the same curves as an
// uninterrupted one (same seed: the resumed steps' rewards and losses are those of the straight run);
// the controller pauses, takes live weight / temperature changes at the next step, and stops with a
// checkpoint; β = 0 builds no reference model; an SFT run records its loss and checkpoints, and one cut
// after a checkpoint resumes with the straight run's losses.
#include "data/dataset_store.h"
#include "engine/run_constraint.h"
#include "engine/run_controller.h"
#include "engine/run_eval.h"
#include "engine/run_evaluate.h"
#include "engine/run_execute.h"
#include "engine/run_model.h"
#include "engine/run_setup.h"
#include "reward/reward_presets.h"
#include "store/project.h"
#include "store/run_store.h"
#include "teacher/pretrain_corpus.h"
#include "text/tokenizer.h"
#include "train/grpo_trainer.h"
#include "train/pretrain.h"
#include "util/error.h"

#include "support/sample_project.h"
#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace fs = std::filesystem;

namespace {

rf::RunExecuteOptions quiet_options(bool resume = false) {
  rf::RunExecuteOptions o;
  o.resume = resume;
  o.baselines = false;
  o.evaluate = false;
  o.threads = 2;
  return o;
}

std::map<int64_t, std::map<std::string, double>> metrics_by_step(rf::SqliteDb& db, int64_t run) {
  std::map<int64_t, std::map<std::string, double>> out;
  for (const rf::MetricRow& m : rf::run_store_metrics(db, run)) out[m.step][m.name] = m.value;
  return out;
}

std::vector<int64_t> event_steps(rf::SqliteDb& db, int64_t run, rf::RunEventKind kind) {
  std::vector<int64_t> out;
  for (const rf::EventRow& e : rf::run_store_events(db, run))
    if (e.kind == kind) out.push_back(e.step);
  return out;
}

// A constraint for tests: the same two ids at every position.
class TwoIds final : public rf::TokenConstraint {
 public:
  explicit TwoIds(std::vector<int64_t> ids) : ids_(std::move(ids)) {}
  const std::vector<int64_t>* allowed() override { return &ids_; }
  void advance(int64_t) override {}

 private:
  std::vector<int64_t> ids_;
};

struct CutAfter {};  // thrown from a hook to end a run the way a crash would: no stop, no final checkpoint

}  // namespace

class TestRunExecute : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string project_;

  rf::SqliteDb db() { return rf::run_store_open(rf::run_store_path(project_), false); }
  std::string status_of(int64_t run) {
    rf::SqliteDb d = db();
    return rf::run_store_run(d, run)->status;
  }

  // The List prompts of up to 6 test users with k = 5 and the given assistant prefill.
  // The model's answers to `prompts` as an evaluation writes them (seed 3 when sampled).
  static rf::ModelAnswers eval_answers(rf::RunModel& m, const std::vector<rf::RecipePrompt>& prompts, rf::RewardComposite& reward,
                                       const rf::RewardContext& context, int max_new, int max_prompt, bool greedy, bool constrain) {
    rf::RunEvalOptions o;
    o.max_new_tokens = max_new;
    o.max_prompt_length = max_prompt;
    o.greedy = greedy;
    o.seed = 3;
    o.constrain_answer = constrain;
    return rf::run_eval_model_answers(m, prompts, reward, context, o);
  }

  static std::vector<rf::RecipePrompt> test_prompts_k5(const rf::RunData& d, const rf::RunConfig& c, const std::string& prefill) {
    std::vector<rf::RecipePrompt> prompts = rf::recipe_prompts_build(d.ds, d.split, rf::run_prompt_options(c, "test", 6));
    for (auto& p : prompts) {
      p.prefill = prefill;
      p.k = 5;
    }
    return prompts;
  }

  // An SFT config on 24 made-up traces written into the project: batches of 4, a checkpoint every 2 steps.
  rf::RunConfig sft_config(int steps) {
    const std::string traces = project_ + "/traces/list.jsonl";
    fs::create_directories(project_ + "/traces");
    {
      std::ofstream f(traces);
      for (int i = 0; i < 24; ++i)
        f << nlohmann::json({{"prompt", "Recommend for user " + std::to_string(i)}, {"completion", "<answer>item " + std::to_string(i % 5) + "</answer>"}}).dump()
          << "\n";
    }
    rf::RunConfig c = rf::test::sample_grpo_config(1, 0);
    c.trainer = "sft";
    c.sft.max_steps = steps;
    c.sft.per_device_train_batch_size = 4;
    c.sft.learning_rate = 1e-3;
    c.sft.save_steps = 2;
    c.sft.max_length = 96;
    c.sft.logging_steps = 1;
    return c;
  }

  // Two runs of `c`: one straight to the end, one cut (as by a crash) when step `cut_at` is reported.
  // Returns (straight, cut); the cut run is left for the caller to resume.
  std::pair<int64_t, int64_t> run_straight_and_cut(const rf::RunConfig& c, int64_t cut_at) {
    const int64_t straight = rf::run_create(project_, c);
    rf::RunControl c1;
    if (rf::run_execute(project_, straight, &c1, {}, quiet_options()).status != "finished") return {-1, -1};
    const int64_t cut = rf::run_create(project_, c);
    rf::RunHooks crash;
    crash.on_step = [cut_at](const rf::RunProgress& p) {
      if (p.step == cut_at) throw CutAfter{};
    };
    rf::RunControl c2;
    try {
      rf::run_execute(project_, cut, &c2, crash, quiet_options());
    } catch (const CutAfter&) {
      return {straight, cut};
    }
    return {straight, -1};  // never cut
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    project_ = dir_.filePath("project").toStdString();
    rf::test::sample_project_make(project_);
  }

  void grpo_run_records_every_step() {
    const int64_t run = rf::run_create(project_, rf::test::sample_grpo_config(4, 2));
    std::vector<int64_t> hook_steps;
    rf::RunHooks hooks;
    hooks.on_step = [&](const rf::RunProgress& p) { hook_steps.push_back(p.step); };
    rf::RunControl control;
    const rf::RunOutcome out = rf::run_execute(project_, run, &control, hooks, quiet_options());
    QCOMPARE(out.status, std::string("finished"));
    QCOMPARE(out.steps, int64_t(4));
    QCOMPARE(hook_steps, (std::vector<int64_t>{1, 2, 3, 4}));

    rf::SqliteDb d = db();
    QCOMPARE(rf::run_store_run(d, run)->status, std::string("finished"));
    const auto metrics = metrics_by_step(d, run);
    QCOMPARE(metrics.size(), size_t(4));
    for (const auto& [step, m] : metrics) {
      for (const char* name : {"reward", "reward_std", "frac_reward_zero_std", "rewards/ndcg/mean", "rewards/diversity/mean", "loss",
                               "learning_rate", "grad_norm", "completions/mean_length", "step_time"})
        QVERIFY2(m.count(name), (std::to_string(step) + ": " + name).c_str());
      QVERIFY(!m.count("kl"));  // β = 0: no KL, as TRL
      QCOMPARE(m.at("learning_rate"), 1e-3);
      QVERIFY(m.at("completions/mean_length") >= 1 && m.at("completions/mean_length") <= 12);
    }
    // Trajectories: 2 groups x 2 completions per step; totals are the weighted sums of their breakdowns,
    // advantages are centred within each group, and the step's mean total is its "reward" metric.
    QCOMPARE(rf::run_store_trajectory_steps(d, run), (std::vector<int64_t>{1, 2, 3, 4}));
    const rf::Tokenizer tokenizer = rf::Tokenizer::load(rf::run_sample_model_dir(project_));
    for (int64_t step = 1; step <= 4; ++step) {
      const std::vector<rf::TrajectoryRow> rows = rf::run_store_trajectories(d, run, step);
      QCOMPARE(rows.size(), size_t(4));
      double total_sum = 0;
      std::map<int64_t, double> adv_sum;
      for (const rf::TrajectoryRow& t : rows) {
        double weighted = 0;
        for (const auto& term : t.rewards)
          if (!term["weighted"].is_null()) weighted += term["weighted"].get<double>();
        QVERIFY(std::abs(weighted - t.total) < 1e-6);
        QVERIFY(t.tokens >= 1 && t.tokens <= 12);
        // The sampled ids and their log-probs: one per generated token; the ids decode to the completion
        // (the List preset has no prefill) with the model's own tokenizer.
        QCOMPARE(t.token_ids.size(), static_cast<size_t>(t.tokens));
        QCOMPARE(t.token_logprobs.size(), static_cast<size_t>(t.tokens));
        for (float lp : t.token_logprobs) QVERIFY(std::isfinite(lp) && lp <= 1e-6f);
        QCOMPARE(tokenizer.decode(t.token_ids, true), t.completion);
        QVERIFY(t.parsed.contains("format_ok"));
        QVERIFY(t.user >= 0);
        total_sum += t.total;
        adv_sum[t.group_id] += t.advantage;
      }
      QCOMPARE(adv_sum.size(), size_t(2));
      for (const auto& [g, s] : adv_sum) QVERIFY(std::abs(s) < 1e-4);
      QVERIFY(std::abs(total_sum / 4 - metrics.at(step).at("reward")) < 1e-5);
    }
    // Checkpoints every 2 steps, each a whole folder with the trainer's state, each announced as an event.
    const auto cks = rf::run_store_checkpoints(d, run);
    QCOMPARE(cks.size(), size_t(2));
    QCOMPARE(cks[0].step, int64_t(2));
    QCOMPARE(cks[1].step, int64_t(4));
    for (const auto& ck : cks) {
      QVERIFY(fs::is_regular_file(fs::path(ck.path) / "trainer_state.json"));
      QVERIFY(fs::is_regular_file(fs::path(ck.path) / "model.safetensors"));
      QVERIFY(!fs::exists(ck.path + ".tmp"));
    }
    QCOMPARE(out.checkpoint, cks[1].path);
    QCOMPARE(event_steps(d, run, rf::RunEventKind::checkpoint), (std::vector<int64_t>{2, 4}));
    QCOMPARE(rf::run_store_integrity_check(d), std::string("ok"));
  }

  // The run dies after step 3 (past the checkpoint at 2): resuming cuts the store back to step 2 and runs
  // 3 and 4 again, giving exactly the numbers of a run that was never interrupted.
  void resume_continues_the_same_curves() {
    const auto [straight, cut] = run_straight_and_cut(rf::test::sample_grpo_config(4, 2), 3);
    QVERIFY(straight >= 0 && cut >= 0);
    {
      rf::SqliteDb d = db();
      QCOMPARE(rf::run_store_last_step(d, cut), int64_t(3));  // step 3 was recorded, its checkpoint was not
      QCOMPARE(rf::run_store_checkpoints(d, cut).size(), size_t(1));
    }
    rf::RunControl c3;
    const rf::RunOutcome resumed = rf::run_execute(project_, cut, &c3, {}, quiet_options(true));
    QCOMPARE(resumed.status, std::string("finished"));
    QCOMPARE(resumed.rewards.size(), size_t(2));  // steps 3 and 4 only

    rf::SqliteDb d = db();
    const auto a = metrics_by_step(d, straight), b = metrics_by_step(d, cut);
    QCOMPARE(b.size(), size_t(4));
    QCOMPARE(rf::run_store_trajectory_steps(d, cut), (std::vector<int64_t>{1, 2, 3, 4}));
    QCOMPARE(rf::run_store_trajectories(d, cut, 3).size(), size_t(4));  // not 8: the first step 3 is gone
    for (int64_t step = 1; step <= 4; ++step)
      for (const char* name : {"reward", "loss", "grad_norm", "completions/mean_length"}) {
        const double x = a.at(step).at(name), y = b.at(step).at(name);
        QVERIFY2(std::abs(x - y) <= 1e-4 * (1 + std::abs(x)),
                 (std::to_string(step) + " " + name + ": " + std::to_string(x) + " vs " + std::to_string(y)).c_str());
      }
    for (int64_t step = 3; step <= 4; ++step) {
      const auto ta = rf::run_store_trajectories(d, straight, step), tb = rf::run_store_trajectories(d, cut, step);
      for (size_t i = 0; i < ta.size(); ++i) QCOMPARE(tb[i].completion, ta[i].completion);
    }
    QCOMPARE(event_steps(d, cut, rf::RunEventKind::resume), (std::vector<int64_t>{2}));
    QCOMPARE(rf::run_store_integrity_check(d), std::string("ok"));
  }

  // A run with nothing to resume from: a clear error, and the run is not left "running".
  void resume_without_a_run_fails_clearly() {
    rf::RunControl c;
    try {
      rf::run_execute(project_, 9999, &c, {}, quiet_options(true));
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("9999") != std::string::npos, e.what());
    }
  }

  // The controller on its own thread: pause after step 1 (a reader sees "paused" in the store while the
  // model waits in memory), a diversity weight, a temperature and a learning rate set while paused apply
  // from step 2 and are events; stop after step 3 checkpoints first.
  void controller_pauses_steers_and_stops() {
    const int64_t run = rf::run_create(project_, rf::test::sample_grpo_config(50, 0));
    rf::RunController ctl;
    std::atomic<int64_t> last{0};
    rf::RunHooks hooks;
    hooks.on_step = [&](const rf::RunProgress& p) {
      last = p.step;
      if (p.step == 1) ctl.pause();
      if (p.step == 3) ctl.stop();
    };
    ctl.start(project_, run, hooks, quiet_options());
    QVERIFY_THROWS_EXCEPTION(rf::Error, ctl.start(project_, run, hooks, quiet_options()));  // one run at a time
    QTRY_VERIFY_WITH_TIMEOUT(status_of(run) == "paused", 60000);
    QCOMPARE(ctl.state(), rf::RunState::paused);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    QCOMPARE(last.load(), int64_t(1));  // nothing runs while paused
    ctl.set_weight("diversity", 2.5);
    ctl.set_temperature(0.7);
    ctl.set_learning_rate(5e-4);
    ctl.resume();
    ctl.wait();
    QCOMPARE(ctl.state(), rf::RunState::stopped);
    const rf::RunOutcome out = ctl.outcome();
    QCOMPARE(out.status, std::string("stopped"));
    QCOMPARE(out.steps, int64_t(3));

    rf::SqliteDb d = db();
    QCOMPARE(rf::run_store_run(d, run)->status, std::string("stopped"));
    QCOMPARE(event_steps(d, run, rf::RunEventKind::pause), (std::vector<int64_t>{1}));
    QCOMPARE(event_steps(d, run, rf::RunEventKind::resume), (std::vector<int64_t>{1}));
    QCOMPARE(event_steps(d, run, rf::RunEventKind::stop), (std::vector<int64_t>{3}));
    QCOMPARE(event_steps(d, run, rf::RunEventKind::checkpoint), (std::vector<int64_t>{3}));
    std::map<std::string, std::pair<double, double>> changes;
    for (const rf::EventRow& e : rf::run_store_events(d, run))
      if (e.kind == rf::RunEventKind::weight_change) {
        QCOMPARE(e.step, int64_t(2));
        changes[e.payload.value("component", e.payload.value("setting", std::string()))] = {e.payload["old"].get<double>(),
                                                                                            e.payload["new"].get<double>()};
      }
    QCOMPARE(changes.size(), size_t(3));
    QCOMPARE(changes["diversity"], std::make_pair(0.2, 2.5));
    QCOMPARE(changes["temperature"].second, 0.7);
    QCOMPARE(changes["learning_rate"].second, 5e-4);
    const auto m = metrics_by_step(d, run);
    QCOMPARE(m.at(1).at("learning_rate"), 1e-3);
    QCOMPARE(m.at(2).at("learning_rate"), 5e-4);
    auto diversity_weight = [&](int64_t step) {
      const std::vector<rf::TrajectoryRow> rows = rf::run_store_trajectories(d, run, step);  // kept alive for the loop
      for (const auto& term : rows.front().rewards)
        if (term["name"] == "diversity") return term["weight"].get<double>();
      return -1.0;
    };
    QCOMPARE(diversity_weight(1), 0.2);
    QCOMPARE(diversity_weight(2), 2.5);
    QCOMPARE(diversity_weight(3), 2.5);
    QCOMPARE(rf::run_store_checkpoints(d, run).back().step, int64_t(3));
  }

  // An SFT run on the project's traces: loss per step, checkpoints, finished.
  void sft_run_records_loss_and_checkpoints() {
    rf::RunConfig c = sft_config(3);
    const int64_t run = rf::run_create(project_, c);
    rf::RunControl control;
    const rf::RunOutcome out = rf::run_execute(project_, run, &control, {}, quiet_options());
    QCOMPARE(out.status, std::string("finished"));
    rf::SqliteDb d = db();
    const auto m = metrics_by_step(d, run);
    QCOMPARE(m.size(), size_t(3));
    for (const auto& [step, row] : m) QVERIFY(std::isfinite(row.at("loss")) && row.at("loss") > 0);
    std::vector<int64_t> ck;
    for (const auto& r : rf::run_store_checkpoints(d, run)) ck.push_back(r.step);
    QCOMPARE(ck, (std::vector<int64_t>{2, 3}));
  }

  // save_total_limit: only the newest N checkpoint folders stay, the store records exactly those, and the
  // checkpoint events keep the whole history. SFT: checkpoints at 2, 4, 6, 8; GRPO: at 1, 2, 3, 4.
  void save_total_limit_keeps_the_newest_data() {
    QTest::addColumn<QString>("trainer");
    QTest::addColumn<int>("limit");
    QTest::addColumn<QList<qint64>>("kept");
    QTest::newRow("sft, all") << "sft" << 0 << QList<qint64>{2, 4, 6, 8};
    QTest::newRow("sft, 2") << "sft" << 2 << QList<qint64>{6, 8};
    QTest::newRow("grpo, 1") << "grpo" << 1 << QList<qint64>{4};
    QTest::newRow("grpo, 3") << "grpo" << 3 << QList<qint64>{2, 3, 4};
  }

  void save_total_limit_keeps_the_newest() {
    QFETCH(QString, trainer);
    QFETCH(int, limit);
    QFETCH(QList<qint64>, kept);
    rf::RunConfig c = trainer == "sft" ? sft_config(8) : rf::test::sample_grpo_config(4, 1);
    c.sft.save_total_limit = limit;
    c.grpo.save_total_limit = limit;
    const int64_t run = rf::run_create(project_, c);
    rf::RunControl control;
    QCOMPARE(rf::run_execute(project_, run, &control, {}, quiet_options()).status, std::string("finished"));

    rf::SqliteDb d = db();
    std::vector<int64_t> recorded;
    for (const auto& r : rf::run_store_checkpoints(d, run)) {
      recorded.push_back(r.step);
      QVERIFY2(fs::is_regular_file(fs::path(r.path) / "trainer_state.json"), r.path.c_str());
    }
    std::vector<int64_t> on_disk;
    for (const auto& e : fs::directory_iterator(rf::run_checkpoints_dir(project_, run)))
      on_disk.push_back(std::stoll(e.path().filename().string().substr(std::string("checkpoint-").size())));
    std::sort(on_disk.begin(), on_disk.end());
    const std::vector<int64_t> expect(kept.begin(), kept.end());
    QCOMPARE(recorded, expect);
    QCOMPARE(on_disk, expect);
    const std::vector<int64_t> every = trainer == "sft" ? std::vector<int64_t>{2, 4, 6, 8} : std::vector<int64_t>{1, 2, 3, 4};
    QCOMPARE(event_steps(d, run, rf::RunEventKind::checkpoint), every);
  }

  // A run killed after its step-4 checkpoint under save_total_limit 1 resumes from that one checkpoint
  // (the only one left) with the straight run's losses, and ends with only its last.
  void save_total_limit_resumes() {
    rf::RunConfig c = sft_config(8);
    c.sft.save_total_limit = 1;
    const auto [straight, cut] = run_straight_and_cut(c, 5);
    QVERIFY(straight >= 0 && cut >= 0);
    {
      rf::SqliteDb d = db();
      const auto cks = rf::run_store_checkpoints(d, cut);
      QCOMPARE(cks.size(), size_t(1));
      QCOMPARE(cks[0].step, int64_t(4));
    }
    rf::RunControl c3;
    QCOMPARE(rf::run_execute(project_, cut, &c3, {}, quiet_options(true)).status, std::string("finished"));
    rf::SqliteDb d = db();
    QCOMPARE(event_steps(d, cut, rf::RunEventKind::resume), (std::vector<int64_t>{4}));
    const auto a = metrics_by_step(d, straight), b = metrics_by_step(d, cut);
    QCOMPARE(b.size(), size_t(8));
    for (int64_t step = 5; step <= 8; ++step) {
      const double x = a.at(step).at("loss"), y = b.at(step).at("loss");
      QVERIFY2(std::abs(x - y) <= 1e-5 * (1 + std::abs(x)), (std::to_string(step) + ": " + std::to_string(x) + " vs " + std::to_string(y)).c_str());
    }
    const auto cks = rf::run_store_checkpoints(d, cut);
    QCOMPARE(cks.size(), size_t(1));
    QCOMPARE(cks[0].step, int64_t(8));
    QVERIFY(!fs::exists(fs::path(rf::run_checkpoints_dir(project_, cut)) / "checkpoint-4"));
    QCOMPARE(rf::run_store_integrity_check(d), std::string("ok"));
  }

  // A checkpoint another run starts from stays under save_total_limit: here a GRPO run is created from
  // the SFT run's step-4 checkpoint while the SFT run goes on with a limit of 1.
  void save_total_limit_spares_another_runs_model() {
    rf::RunConfig c = sft_config(8);
    c.sft.save_total_limit = 1;
    const int64_t sft = rf::run_create(project_, c);
    const std::string ck4 = (fs::path(rf::run_checkpoints_dir(project_, sft)) / "checkpoint-4").string();
    rf::RunHooks hooks;
    hooks.on_step = [&](const rf::RunProgress& p) {
      if (p.step != 4) return;
      rf::RunConfig g = rf::test::sample_grpo_config(2, 0);
      g.model.source = "hf";
      g.model.path = ck4;
      rf::run_create(project_, g);
    };
    rf::RunControl control;
    QCOMPARE(rf::run_execute(project_, sft, &control, hooks, quiet_options()).status, std::string("finished"));
    rf::SqliteDb d = db();
    std::vector<int64_t> recorded;
    for (const auto& r : rf::run_store_checkpoints(d, sft)) recorded.push_back(r.step);
    QCOMPARE(recorded, (std::vector<int64_t>{4, 8}));
    QVERIFY(fs::is_regular_file(fs::path(ck4) / "trainer_state.json"));
    QVERIFY(!fs::exists(fs::path(rf::run_checkpoints_dir(project_, sft)) / "checkpoint-6"));
  }

  // `recforge-cli eval --project`: a finished run's last checkpoint and its starting model (step 0), evaluated
  // again outside training with the run's config, give the run's own stored evaluations at steps 4 and 0,
  // metric for metric; more users means more prompts; a step without a checkpoint on disk is named.
  void run_evaluate_reproduces_the_runs_evaluations() {
    rf::RunConfig c = rf::test::sample_grpo_config(4, 2);
    c.eval.users = 3;
    const int64_t run = rf::run_create(project_, c);
    rf::RunExecuteOptions o = quiet_options();
    o.evaluate = true;
    rf::RunControl control;
    QCOMPARE(rf::run_execute(project_, run, &control, {}, o).status, std::string("finished"));
    std::map<int64_t, std::map<std::string, double>> stored;
    {
      rf::SqliteDb d = db();
      for (const rf::EvaluationRow& e : rf::run_store_evaluations(d, run))
        if (e.subject == "model") stored[e.step][e.metric] = e.value;
    }
    QCOMPARE(stored.size(), size_t(2));  // steps 0 and 4
    for (const int64_t step : {int64_t(-1), int64_t(0)}) {
      rf::RunEvaluateOptions eo;
      eo.step = step;
      eo.threads = 2;
      const rf::RunEvaluation e = rf::run_evaluate(project_, run, c, eo);
      const int64_t expect_step = step < 0 ? 4 : 0;
      QCOMPARE(e.step, expect_step);
      QCOMPARE(e.prompts, int64_t(3));
      const auto& want = stored.at(expect_step);
      QCOMPARE(e.model.size(), want.size());
      // Per-prompt rows for paired comparisons (eval --against): one value a prompt, averaging to the metric.
      for (const char* name : {"recall@10", "ndcg@10"}) {
        const std::vector<double>& r = e.rows.at(name);
        QCOMPARE(r.size(), size_t(3));
        double sum = 0;
        for (double v : r) sum += v;
        QVERIFY(std::abs(sum / 3 - want.at(name)) < 1e-12);
      }
      for (const auto& [name, v] : e.model) {
        QVERIFY2(want.count(name), name.c_str());
        QVERIFY2(std::isnan(v) ? std::isnan(want.at(name)) : v == want.at(name), (name + " at step " + std::to_string(expect_step)).c_str());
      }
    }
    QCOMPARE(rf::run_evaluate(project_, run, c, {}).model_dir, (fs::path(rf::run_checkpoints_dir(project_, run)) / "checkpoint-4").string());
    rf::RunConfig more = c;
    more.eval.users = 5;
    rf::RunEvaluateOptions at2;
    at2.step = 2;
    const rf::RunEvaluation e2 = rf::run_evaluate(project_, run, more, at2);
    QCOMPARE(e2.step, int64_t(2));
    QCOMPARE(e2.prompts, int64_t(5));
    // Another run's model on this run's questions: its model fields, everything else this config's.
    rf::RunConfig other = c;
    other.model.finetune = "lora";
    other.model.lora.r = 4;
    other.data.pool_size = 7;
    const rf::RunConfig asked = rf::run_config_with_model_of(c, other);
    QCOMPARE(asked.model.finetune, std::string("lora"));
    QCOMPARE(asked.model.lora.r, 4);
    QCOMPARE(asked.data.pool_size, c.data.pool_size);
    rf::RunEvaluateOptions at3;
    at3.step = 3;
    try {
      rf::run_evaluate(project_, run, c, at3);
      QFAIL("expected an error for step 3");
    } catch (const rf::Error& err) {
      QVERIFY2(std::string(err.what()).find("has no checkpoint of step 3; checkpoints on disk: 2, 4") != std::string::npos, err.what());
    }
  }

  // An SFT run cut (as by a crash) at step 5, after its step-4 checkpoint, resumes from step 4: steps 5..8
  // have the straight run's losses, each step is recorded once, and the store stays whole.
  // constrain_answer: once the prompt's prefill has opened the answer (the test model is too small to get
  // there itself), every answer is k distinct ids of the prompt's own pool, greedy or sampled — read off
  // the completion text here, not through the reward parser — while without it the same model writes
  // other things.
  void constrained_answers_list_the_pool() {
    const rf::RunConfig c = rf::test::sample_grpo_config(1, 0);
    const auto d = rf::run_data_open(project_, c);
    std::vector<rf::RecipePrompt> prompts = test_prompts_k5(*d, c, "<think>ok</think>\n<answer>");
    QVERIFY(prompts.size() >= 4);
    rf::RunModel m = rf::run_model_load(rf::run_sample_model_dir(project_), rf::run_model_load_options("cpu", "float32"));
    rf::RewardComposite reward(c.rewards, "rewards");
    auto answers = [&](bool greedy, bool constrain) { return eval_answers(m, prompts, reward, *d->context, 120, 96, greedy, constrain); };
    for (bool greedy : {true, false}) {
      const rf::ModelAnswers a = answers(greedy, true);
      for (size_t i = 0; i < prompts.size(); ++i) {
        const std::string& text = a.completions[i];
        const size_t open = text.find("<answer>["), close = text.find("]</answer>");
        QVERIFY2(open != std::string::npos && close != std::string::npos, text.c_str());
        QCOMPARE(text.substr(close), std::string("]</answer>"));  // nothing after it but the end of turn
        std::set<std::string> pool, listed;
        for (int32_t it : prompts[i].pool) pool.insert(d->ds.items[static_cast<size_t>(it)].id);
        std::stringstream entries(text.substr(open + 9, close - open - 9));
        std::string entry;
        int n = 0;
        while (std::getline(entries, entry, ',')) {
          if (n > 0) {
            QCOMPARE(entry.substr(0, 1), std::string(" "));
            entry.erase(0, 1);
          }
          QVERIFY2(pool.count(entry), (entry + " in " + text).c_str());
          listed.insert(entry);
          ++n;
        }
        QCOMPARE(n, 5);
        QCOMPARE(listed.size(), size_t(5));
        QCOMPARE(a.parsed[i].items.size(), size_t(5));
        QVERIFY(a.parsed[i].outside_pool.empty());
      }
    }
    int free_valid = 0;
    const rf::ModelAnswers f = answers(true, false);
    for (const rf::ParsedCompletion& p : f.parsed) free_valid += p.items.size() == 5 && p.outside_pool.empty();
    QVERIFY(free_valid < static_cast<int>(prompts.size()));

    // constrain_mentions: a reasoning opened with "[" names a pool item, and every later "[...]" in it names
    // another one, each once.
    for (auto& p : prompts) p.prefill = "<think>Best: [";
    rf::RunEvalOptions o;
    o.max_new_tokens = 120;  // the reasoning is closed ~60 tokens before the end, for the answer
    o.max_prompt_length = 96;
    o.greedy = false;
    o.seed = 5;
    o.constrain_answer = o.constrain_mentions = true;
    const rf::ModelAnswers a = rf::run_eval_model_answers(m, prompts, reward, *d->context, o);
    int mentions = 0;
    for (size_t i = 0; i < prompts.size(); ++i) {
      std::set<std::string> pool, named;
      for (int32_t it : prompts[i].pool) pool.insert(d->ds.items[static_cast<size_t>(it)].id);
      const std::string& text = a.completions[i];
      const size_t end = std::min(text.find("<answer>"), text.size());
      for (size_t at = text.find('['); at < end; at = text.find('[', at + 1)) {
        const size_t close = text.find(']', at);
        if (close == std::string::npos || close > end) break;  // cut by max_new_tokens inside a mention
        const std::string id = text.substr(at + 1, close - at - 1);
        QVERIFY2(pool.count(id) && named.insert(id).second, (id + " in " + text).c_str());
        ++mentions;
      }
      QVERIFY2(text.find(']') != std::string::npos, text.c_str());  // the first mention was completed
    }
    QVERIFY(mentions >= static_cast<int>(prompts.size()));
  }

  // SFT, GRPO and Try it evaluate with one mapping of the config: lengths, eval.greedy, the GRPO sampling
  // settings, the seed and the constraints.
  // The List metrics' ILAD and its standard error, recomputed here from the items' categories: each of six
  // prompts answered with a different 5 of its pool (its first 5, then windows further along).
  void list_metrics_ilad_and_its_standard_error() {
    const rf::RunConfig c = rf::test::sample_grpo_config(1, 0);
    const auto d = rf::run_data_open(project_, c);
    const std::vector<rf::RecipePrompt> prompts = test_prompts_k5(*d, c, "");
    QVERIFY(prompts.size() >= 4);
    std::vector<std::vector<int32_t>> lists;
    std::vector<double> want;
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto& pool = prompts[i].pool;
      QVERIFY(pool.size() >= 5 + i);
      lists.emplace_back(pool.begin() + static_cast<long>(i), pool.begin() + static_cast<long>(i + 5));
      double sum = 0;
      int pairs = 0;
      for (size_t a = 0; a < 5; ++a)
        for (size_t b = a + 1; b < 5; ++b, ++pairs) {
          const auto& ca = d->ds.items[static_cast<size_t>(lists.back()[a])].categories;
          const auto& cb = d->ds.items[static_cast<size_t>(lists.back()[b])].categories;
          const std::set<std::string> sa(ca.begin(), ca.end()), sb(cb.begin(), cb.end());
          std::set<std::string> all = sa;
          all.insert(sb.begin(), sb.end());
          const double common = static_cast<double>(sa.size() + sb.size() - all.size());
          sum += all.empty() ? 1.0 : 1.0 - common / static_cast<double>(all.size());
        }
      want.push_back(sum / pairs);
    }
    const double n = static_cast<double>(want.size());
    double mean = 0, ss = 0;
    for (double x : want) mean += x / n;
    for (double x : want) ss += (x - mean) * (x - mean);
    const rf::RunMetrics m = rf::run_eval_list_metrics(*d->context, prompts, lists, 5);
    QVERIFY(std::abs(rf::run_metric(m, "ilad") - mean) < 1e-12);
    QVERIFY(std::abs(rf::run_metric(m, "ilad_se") - std::sqrt(ss / (n - 1)) / std::sqrt(n)) < 1e-12);
    QVERIFY(rf::run_metric(m, "ilad_se") > 0);
    // One list has no spread to measure.
    QVERIFY(std::isnan(rf::run_metric(rf::run_eval_list_metrics(*d->context, {prompts[0]}, {lists[0]}, 5), "ilad_se")));
  }

  void eval_options_follow_the_config() {
    rf::RunConfig c = rf::test::sample_grpo_config(1, 0);
    c.grpo.max_completion_length = 77;
    c.grpo.max_prompt_length = 333;
    c.grpo.temperature = 0.7;
    c.grpo.top_p = 0.9;
    c.eval.greedy = false;
    c.seed = 42;
    c.constrain_answer = true;
    c.constrain_mentions = true;
    const rf::RunEvalOptions o = rf::run_eval_options(c);
    QCOMPARE(o.max_new_tokens, int64_t(77));
    QCOMPARE(o.max_prompt_length, int64_t(333));
    QCOMPARE(o.greedy, false);
    QCOMPARE(o.temperature, 0.7);
    QCOMPARE(o.top_p, 0.9);
    QCOMPARE(o.seed, uint64_t(42));
    QVERIFY(o.constrain_answer && o.constrain_mentions);
    c.eval.greedy = true;
    QCOMPARE(rf::run_eval_options(c).greedy, true);
  }

  // The tiny model, sampling at temperature 1 after "<think>", rarely closes its reasoning by itself and
  // often ends its turn inside it; under the constraint every completion ends with
  // "</think>\n<answer>[...]</answer>" within max_new_tokens: the end of turn is banned in the reasoning,
  // and the reasoning is closed in time (list_answer_reserve), or as soon as the model writes "</think>".
  void constrained_reasoning_is_closed_in_time_data() {
    QTest::addColumn<int>("max_new_tokens");
    QTest::newRow("96 tokens") << 96;
    QTest::newRow("128 tokens") << 128;
  }
  void constrained_reasoning_is_closed_in_time() {
    QFETCH(int, max_new_tokens);
    const rf::RunConfig c = rf::test::sample_grpo_config(1, 0);
    const auto d = rf::run_data_open(project_, c);
    const std::vector<rf::RecipePrompt> prompts = test_prompts_k5(*d, c, "<think>");
    QVERIFY(prompts.size() >= 4);
    rf::RunModel m = rf::run_model_load(rf::run_sample_model_dir(project_), rf::run_model_load_options("cpu", "float32"));
    rf::RewardComposite reward(c.rewards, "rewards");
    rf::RunEvalOptions o;
    o.max_new_tokens = max_new_tokens;
    o.max_prompt_length = 96;
    o.greedy = false;
    o.seed = 9;
    o.constrain_answer = true;
    const rf::ModelAnswers a = rf::run_eval_model_answers(m, prompts, reward, *d->context, o);
    for (size_t i = 0; i < prompts.size(); ++i) {
      const std::string& text = a.completions[i];
      QVERIFY2(a.tokens[i] <= max_new_tokens, text.c_str());
      QVERIFY2(a.parsed[i].tags_ok, text.c_str());
      QVERIFY2(text.find("</think>\n<answer>[") != std::string::npos, text.c_str());
      QCOMPARE(a.parsed[i].items.size(), size_t(5));
      QVERIFY(a.parsed[i].outside_pool.empty() && a.parsed[i].duplicates.empty());
    }
    // Without the constraint the same sampling loses answers to the length limit.
    o.constrain_answer = false;
    const rf::ModelAnswers f = rf::run_eval_model_answers(m, prompts, reward, *d->context, o);
    int complete = 0;
    for (const rf::ParsedCompletion& p : f.parsed) complete += p.tags_ok && p.items.size() == 5;
    QVERIFY(complete < static_cast<int>(prompts.size()));
  }

  // A GRPO step under a narrow constraint trains the policy it sampled from: every completion token is
  // one of two ids, and the trainer's own forward reports the entropy of a choice between two (at most
  // ln 2), where the same step without the constraint sees the whole vocabulary's (far above).
  void grpo_constrained_policy_is_the_allowed_softmax() {
    rf::RunModel m = rf::run_model_load(rf::run_sample_model_dir(project_), rf::run_model_load_options("cpu", "float32"));
    const std::vector<int64_t> two = {40, 41};
    auto step = [&](bool constrained) {
      std::vector<rf::GrpoPrompt> prompts;
      for (const char* text : {"The user likes", "Recommend"}) {
        const auto ids = m.tokenizer->encode(text);
        prompts.push_back({std::vector<int64_t>(ids.begin(), ids.end()), ""});
      }
      rf::GrpoScoreFn score = [&](const std::vector<int64_t>& prompt_index, const std::vector<std::string>& completions, int64_t) {
        rf::GrpoScores s;
        s.names = {"len"};
        s.weights = {1.0};
        for (size_t i = 0; i < completions.size(); ++i) {
          s.components.push_back({static_cast<double>(completions[i].size() % 7 + prompt_index[i])});
          s.totals.push_back(s.components.back()[0]);
        }
        return s;
      };
      rf::GrpoTrainerOptions o;
      o.config = rf::test::sample_grpo_config(1, 0).grpo;
      o.config.max_completion_length = 6;
      o.decode = [&](const std::vector<int64_t>& ids) { return rf::run_model_decode(m, ids); };
      if (constrained) o.constraint = [&](int64_t) { return std::make_unique<TwoIds>(two); };
      rf::GrpoTrainer trainer(*m.model, prompts, score, o);
      return trainer.train_step();
    };
    const rf::GrpoStepResult held = step(true), free = step(false);
    QVERIFY(!held.skipped);
    for (const rf::GrpoRollout& r : held.rollouts) {
      QCOMPARE(r.token_ids.size(), size_t(6));
      double p_sum = 0;
      for (size_t i = 0; i < r.token_ids.size(); ++i) {
        QVERIFY(r.token_ids[i] == two[0] || r.token_ids[i] == two[1]);
        QVERIFY(r.logprobs[i] <= 0 && r.logprobs[i] > std::log(1e-6));
        p_sum += std::exp(r.logprobs[i]);
      }
      QVERIFY(p_sum > 6 * 0.001);
    }
    const double h_held = rf::grpo_metric_get(held.metrics, "entropy"), h_free = rf::grpo_metric_get(free.metrics, "entropy");
    QVERIFY2(h_held > 0 && h_held <= std::log(2.0) + 1e-5, std::to_string(h_held).c_str());
    QVERIFY2(h_free > 1.0, std::to_string(h_free).c_str());
  }

  // constrain_answer on the Rating recipe (tagged_blocks_constraint.h): the test's tiny model, left to
  // itself, runs to its length limit without closing its blocks; held to the format it ends every answer
  // in the four blocks and a rating of the scale, greedy or sampled, and the recipe's parser (not the
  // constraint) finds each one whole.
  void constrained_rating_answers_parse() {
    rf::RunConfig c = rf::test::sample_grpo_config(1, 0);
    c.recipe = "rating";
    c.rewards = rf::RewardComposite(rf::reward_preset("reczero"), "rewards").to_json();
    const auto d = rf::run_data_open(project_, c);
    const std::vector<rf::RecipePrompt> prompts = rf::recipe_prompts_build(d->ds, d->split, rf::run_prompt_options(c, "test", 6));
    QVERIFY(prompts.size() >= 4);
    rf::RunModel m = rf::run_model_load(rf::run_sample_model_dir(project_), rf::run_model_load_options("cpu", "float32"));
    rf::RewardComposite reward(c.rewards, "rewards");
    // 120 new tokens: the four blocks' tags alone take about 50 of this tokenizer's tokens.
    auto answers = [&](bool greedy, bool constrain) { return eval_answers(m, prompts, reward, *d->context, 120, 400, greedy, constrain); };
    for (bool greedy : {true, false}) {
      const rf::ModelAnswers a = answers(greedy, true);
      for (size_t i = 0; i < prompts.size(); ++i) {
        QVERIFY2(a.parsed[i].format_ok(), a.completions[i].c_str());
        QVERIFY(a.parsed[i].rating >= 1 && a.parsed[i].rating <= 5);
        QVERIFY2(a.completions[i].rfind("<analyze user>", 0) == 0, a.completions[i].c_str());
      }
    }
    // Only the Rating preset's answer is a number of the scale; a Query answer is {"query": "<free words>"},
    // though its prompts carry the interaction's rating too.
    auto answer_rule = [&](const rf::RecipePrompt& p, const std::string& written) {
      auto k = rf::run_answer_constraint(m, d->ds, p, false, 200);
      for (int32_t id : m.tokenizer->encode(written)) k->advance(id);
      return k;
    };
    auto rate = answer_rule(prompts[0], "<analyze user>a</analyze user>\n<analyze item>b</analyze item>\n<match>c</match>\n<rate>");
    QVERIFY(rate->allowed() && rate->allowed()->size() < 100);
    rf::RunConfig qc = c;
    qc.recipe = "query";
    qc.rewards = rf::RewardComposite(rf::reward_preset("rec-r1"), "rewards").to_json();
    const auto qd = rf::run_data_open(project_, qc);
    const std::vector<rf::RecipePrompt> queries = rf::recipe_prompts_build(qd->ds, qd->split, rf::run_prompt_options(qc, "test", 2));
    QVERIFY(!queries.empty() && std::isfinite(queries[0].true_rating));
    QVERIFY(answer_rule(queries[0], "plan</think>\n<answer>{")->allowed());  // the slot's opening: forced
    QVERIFY(!answer_rule(queries[0], "plan</think>\n<answer>{\"query\": \"shoes")->allowed());  // free words

    int free_ok = 0;
    const rf::ModelAnswers loose = answers(true, false);
    for (size_t i = 0; i < prompts.size(); ++i) free_ok += loose.parsed[i].format_ok();
    QVERIFY2(free_ok < static_cast<int>(prompts.size()), "the unconstrained model already writes the format: the test shows nothing");
  }

  // A GRPO step that runs out of memory (here for real: a prompt of 200,000 tokens asks the CPU allocator
  // for (T, T) attention tensors of 40 GB and more, which it refuses) throws GrpoOutOfMemory naming the
  // settings to lower; run_execute_grpo turns that into a checkpoint and an error event.
  void grpo_out_of_memory_names_the_settings() {
    {
      std::ifstream f("/proc/sys/vm/overcommit_memory");
      int mode = 0;
      if (f >> mode && mode == 1)  // every allocation granted: the kernel would kill the test instead
        QSKIP("vm.overcommit_memory is 1: a refused allocation cannot be provoked safely");
    }
    rf::RunModel m = rf::run_model_load(rf::run_sample_model_dir(project_), rf::run_model_load_options("cpu", "float32"));
    std::vector<rf::GrpoPrompt> prompts = {{std::vector<int64_t>(200000, 40), ""}};
    rf::GrpoScoreFn score = [&](const std::vector<int64_t>&, const std::vector<std::string>& completions, int64_t) {
      rf::GrpoScores s;
      s.names = {"one"};
      s.weights = {1.0};
      for (size_t i = 0; i < completions.size(); ++i) {
        s.components.push_back({1.0});
        s.totals.push_back(1.0);
      }
      return s;
    };
    rf::GrpoTrainerOptions o;
    o.config = rf::test::sample_grpo_config(1, 0).grpo;
    o.config.max_prompt_length = 250000;
    o.config.max_completion_length = 4;
    o.decode = [&](const std::vector<int64_t>& ids) { return rf::run_model_decode(m, ids); };
    rf::GrpoTrainer trainer(*m.model, prompts, score, o);
    try {
      trainer.train_step();
      QFAIL("the 200,000-token prompt did not fail its allocation");
    } catch (const rf::GrpoOutOfMemory& e) {
      const std::string what = e.what();
      QVERIFY2(what.rfind("grpo: the device ran out of memory at step 1; lower grpo.per_device_train_batch_size", 0) == 0,
               what.c_str());
      QVERIFY(what.find("grpo.max_completion_length") != std::string::npos);
    }
  }

  // Running each prompt once for its G completions (shared_prefix.h) changes no number of a step beyond
  // float32 order: the same rollouts, then the same loss, gradient norm, entropy and KL (β > 0 and μ = 2
  // run the reference and old log-prob passes through it too) as with every row run whole.
  void grpo_shared_prompts_change_no_number() {
    auto step = [&](bool share) {
      rf::RunModel m = rf::run_model_load(rf::run_sample_model_dir(project_), rf::run_model_load_options("cpu", "float32"));
      std::vector<rf::GrpoPrompt> prompts;
      for (const char* text : {"The user likes mysteries and", "Recommend three"}) {
        const auto ids = m.tokenizer->encode(text);
        prompts.push_back({std::vector<int64_t>(ids.begin(), ids.end()), ""});
      }
      rf::GrpoScoreFn score = [&](const std::vector<int64_t>&, const std::vector<std::string>& completions, int64_t) {
        rf::GrpoScores s;
        s.names = {"len"};
        s.weights = {1.0};
        for (const std::string& c : completions) {
          s.components.push_back({static_cast<double>(c.size() % 5)});
          s.totals.push_back(s.components.back()[0]);
        }
        return s;
      };
      rf::GrpoTrainerOptions o;
      o.config = rf::test::sample_grpo_config(1, 0).grpo;
      o.config.max_completion_length = 8;
      o.config.beta = 0.04;
      o.config.num_iterations = 2;
      o.share_prompts = share;
      o.decode = [&](const std::vector<int64_t>& ids) { return rf::run_model_decode(m, ids); };
      rf::RunModel ref = rf::run_model_load(rf::run_sample_model_dir(project_), rf::run_model_load_options("cpu", "float32"));
      rf::GrpoTrainer trainer(*m.model, prompts, score, o, ref.model.get());
      return trainer.train_step();
    };
    const rf::GrpoStepResult whole = step(false), shared = step(true);
    QCOMPARE(shared.rollouts.size(), whole.rollouts.size());
    for (size_t i = 0; i < whole.rollouts.size(); ++i) QCOMPARE(shared.rollouts[i].token_ids, whole.rollouts[i].token_ids);
    for (const char* name : {"loss", "grad_norm", "entropy", "kl"}) {
      const double a = rf::grpo_metric_get(whole.metrics, name), b = rf::grpo_metric_get(shared.metrics, name);
      QVERIFY2(std::isfinite(a) && std::abs(a - b) <= 1e-4 * std::max(1.0, std::abs(a)),
               (std::string(name) + ": " + std::to_string(a) + " vs " + std::to_string(b)).c_str());
    }
  }

  void sft_resume_continues_the_same_curves() {
    const auto [straight, cut] = run_straight_and_cut(sft_config(8), 5);
    QVERIFY(straight >= 0 && cut >= 0);
    rf::RunControl c3;
    const rf::RunOutcome resumed = rf::run_execute(project_, cut, &c3, {}, quiet_options(true));
    QCOMPARE(resumed.status, std::string("finished"));
    QCOMPARE(resumed.steps, int64_t(8));

    rf::SqliteDb d = db();
    const auto a = metrics_by_step(d, straight), b = metrics_by_step(d, cut);
    QCOMPARE(b.size(), size_t(8));
    for (int64_t step = 1; step <= 8; ++step)
      for (const char* name : {"loss", "learning_rate", "num_tokens", "epoch"}) {
        const double x = a.at(step).at(name), y = b.at(step).at(name);
        QVERIFY2(std::abs(x - y) <= 1e-5 * (1 + std::abs(x)),
                 (std::to_string(step) + " " + name + ": " + std::to_string(x) + " vs " + std::to_string(y)).c_str());
      }
    std::vector<int64_t> ck;
    for (const auto& r : rf::run_store_checkpoints(d, cut)) ck.push_back(r.step);
    QCOMPARE(ck, (std::vector<int64_t>{2, 4, 6, 8}));
    QCOMPARE(event_steps(d, cut, rf::RunEventKind::resume), (std::vector<int64_t>{4}));
    QCOMPARE(rf::run_store_integrity_check(d), std::string("ok"));
  }
};

RF_TEST_SUITE(TestRunExecute);
#include "test_run_execute.moc"
