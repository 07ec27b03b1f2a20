// `recforge-cli demo`: the headless main job. On the sample project, on a laptop CPU, it walks the whole
// product through the List recipe: imports the sample world's data into a project, writes teacher traces,
// builds (or reuses) the project's base model (`pretrain`, cached by corpus), fine-tunes it on the traces
// (SFT), then runs GRPO twice from the SFT model — once with no diversity reward, once with a high one —
// and prints Popularity, ItemKNN, SASRec, the SFT model and both GRPO models on Recall@10, NDCG@10, ILAD,
// novelty and the world's true satisfaction for the same held-out users. Every run is in the project's run
// store (`recforge-cli runs --project DIR`). It ends with the three checks the demo exists to show.
#include "commands.h"

#include "cli_args.h"
#include "cli_model.h"
#include "cli_run.h"
#include "data/dataset_store.h"
#include "engine/reward_rise.h"
#include "engine/run_setup.h"
#include "engine/sample_project.h"
#include "eval/mean_difference.h"
#include "store/project.h"
#include "teacher/pretrain_corpus.h"
#include "teacher/teacher_traces.h"
#include "text/prompt_presets.h"
#include "train/pretrain.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace rf::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// b's per-user values of `metric` at its last evaluation minus a's (both evaluated on the same prompts).
MeanDifference paired_rows(const RunOutcome& a, const RunOutcome& b, const std::string& metric) {
  const auto ia = a.last_eval_rows.find(metric), ib = b.last_eval_rows.find(metric);
  if (ia == a.last_eval_rows.end() || ib == b.last_eval_rows.end()) return {NAN, NAN, 0};
  return mean_difference_paired(ia->second, ib->second);
}

// "+0.0224, standard error 0.0087: beyond twice it" or "... within twice it".
std::string noise_text(const MeanDifference& d) {
  char text[128];
  if (!std::isfinite(d.se))
    std::snprintf(text, sizeof text, "%+.4f, no standard error (fewer than two values)", d.difference);
  else
    std::snprintf(text, sizeof text, "%+.4f, standard error %.4f: %s twice it", d.difference, d.se, d.beyond() ? "beyond" : "within");
  return text;
}

void set_reward_weight(RunConfig& c, const std::string& name, double w) {
  for (auto& comp : c.rewards["components"])
    if (comp.value("name", "") == name) comp["weight"] = w;
}

}  // namespace

int cmd_demo(int argc, char** argv) {
  CliArgs args("demo",
               "Headless demo of the List recipe on the sample project: teacher traces, a base model pretrained from\n"
               "scratch (cached), SFT, then GRPO with no and with a high diversity weight; a table of the baselines\n"
               "and the models on held-out users, and the trade-off checks. Every run lands in the project's run store.",
               {{"project", "DIR", "the demo project folder (created when missing)", "recforge-demo"},
                {"data", "DIR", "the sample world's folder (default: the sample_data/ shipped with RecForge)", ""},
                {"pretrain-steps", "N", "base model training steps (5x the tiny size's 300; docs/results.md)", "1500"},
                {"pretrain-seq-len", "T", "tokens per pretraining row (the tiny size's default)", ""},
                {"sft-epochs", "E", "SFT epochs over the traces", "2"},
                {"sft-steps", "N", "SFT steps (overrides --sft-epochs)", "-1"},
                {"grpo-steps", "N", "GRPO steps of each of the two runs", "30"},
                {"generations", "G", "GRPO group size (8 lost SFT's accuracy, 16 kept it; docs/results.md)", "16"},
                {"prompts", "B", "GRPO prompts per step", "1"},
                {"grpo-users", "N", "GRPO trains on the prompts of N training users, pass after pass (0 = every user)", "10"},
                {"eval-users", "N", "held-out users in the table (150: paired standard errors about 0.03 NDCG@10; docs/results.md)", "150"},
                {"completion-tokens", "N", "the longest completion the models may write", "192"},
                {"diversity", "W", "the diversity weight of the second GRPO run", "3"},
                {"beta", "B", "GRPO's KL weight against the SFT model (grpo.beta; docs/results.md)", "0.1"},
                {"broad", "PERCENT", "teacher traces that state a broad plan, answered with an MMR re-ranking over categories (traces --broad; docs/results.md)", "0"},
                {"free-answer", "", "let the models spell their answers freely (constrain_answer off; docs/config.md)", ""},
                {"mentions", "", "hold the items the reasoning names to the pool too (constrain_mentions)", ""},
                {"device", "DEV", "where SFT, GRPO and the evaluations run: cpu, cuda, cuda:N or auto (the base model is pretrained on the CPU)", "cpu"},
                {"threads", "N", "CPU intra-op threads (0 = automatic)", "0"},
                {"seed", "S", "seed of everything", "7"},
                {"json", "", "JSON lines while running and a JSON summary at the end", ""}});
  if (!args.parse(argc, argv)) return 0;
  const auto t_start = Clock::now();
  const std::string project = args.get("project");
  const std::string data = args.has("data") ? args.get("data") : sample_data_dir_find();
  const int seed = static_cast<int>(args.get_int("seed"));
  const CliRunOutput out = cli_run_output(args.flag("json"), false);
  // A device that cannot be used fails now, not after minutes of pretraining.
  if (args.get("device") != "auto") cli_parse_device(args.get("device"));
  auto say = [&](const std::string& line) {
    if (out.json) std::printf("%s\n", json({{"event", "demo"}, {"message", line}}).dump().c_str());
    else std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };

  // 1. The project and its data.
  sample_project_ensure(project, data);
  const Dataset ds = dataset_open(project, "sample", ImportOptions{});
  say("[1/6] project " + project + ": data set 'sample' (" + std::to_string(ds.items.size()) + " items, " +
      std::to_string(ds.users.size()) + " users, " + std::to_string(ds.interactions.size()) + " interactions)");

  // 2. Teacher traces (List recipe, every user's last training interaction). Traces with stated plans go
  // to a file of their own: a plain demo in the same project later finds its own traces again (the base
  // model, cached by corpus, is then trained anew).
  const long long broad = args.get_int("broad");
  if (broad < 0 || broad > 100) throw Error("demo: --broad must be a percentage in 0..100");
  RunConfig traces_config;
  traces_config.recipe = "list";
  if (broad > 0) traces_config.data.sft_file = (fs::path(project) / "traces" / ("list-broad" + std::to_string(broad) + ".jsonl")).string();
  const std::string traces = run_sft_data_file(project, traces_config);
  if (!fs::is_regular_file(traces)) {
    fs::create_directories(fs::path(traces).parent_path());
    TraceOptions to;
    to.recipe = "list";
    to.users = 0;
    to.seed = static_cast<uint64_t>(seed);
    to.brief = true;  // short reasoning: every completion token is paid for in rollouts on a 2-core CPU
    to.broad_percent = static_cast<int32_t>(broad);
    std::string text;
    const TraceSummary s = traces_generate(ds, to, [&](const json& j) { text += j.dump() + "\n"; });
    file_write_atomic(traces, text);
    say("[2/6] teacher traces: " + std::to_string(s.written) + " written to " + traces);
  } else {
    say("[2/6] teacher traces: reusing " + traces);
  }

  // 3. The base model, pretrained on the project's text and the traces (cached by corpus and options).
  PretrainOptions po = pretrain_options_for_size("tiny");
  po.steps = args.get_int("pretrain-steps");
  if (args.has("pretrain-seq-len")) {  // same tokens per step: fewer, longer rows
    const int64_t t = args.get_int("pretrain-seq-len");
    po.batch = std::max<int64_t>(1, po.batch * po.seq_len / std::max<int64_t>(1, t));
    po.seq_len = t;
  }
  po.seed = static_cast<uint64_t>(seed);
  PretrainCorpusOptions co;
  co.seed = po.seed;
  const std::vector<std::string> corpus = pretrain_corpus_build(ds, co, {traces});
  const auto t_pre = Clock::now();
  const PretrainResult pre = pretrain_cached(corpus, po, run_sample_model_dir(project), false, [&](const PretrainProgress& p) {
    if (p.stage == PretrainProgress::Stage::step && !out.json && (p.step % 50 == 0 || p.step == p.steps)) {
      std::printf("\r\033[K  pretrain step %lld/%lld  loss %.3f  %.0f tokens/s", static_cast<long long>(p.step),
                  static_cast<long long>(p.steps), p.loss, p.tokens_per_second);
      std::fflush(stdout);
    }
  });
  if (!out.json) std::printf("\r\033[K");
  char buf[256];
  std::snprintf(buf, sizeof buf, "[3/6] base model: %s %.2fM parameters, loss %.2f -> %.2f (%s, %.0f s)", run_sample_model_dir(project).c_str(),
                pre.parameters / 1e6, pre.first_loss, pre.final_loss, pre.reused ? "cached" : "trained now", seconds_since(t_pre));
  say(buf);
  const auto world = cli_project_world(project, "sample");

  // 4. SFT on the traces, with the baselines and the SFT model measured on the held-out users.
  RunConfig base = run_config_default();
  base.recipe = "list";
  base.data.dataset = "sample";
  base.seed = seed;
  base.device = args.get("device");
  base.eval.split = "test";
  base.eval.users = static_cast<int>(args.get_int("eval-users"));
  base.eval.k = 10;
  // The answer can only list ids of the candidate pool: a model of 1M parameters writes plausible ids
  // that are seldom in its pool, and then every accuracy number is about spelling, not choosing.
  base.constrain_answer = !args.flag("free-answer");
  base.constrain_mentions = base.constrain_answer && args.flag("mentions");
  base.grpo.max_prompt_length = 1024;
  base.grpo.max_completion_length = static_cast<int>(args.get_int("completion-tokens"));
  RunConfig sft = base;
  sft.name = "demo sft";
  sft.data.sft_file = traces_config.data.sft_file;
  sft.trainer = "sft";
  sft.sft.num_train_epochs = args.get_double("sft-epochs");
  sft.sft.max_steps = static_cast<int>(args.get_int("sft-steps"));
  sft.sft.learning_rate = 1e-3;
  sft.sft.per_device_train_batch_size = 8;
  sft.sft.max_length = 1400;
  sft.sft.warmup_ratio = 0.1;
  sft.sft.logging_steps = 1;
  RunExecuteOptions ro;
  ro.world = world.get();
  ro.threads = static_cast<int>(args.get_int("threads"));
  ro.evaluate_before = false;
  say("[4/6] SFT on the traces");
  const int64_t sft_id = run_create(project, sft);
  const RunOutcome sft_r = cli_run_execute(project, sft_id, ro, out);
  if (sft_r.status != "finished") throw Error("demo: the SFT run " + sft_r.status + ": " + sft_r.message);

  // 5-6. GRPO from the SFT model, without and with a diversity reward.
  RunConfig grpo = base;
  grpo.trainer = "grpo";
  grpo.model.source = "hf";
  grpo.model.path = sft_r.checkpoint;
  grpo.grpo.num_generations = static_cast<int>(args.get_int("generations"));
  grpo.grpo.per_device_train_batch_size = grpo.grpo.num_generations * static_cast<int>(args.get_int("prompts"));
  grpo.grpo.max_steps = static_cast<int>(args.get_int("grpo-steps"));
  // A few users seen again and again: the last steps' reward then scores the users the first steps
  // scored, so a rise is learning, not the luck of which users a step drew (docs/results.md).
  grpo.data.max_users = static_cast<int>(args.get_int("grpo-users"));
  // One prompt per step at 1e-4. Groups of 4 moved held-out NDCG@10 down or within its noise at every
  // learning rate tried; groups of 8 lost 0.013 +- 0.006 against SFT over six seeds, groups of 16 (the
  // default) -0.001 +- 0.008: twice the samples per advantage, less noise followed (docs/results.md).
  grpo.grpo.learning_rate = 1e-4;
  grpo.grpo.lr_scheduler_type = "constant";
  grpo.grpo.temperature = 1.0;
  // beta 0.1 keeps the policy near the SFT model. On 300 held-out users three seeds at beta 0 lost 0.011
  // NDCG@10 against SFT on average, six at 0.1 lost 0.013 +- 0.006 (groups of 8; docs/results.md), and the
  // KL term is the standard guard. Its reference pass costs a tenth of a step.
  grpo.grpo.beta = args.get_double("beta");
  grpo.grpo.save_steps = 10;
  ro.baselines = false;
  std::vector<RunOutcome> grpo_r;
  const double high = args.get_double("diversity");
  for (double w : {0.0, high}) {
    RunConfig g = grpo;
    set_reward_weight(g, "diversity", w);
    char name[64];
    std::snprintf(name, sizeof name, "demo grpo diversity %g", w);
    g.name = name;
    say(std::string(grpo_r.empty() ? "[5/6] " : "[6/6] ") + "GRPO, diversity weight " + std::to_string(w).substr(0, 4));
    const int64_t id = run_create(project, g);
    grpo_r.push_back(cli_run_execute(project, id, ro, out));
    if (grpo_r.back().status != "finished") throw Error("demo: GRPO run " + std::to_string(id) + " " + grpo_r.back().status + ": " + grpo_r.back().message);
  }

  // The table and the checks.
  std::vector<std::pair<std::string, RunMetrics>> rows = sft_r.baselines;
  rows.emplace_back("SFT", sft_r.last_eval);
  char label[64];
  std::snprintf(label, sizeof label, "GRPO div=0");
  rows.emplace_back(label, grpo_r[0].last_eval);
  std::snprintf(label, sizeof label, "GRPO div=%g", high);
  rows.emplace_back(label, grpo_r[1].last_eval);
  const std::vector<std::string> cols = {"recall@10", "ndcg@10", "ilad", "novelty", "satisfaction"};
  // Each check with its noise: a gap of a few hundredths on 150 users can be chance (docs/results.md).
  // Model against model is paired (the same users and pools, so each user's own difficulty cancels), and
  // so is the reward's first steps against its last when the same users come back (reward_rise.h).
  const size_t w10 = std::min<size_t>(10, grpo_r[0].step_rewards.size() / 2);
  const RewardRise rr = reward_rise(grpo_r[0].step_rewards, 10);
  const double first = rr.first, last = rr.last;
  const MeanDifference& rise = rr.rise;
  const double sft_ndcg = run_metric(sft_r.last_eval, "ndcg@10"), grpo_ndcg = run_metric(grpo_r[0].last_eval, "ndcg@10");
  const double ilad0 = run_metric(grpo_r[0].last_eval, "ilad"), ilad1 = run_metric(grpo_r[1].last_eval, "ilad");
  const MeanDifference acc = paired_rows(sft_r, grpo_r[0], "ndcg@10"), div = paired_rows(grpo_r[0], grpo_r[1], "ilad");
  const bool ok_reward = last > first, ok_acc = grpo_ndcg >= sft_ndcg, ok_div = ilad1 > ilad0;
  const bool rise_clear = ok_reward && rise.beyond(), acc_worse = !ok_acc && acc.beyond(), div_clear = ok_div && div.beyond();
  const double total = seconds_since(t_start);
  if (out.json) {
    json table = json::object();
    for (const auto& [name, m] : rows) table[name] = cli_metrics_json(m);
    std::printf("%s\n", json({{"event", "summary"}, {"project", project}, {"runs", {sft_id, grpo_r[0].run, grpo_r[1].run}}, {"table", table},
                              {"reward_first10", first}, {"reward_last10", last}, {"reward_rise", rise.difference}, {"reward_rise_se", cli_json_number(rise.se)},
                              {"reward_rise_paired_users", rr.paired_users},
                              {"ndcg_difference", acc.difference}, {"ndcg_difference_se", cli_json_number(acc.se)},
                              {"ilad_difference", div.difference}, {"ilad_difference_se", cli_json_number(div.se)},
                              {"checks", {{"reward_rises", ok_reward}, {"reward_rises_beyond_noise", rise_clear},
                                          {"grpo_at_least_sft_ndcg", ok_acc}, {"grpo_below_sft_beyond_noise", acc_worse},
                                          {"diversity_raises_ilad", ok_div}, {"diversity_beyond_noise", div_clear}}},
                              {"seconds", total}}).dump().c_str());
  } else {
    std::printf("\nheld-out users (%d, their test interaction; List recipe, pools of %d):\n", base.eval.users, base.data.pool_size);
    cli_print_metrics_table(rows, cols);
    std::printf("\nchecks (a difference within twice its standard error is noise at this size):\n");
    const std::string over = rr.paired_users > 0 ? " (paired over the " + std::to_string(rr.paired_users) + " users of both)" : "";
    std::printf("  [%s] GRPO reward rises: mean of the first %zu steps %.3f -> last %zu steps %.3f: %s%s\n", ok_reward ? "ok" : "NO", w10,
                first, w10, last, noise_text(rise).c_str(), over.c_str());
    std::printf("  [%s] GRPO at least as accurate as SFT: NDCG@10 %.4f vs %.4f: %s (paired over the users)\n", ok_acc ? "ok" : "NO", grpo_ndcg,
                sft_ndcg, noise_text(acc).c_str());
    std::printf("  [%s] a high diversity weight raises ILAD: %.4f (weight %g) vs %.4f (weight 0): %s (paired over the users)\n",
                ok_div ? "ok" : "NO", ilad1, high, ilad0, noise_text(div).c_str());
    std::printf("done in %.0f s; runs %lld, %lld, %lld in %s (recforge-cli runs --project %s)\n", total, static_cast<long long>(sft_id),
                static_cast<long long>(grpo_r[0].run), static_cast<long long>(grpo_r[1].run), project.c_str(), project.c_str());
  }
  return 0;
}

}  // namespace rf::cli
