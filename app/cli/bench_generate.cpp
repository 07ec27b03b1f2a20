// `recforge-cli bench generate`: generation throughput (prefill and decode tokens/s) and peak memory
// on a model folder or on random weights from a config.json, with random seeded prompts, printed as
// one JSON object. EOS is ignored so every row generates exactly --new-tokens tokens. --constrain-pool
// measures constrained decoding: every row starts inside a List answer over a made-up candidate pool.
#include "commands.h"

#include "bench_machine.h"
#include "cli_args.h"
#include "cli_model.h"
#include "compat/torch_compat.h"
#include "generate/generate.h"
#include "generate/list_answer_constraint.h"
#include "text/token_texts.h"
#include "text/tokenizer.h"
#include "util/blas_info.h"
#include "util/error.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace rf::cli {

int bench_generate(int argc, char** argv) {
  CliArgs args("bench generate",
               "Measure generation speed: prefill and decode tokens/s and peak RSS, as one JSON object.\n"
               "Give --model DIR or --config config.json (random weights). Prompts are random and seeded.",
               {{"model", "DIR", "model folder (config.json + safetensors)", ""},
                {"config", "FILE", "a Hugging Face config.json: random weights of that shape", ""},
                {"batch", "B", "prompts generated together", "1"},
                {"prompt-len", "P", "tokens per prompt", "128"},
                {"new-tokens", "N", "tokens generated per prompt (EOS ignored)", "64"},
                {"sample", "", "sample instead of greedy decoding", ""},
                {"temperature", "T", "sampling temperature", "1.0"},
                {"top-p", "P", "sampling top-p", "1.0"},
                {"top-k", "K", "sampling top-k (0 = off)", "0"},
                {"min-p", "M", "sampling min-p (0 = off)", "0"},
                {"repetition-penalty", "R", "repetition penalty (1 = off)", "1.0"},
                {"no-cache", "", "recompute the whole sequence every step", ""},
                {"dtype", "TYPE", "float32 | bfloat16", "float32"},
                {"device", "DEV", "cpu | cuda", "cpu"},
                {"threads", "N", "CPU threads (default: the usable cores, or OMP_NUM_THREADS)", ""},
                {"warmup", "N", "untimed runs first", "1"},
                {"repeat", "N", "timed runs; the JSON reports their median (and best)", "3"},
                {"constrain-pool", "N", "decode under the List answer grammar over N made-up ids (k = N) from the first token", "0"},
                {"tokenizer", "DIR", "the tokenizer --constrain-pool reads token texts from (default: --model)", ""},
                {"constrain-phase", "P", "answer: every row starts inside the answer; reasoning: every row reasons (the end ids banned, \"</think>\" watched)", "answer"},
                {"seed", "S", "seed of the prompts, the random weights and sampling", "1234"}});
  if (!args.parse(argc, argv)) return 0;
  if (args.has("model") == args.has("config")) throw Error("bench generate: give exactly one of --model DIR or --config FILE");
  if (args.has("threads")) {
    const long long t = args.get_int("threads");
    if (t < 1) throw Error("bench generate: --threads must be >= 1");
    at::set_num_threads(static_cast<int>(t));
  }
  const int64_t B = args.get_int("batch"), P = args.get_int("prompt-len"), N = args.get_int("new-tokens");
  const long long warmup = args.get_int("warmup"), repeat = args.get_int("repeat");
  if (B < 1) throw Error("bench generate: --batch must be >= 1");
  if (P < 1) throw Error("bench generate: --prompt-len must be >= 1");
  if (N < 1) throw Error("bench generate: --new-tokens must be >= 1");
  if (warmup < 0 || repeat < 1) throw Error("bench generate: --warmup must be >= 0 and --repeat >= 1");
  const uint64_t seed = static_cast<uint64_t>(args.get_int("seed"));

  ModelLoadOptions opts;
  opts.dtype = cli_parse_dtype(args.get("dtype"));
  opts.device = cli_parse_device(args.get("device"));
  const auto load_start = std::chrono::steady_clock::now();
  std::unique_ptr<Transformer> model =
      args.has("model") ? Transformer::load(args.get("model"), opts) : cli_random_model(args.get("config"), seed, opts);
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  const int64_t V = model->config().vocab_size;

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> token(0, V - 1);
  std::vector<std::vector<int64_t>> prompts(B, std::vector<int64_t>(P));
  for (auto& p : prompts)
    for (auto& t : p) t = token(rng);

  GenerateOptions g;
  g.max_new_tokens = N;
  g.use_cache = !args.flag("no-cache");
  g.seed = seed;
  g.sampling.do_sample = args.flag("sample");
  g.sampling.temperature = args.get_double("temperature");
  g.sampling.top_p = args.get_double("top-p");
  g.sampling.top_k = args.get_int("top-k");
  g.sampling.min_p = args.get_double("min-p");
  g.sampling.repetition_penalty = args.get_double("repetition-penalty");
  // eos_ids left empty: every row generates N tokens.
  const int64_t pool_size = args.get_int("constrain-pool");
  double texts_seconds = 0;
  if (pool_size < 0) throw Error("bench generate: --constrain-pool must be >= 0");
  if (pool_size > 0) {
    const std::string dir = args.has("tokenizer") ? args.get("tokenizer") : args.has("model") ? args.get("model") : "";
    if (dir.empty()) throw Error("bench generate: --constrain-pool needs --tokenizer DIR (or --model DIR with a tokenizer.json)");
    const auto t0 = std::chrono::steady_clock::now();
    const Tokenizer tokenizer = Tokenizer::load(dir);
    if (tokenizer.vocab_size() > V)
      throw Error("bench generate: the tokenizer in " + dir + " has " + std::to_string(tokenizer.vocab_size()) +
                  " tokens, more than the model's " + std::to_string(V));
    auto texts = std::make_shared<const TokenTexts>(token_texts_build(tokenizer));
    texts_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ListAnswerSpec spec;
    for (int64_t i = 1; i <= pool_size; ++i) {
      char id[16];
      std::snprintf(id, sizeof id, "i%04lld", static_cast<long long>(i));
      spec.pool.push_back(id);
    }
    spec.k = static_cast<int32_t>(pool_size);
    const std::string phase = args.get("constrain-phase");
    if (phase == "answer") {
      spec.prefix = "<answer>";  // no end ids: after "</answer>" the row runs free to N tokens
    } else if (phase == "reasoning") {
      // What a rollout's reasoning pays: the end ids banned on the logits, "</think>" and "<answer>"
      // watched for; random weights almost never write either, so every token is a reasoning token.
      for (int32_t id : tokenizer.eos_ids()) spec.end_ids.push_back(id);
      spec.think_close = "</think>";
    } else {
      throw Error("bench generate: --constrain-phase must be answer or reasoning, got '" + phase + "'");
    }
    g.constraint = [texts, spec](size_t) { return std::make_unique<ListAnswerConstraint>(texts, spec); };
  }

  for (long long i = 0; i < warmup; ++i) generate(*model, prompts, g);
  std::vector<double> prefill_tps, decode_tps, total_tps;
  GenerateStats last;
  for (long long i = 0; i < repeat; ++i) {
    GenerateStats s;
    generate(*model, prompts, g, &s);
    prefill_tps.push_back(s.prefill_seconds > 0 ? s.prefill_tokens / s.prefill_seconds : 0.0);
    decode_tps.push_back(s.decode_seconds > 0 ? s.decode_tokens / s.decode_seconds : 0.0);
    total_tps.push_back(s.generated_tokens / (s.prefill_seconds + s.decode_seconds));
    last = s;
  }

  const BlasInfo blas = blas_info_detect();
  nlohmann::json j;
  j["benchmark"] = "generate";
  j["model"] = args.has("model") ? args.get("model") : args.get("config") + " (random weights)";
  j["model_type"] = model->config().model_type;
  j["parameters"] = model->config().parameter_count();
  j["batch"] = B;
  j["prompt_len"] = P;
  j["new_tokens"] = N;
  j["mode"] = g.sampling.do_sample ? "sample" : "greedy";
  j["sampling"] = {{"temperature", g.sampling.temperature}, {"top_p", g.sampling.top_p}, {"top_k", g.sampling.top_k},
                   {"min_p", g.sampling.min_p}, {"repetition_penalty", g.sampling.repetition_penalty}};
  j["use_cache"] = g.use_cache;
  j["constrain_pool"] = pool_size;
  if (pool_size > 0) j["constrain_phase"] = args.get("constrain-phase");
  if (pool_size > 0) j["token_texts_seconds"] = texts_seconds;
  j["dtype"] = args.get("dtype");
  j["device"] = args.get("device");
  j["threads"] = at::get_num_threads();
  j["torch_version"] = compat::torch_version_string();
  j["blas"] = blas.name;
  j["warmup"] = warmup;
  j["repeat"] = repeat;
  j["load_seconds"] = load_seconds;
  j["prefill_tokens_per_s"] = bench_median(prefill_tps);
  j["decode_tokens_per_s"] = bench_median(decode_tps);
  j["generate_tokens_per_s"] = bench_median(total_tps);  // all new tokens / (prefill + decode) time
  j["best"] = {{"prefill_tokens_per_s", *std::max_element(prefill_tps.begin(), prefill_tps.end())},
               {"decode_tokens_per_s", *std::max_element(decode_tps.begin(), decode_tps.end())},
               {"generate_tokens_per_s", *std::max_element(total_tps.begin(), total_tps.end())}};
  j["runs"] = {{"prefill_tokens_per_s", prefill_tps}, {"decode_tokens_per_s", decode_tps}, {"generate_tokens_per_s", total_tps}};
  j["last_run"] = {{"prefill_tokens", last.prefill_tokens},   {"prefill_seconds", last.prefill_seconds},
                   {"decode_tokens", last.decode_tokens},     {"decode_seconds", last.decode_seconds},
                   {"decode_steps", last.decode_steps},       {"generated_tokens", last.generated_tokens}};
  j["peak_rss_mb"] = bench_peak_rss_mb();
  std::printf("%s\n", j.dump(2).c_str());
  const std::string warning = blas_info_warning(blas);
  if (!warning.empty()) std::fprintf(stderr, "%s\n", warning.c_str());
  return 0;
}

}  // namespace rf::cli
