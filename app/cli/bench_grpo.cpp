// `recforge-cli bench grpo`: GRPO steps of core/train/grpo_trainer.h on random prompts, as one JSON object:
// the step time split into generation / reward / log-prob / update, rollout and training tokens/s, and the
// cost of storing every trajectory in a run store (the rows the engine writes: prompt, completion, parsed
// answer, breakdown) on the training thread and on the writer thread.
//
// The reward is synthetic (the share of completion tokens with an even id) so that it costs nothing and
// has variance within a group; no end-of-sequence token stops a completion, so every completion is exactly
// --new-tokens long and runs are comparable.
#include "commands.h"

#include "bench_machine.h"
#include "cli_args.h"
#include "cli_model.h"
#include "compat/torch_compat.h"
#include "engine/run_config.h"
#include "model/transformer.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"
#include "util/cpu_threads.h"
#include "train/grpo_trainer.h"
#include "util/blas_info.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

namespace rf::cli {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string ids_text(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) s += std::to_string(id) + " ";
  return s;
}

// Share of even token ids in a completion written by ids_text.
double even_share(const std::string& text) {
  std::istringstream in(text);
  int64_t id = 0, n = 0, even = 0;
  while (in >> id) {
    ++n;
    even += id % 2 == 0;
  }
  return n == 0 ? 0.0 : static_cast<double>(even) / static_cast<double>(n);
}

}  // namespace

int bench_grpo(int argc, char** argv) {
  CliArgs args("bench grpo",
               "Time GRPO steps (rollouts, rewards, log-probs, update) on random prompts and print the step-time split, "
               "tokens/s and the cost of storing every trajectory in a run store, as JSON.",
               {{"model", "DIR", "Hugging Face model folder (e.g. a project's models/base)", ""},
                {"config", "FILE", "config.json (or a folder holding one): random weights", ""},
                {"prompts", "B", "prompts per step", "4"},
                {"generations", "G", "completions per prompt (num_generations)", "4"},
                {"prompt-len", "P", "prompt tokens", "128"},
                {"new-tokens", "N", "completion tokens (max_completion_length; no EOS stops them)", "64"},
                {"micro-batch", "M", "completions per micro-batch (per_device_train_batch_size; 0 = B x G)", "0"},
                {"iterations", "MU", "num_iterations (> 1 computes old log-probs)", "1"},
                {"beta", "BETA", "KL coefficient (> 0 loads a frozen reference copy)", "0"},
                {"steps", "N", "timed steps", "3"},
                {"warmup", "W", "untimed steps first", "1"},
                {"dtype", "TYPE", "float32 | bfloat16 | float16", "float32"},
                {"device", "DEV", "cpu | cuda | cuda:N", "cpu"},
                {"threads", "N", "intra-op threads (0 = auto)", "0"},
                {"no-store", "", "do not store trajectories (the baseline of the store's cost)", ""},
                {"no-shared-prompts", "", "score every completion as [prompt | completion] (the baseline of shared prompts)", ""},
                {"seed", "N", "seed of the weights, prompts and sampling", "1234"}});
  if (!args.parse(argc, argv)) return 0;
  if (args.has("model") == args.has("config")) throw Error("bench grpo: give exactly one of --model DIR or --config FILE");
  const int64_t B = args.get_int("prompts"), G = args.get_int("generations"), P = args.get_int("prompt-len"),
                N = args.get_int("new-tokens"), steps = args.get_int("steps"), warmup = args.get_int("warmup");
  if (B < 1 || G < 2 || P < 1 || N < 1) throw Error("bench grpo: need --prompts >= 1, --generations >= 2, --prompt-len >= 1, --new-tokens >= 1");
  if (steps < 1 || warmup < 0) throw Error("bench grpo: --steps must be >= 1 and --warmup >= 0");
  const uint64_t seed = static_cast<uint64_t>(args.get_int("seed"));
  ModelLoadOptions opts;
  opts.dtype = cli_parse_dtype(args.get("dtype"));
  opts.device = cli_parse_device(args.get("device"));
  const std::string source = args.has("model") ? args.get("model") : args.get("config");
  auto load = [&] { return args.has("model") ? Transformer::load(source, opts) : cli_random_model(source, seed, opts); };
  std::unique_ptr<Transformer> model = load();
  const double beta = args.get_double("beta");
  std::unique_ptr<Transformer> reference = beta != 0 ? load() : nullptr;
  const ModelConfig& cfg = model->config();
  if (P + N > cfg.max_position_embeddings)
    throw Error("bench grpo: --prompt-len + --new-tokens exceeds max_position_embeddings " + std::to_string(cfg.max_position_embeddings));

  // B x (steps + warmup) random prompts, so every step sees new ones.
  std::mt19937_64 rng(seed);
  const int64_t n_prompts = B * (steps + warmup);
  std::vector<GrpoPrompt> prompts;
  for (int64_t i = 0; i < n_prompts; ++i) {
    GrpoPrompt p;
    for (int64_t t = 0; t < P; ++t) p.ids.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(cfg.vocab_size)));
    prompts.push_back(std::move(p));
  }
  const std::vector<std::string> prompt_texts = [&] {
    std::vector<std::string> t;
    for (const GrpoPrompt& p : prompts) t.push_back(ids_text(p.ids));
    return t;
  }();

  GrpoTrainerOptions to;
  to.config = run_config_default().grpo;
  to.config.num_generations = static_cast<int>(G);
  to.share_prompts = !args.flag("no-shared-prompts");
  const int64_t micro = args.get_int("micro-batch") > 0 ? args.get_int("micro-batch") : B * G;
  if ((B * G) % micro != 0) throw Error("bench grpo: --micro-batch must divide prompts x generations (" + std::to_string(B * G) + ")");
  to.config.per_device_train_batch_size = static_cast<int>(micro);
  to.config.gradient_accumulation_steps = static_cast<int>(B * G / micro);
  to.config.max_completion_length = static_cast<int>(N);
  to.config.max_steps = static_cast<int>(steps + warmup);
  to.config.num_iterations = static_cast<int>(args.get_int("iterations"));
  to.config.beta = beta;
  to.config.learning_rate = 1e-6;
  to.seed = seed;
  to.decode = ids_text;
  GrpoScoreFn score = [](const std::vector<int64_t>&, const std::vector<std::string>& completions, int64_t) {
    GrpoScores s;
    s.names = {"even"};
    s.weights = {1.0};
    for (const std::string& c : completions) {
      const double v = even_share(c);
      s.components.push_back({v});
      s.totals.push_back(v);
    }
    return s;
  };
  const bool store = !args.flag("no-store");
  const std::filesystem::path tmp = std::filesystem::temp_directory_path() / ("recforge-bench-grpo-" + std::to_string(::getpid()));
  std::unique_ptr<RunStoreWriter> writer;
  int64_t run = 0;
  if (store) {
    std::filesystem::create_directories(tmp);
    const std::string path = run_store_path(tmp.string());
    SqliteDb db = run_store_open(path, true);
    run = run_store_create_run(db, "bench grpo", "grpo", run_config_to_json(run_config_default()), "running");
    writer = std::make_unique<RunStoreWriter>(path);
  }

  CpuThreadsGuard threads_guard(opts.device, static_cast<int>(args.get_int("threads")));
  GrpoTrainer trainer(*model, prompts, score, to, reference.get());
  std::vector<double> step_s, gen_s, reward_s, logprob_s, update_s, store_s, rollout_tps, train_tps;
  double writer_flush_s = 0;
  for (int64_t s = 0; s < steps + warmup; ++s) {
    const auto t0 = Clock::now();
    GrpoStepResult r = trainer.train_step();
    const double train_s = seconds_since(t0);
    const auto t1 = Clock::now();
    if (store) {  // what the engine does with a step's results on the training thread
      writer->metrics(run, r.step, r.metrics);
      std::vector<TrajectoryRow> rows;
      rows.reserve(r.rollouts.size());
      for (const GrpoRollout& ro : r.rollouts) {
        TrajectoryRow t;
        t.run = run;
        t.step = r.step;
        t.group_id = ro.group;
        t.index = ro.index;
        t.user = ro.prompt;
        t.prompt = prompt_texts[static_cast<size_t>(ro.prompt)];
        t.completion = ro.completion;
        t.parsed = {{"format_ok", true}, {"answer", ro.completion.substr(0, 64)}};
        t.rewards = nlohmann::json::array({{{"name", "even"}, {"weight", 1.0}, {"value", ro.total}, {"weighted", ro.total},
                                            {"explanation", "share of even token ids"}}});
        t.total = ro.total;
        t.advantage = ro.advantage;
        t.tokens = ro.tokens;
        t.token_ids.assign(ro.token_ids.begin(), ro.token_ids.end());
        t.token_logprobs = ro.logprobs;
        rows.push_back(std::move(t));
      }
      writer->trajectories(std::move(rows));
    }
    const double queue_s = seconds_since(t1);
    if (s < warmup) continue;
    step_s.push_back(train_s + queue_s);
    store_s.push_back(queue_s);
    gen_s.push_back(grpo_metric_get(r.metrics, "step_time/generation"));
    reward_s.push_back(grpo_metric_get(r.metrics, "step_time/reward"));
    logprob_s.push_back(grpo_metric_get(r.metrics, "step_time/logprob"));
    update_s.push_back(grpo_metric_get(r.metrics, "step_time/update"));
    rollout_tps.push_back(grpo_metric_get(r.metrics, "tokens_per_s/rollout"));
    train_tps.push_back(grpo_metric_get(r.metrics, "tokens_per_s/train"));
  }
  if (store) {
    const auto t0 = Clock::now();
    writer->flush();  // what is still queued: the writer thread's work not yet overlapped with training
    writer_flush_s = seconds_since(t0);
    writer->close();
    writer.reset();
    std::filesystem::remove_all(tmp);
  }

  const double step_med = bench_median(step_s);
  nlohmann::json j;
  j["benchmark"] = "grpo";
  j["model"] = source;
  j["params"] = cfg.parameter_count();
  j["device"] = opts.device.str();
  j["dtype"] = args.get("dtype");
  j["shared_prompts"] = to.share_prompts;
  j["prompts"] = B;
  j["generations"] = G;
  j["prompt_len"] = P;
  j["new_tokens"] = N;
  j["micro_batch"] = micro;
  j["num_iterations"] = to.config.num_iterations;
  j["beta"] = beta;
  j["steps"] = steps;
  j["warmup"] = warmup;
  j["threads"] = threads_guard.info().intra_op_threads;
  j["step_time_s"] = step_med;
  j["step_times_s"] = step_s;
  j["split_s"] = {{"generation", bench_median(gen_s)}, {"reward", bench_median(reward_s)}, {"logprob", bench_median(logprob_s)},
                  {"update", bench_median(update_s)}, {"store", bench_median(store_s)}};
  j["rollout_tokens_per_s"] = bench_median(rollout_tps);
  j["train_tokens_per_s"] = bench_median(train_tps);
  j["completion_tokens_per_s"] = static_cast<double>(B * G * N) / step_med;
  j["store_trajectories"] = store;
  if (store) {
    j["store_queue_fraction"] = bench_median(store_s) / step_med;
    j["store_final_flush_s"] = writer_flush_s;
  }
  j["peak_rss_mb"] = bench_peak_rss_mb();
  j["torch_version"] = compat::torch_version_string();
  j["blas"] = blas_info_detect().name;
  j["cpu"] = bench_cpu_model();
  j["nproc"] = static_cast<int64_t>(std::thread::hardware_concurrency());
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

}  // namespace rf::cli
