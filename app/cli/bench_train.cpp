// `recforge-cli bench train`: the training step's throughput (full fine-tuning with AdamW, or LoRA) on
// random token ids, as one JSON object: tokens/s, model FLOP/s (and how they were counted), MFU against
// an fp32 matmul peak this command measures itself, peak RSS and per-step times.
//
// One step = forward over (batch, seq_len) -> chunked masked cross-entropy over every next token ->
// backward -> global-norm clipping (1.0) -> AdamW update -> zero_grad, i.e. what an SFT step does.
#include "commands.h"

#include "bench_machine.h"
#include "cli_args.h"
#include "cli_model.h"
#include "compat/torch_compat.h"
#include "model/transformer.h"
#include "train/adamw.h"
#include "train/autocast.h"
#include "util/cpu_threads.h"
#include "train/grad_clip.h"
#include "train/lora_train.h"
#include "train/token_logprobs.h"
#include "util/blas_info.h"
#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>
#if __has_include(<torch/csrc/autograd/profiler_legacy.h>)
#include <torch/csrc/autograd/profiler_legacy.h>
#define RECFORGE_HAVE_RECORD_PROFILE 1
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <thread>

namespace rf::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void sync(const at::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.index() < 0 ? 0 : d.index());
}

// fp32 matmul peak: repeated (n x n) @ (n x n) for about `seconds`, GFLOP/s = 2 n^3 / time.
double measure_peak_gflops(const at::Device& device, double seconds) {
  at::NoGradGuard no_grad;
  const int64_t n = device.is_cuda() ? 8192 : 2048;
  auto opts = at::TensorOptions().dtype(at::kFloat).device(device);
  at::Tensor a = at::randn({n, n}, opts), b = at::randn({n, n}, opts), c = at::empty({n, n}, opts);
  at::mm_out(c, a, b);  // warm-up (thread pools, BLAS buffers)
  sync(device);
  int64_t reps = 0;
  auto t0 = Clock::now();
  double elapsed = 0;
  do {
    at::mm_out(c, a, b);
    ++reps;
    if (device.is_cuda() && reps % 8 != 0) continue;
    sync(device);
    elapsed = seconds_since(t0);
  } while (elapsed < seconds);
  return 2.0 * n * n * static_cast<double>(n) * reps / elapsed / 1e9;
}

struct Stats {
  double mean = 0, median = 0, min = 0, max = 0;
};

Stats stats_of(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  s.median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  return s;
}

}  // namespace

int bench_train(int argc, char** argv) {
  CliArgs args("bench train",
               "Time training steps (forward, chunked cross-entropy, backward, clipping, AdamW) on random tokens "
               "and print tokens/s, model GFLOP/s, MFU against a measured fp32 matmul peak, and peak RSS as JSON.",
               {{"model", "DIR", "Hugging Face model folder", ""},
                {"config", "FILE", "config.json (or a folder holding one): random weights", ""},
                {"batch", "B", "sequences per step", "8"},
                {"seq-len", "T", "tokens per sequence", "256"},
                {"steps", "N", "timed steps", "10"},
                {"warmup", "W", "untimed steps first", "2"},
                {"lora", "R", "LoRA rank (0 = full fine-tuning)", "0"},
                {"lora-alpha", "A", "LoRA alpha (default 2 x rank)", ""},
                {"lora-targets", "LIST", "LoRA target modules, comma-separated, or all-linear", "q_proj,v_proj"},
                {"dtype", "TYPE", "weights and compute: float32 | bfloat16 | float16", "float32"},
                {"device", "DEV", "cpu | cuda | cuda:N", "cpu"},
                {"autocast", "", "CUDA: bf16 autocast over float32 weights", ""},
                {"chunk-tokens", "N", "positions per log-prob chunk (0 = automatic)", "0"},
                {"loss", "KIND", "chunked (core/train) | naive (full B x T x V logits, for comparison)", "chunked"},
                {"threads", "N", "intra-op threads while training (0 = auto, see core/util/cpu_threads.h)", "0"},
                {"lr", "LR", "AdamW learning rate", "1e-4"},
                {"peak-seconds", "S", "duration of the matmul peak measurement (0 = skip)", "1"},
                {"seed", "N", "seed of the weights and tokens", "1234"},
                {"profile", "FILE", "write a Chrome trace of the timed steps (LibTorch's profiler) to FILE", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (args.has("model") == args.has("config")) throw Error("bench train: give exactly one of --model DIR or --config FILE");
  const int64_t B = args.get_int("batch"), T = args.get_int("seq-len"), steps = args.get_int("steps"),
                warmup = args.get_int("warmup"), rank = args.get_int("lora"), chunk = args.get_int("chunk-tokens");
  if (B < 1 || T < 2) throw Error("bench train: --batch must be >= 1 and --seq-len >= 2");
  if (steps < 1 || warmup < 0) throw Error("bench train: --steps must be >= 1 and --warmup >= 0");
  if (rank < 0) throw Error("bench train: --lora must be >= 0");
  if (chunk < 0) throw Error("bench train: --chunk-tokens must be >= 0");
  const std::string loss_kind = args.get("loss");
  if (loss_kind != "chunked" && loss_kind != "naive") throw Error("bench train: --loss must be chunked or naive");
  const long long threads = args.get_int("threads");
  if (threads < 0) throw Error("bench train: --threads must be >= 0 (0 = auto)");
  const uint64_t seed = static_cast<uint64_t>(args.get_int("seed"));
  ModelLoadOptions opts;
  opts.dtype = cli_parse_dtype(args.get("dtype"));
  opts.device = cli_parse_device(args.get("device"));
  const bool autocast = args.flag("autocast");
  if (autocast && !opts.device.is_cuda()) throw Error("bench train: --autocast needs --device cuda");

  std::unique_ptr<Transformer> model;
  std::string source;
  if (args.has("model")) {
    source = args.get("model");
    model = Transformer::load(source, opts);
  } else {
    source = args.get("config");
    model = cli_random_model(source, seed, opts);
  }
  const ModelConfig& cfg = model->config();
  if (T > cfg.max_position_embeddings)
    throw Error("bench train: --seq-len " + std::to_string(T) + " exceeds max_position_embeddings " +
                std::to_string(cfg.max_position_embeddings));

  // What trains.
  NamedTensors params;
  int64_t lora_params = 0;
  if (rank > 0) {
    LoraConfig lc;
    lc.rank = rank;
    lc.alpha = args.has("lora-alpha") ? args.get_double("lora-alpha") : 2.0 * rank;
    lc.target_modules = cli_split_list(args.get("lora-targets"));
    lora_attach(*model, lc, seed);
    params = lora_parameters(*model);
    for (const auto& [n, t] : params) lora_params += t.numel();
  } else {
    model->set_requires_grad(true);
    params = model->named_parameters();
  }
  model->set_training(true);
  AdamWOptions ao;
  ao.lr = args.get_double("lr");
  ao.weight_decay = 0.01;
  ao.no_decay_for_1d = true;
  AdamW optimizer(params, ao);

  // Random tokens, every next token in the loss.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
  at::Tensor ids = at::randint(cfg.vocab_size, {B, T}, gen, at::kLong).to(opts.device);
  at::Tensor loss_mask = at::ones({B, T}, at::TensorOptions().dtype(at::kLong).device(opts.device));
  at::Tensor attention_mask = loss_mask;

  CpuThreadsGuard threads_guard(opts.device, static_cast<int>(threads));
  std::vector<double> times;
  double loss_first = 0, loss_last = 0, grad_norm = 0;
  int64_t skipped = 0;
#ifdef RECFORGE_HAVE_RECORD_PROFILE
  std::unique_ptr<torch::autograd::profiler::RecordProfile> profile;
#else
  if (args.has("profile")) throw Error("bench train: --profile needs LibTorch's legacy profiler, absent from this build");
  std::unique_ptr<int> profile;
#endif
  for (int64_t s = 0; s < warmup + steps; ++s) {
#ifdef RECFORGE_HAVE_RECORD_PROFILE
    if (s == warmup && args.has("profile"))
      profile = std::make_unique<torch::autograd::profiler::RecordProfile>(args.get("profile"));
#endif
    sync(opts.device);
    const auto t0 = Clock::now();
    CrossEntropy ce;
    {
      AutocastGuard ac(opts.device, autocast);
      if (loss_kind == "chunked") {
        ce = masked_cross_entropy(*model, ids, loss_mask, attention_mask, {}, chunk);
      } else {  // the textbook version: (B, T, V) logits and log-softmax kept for backward
        at::Tensor logits = model->forward({ids, {}, attention_mask});
        at::Tensor lp = at::log_softmax(logits.narrow(1, 0, T - 1), -1);
        ce.loss = -lp.gather(-1, ids.narrow(1, 1, T - 1).unsqueeze(-1)).mean();
      }
    }
    ce.loss.backward();
    GradNorm gn = clip_grad_norm(params, 1.0);
    if (gn.finite) optimizer.step();
    else ++skipped;
    optimizer.zero_grad();
    const double loss = ce.loss.item<double>();
    sync(opts.device);
    const double dt = seconds_since(t0);
    if (s == 0) loss_first = loss;
    loss_last = loss;
    grad_norm = gn.norm;
    if (s >= warmup) times.push_back(dt);
  }
  profile.reset();
  const double rss = bench_peak_rss_mb();
  const double peak_seconds = args.get_double("peak-seconds");
  const double peak = peak_seconds > 0 ? measure_peak_gflops(opts.device, peak_seconds) : 0.0;

  // FLOPs per token. Matmul weights: every parameter but the input embedding (a lookup), plus the
  // lm_head when it is tied to the embedding (HF's num_parameters(exclude_embeddings=True) when untied).
  const int64_t total_params = cfg.parameter_count();
  const int64_t matmul_params = total_params - cfg.vocab_size * cfg.hidden_size +
                                (cfg.tie_word_embeddings ? cfg.vocab_size * cfg.hidden_size : 0);
  const double attn = 12.0 * cfg.num_hidden_layers * cfg.num_attention_heads * cfg.head_dim * T;
  const double dense = rank > 0 ? 4.0 * matmul_params + 6.0 * lora_params : 6.0 * matmul_params;
  const double flops_per_token = dense + attn;
  const Stats st = stats_of(times);
  const double tokens_per_step = static_cast<double>(B * T);
  const double tps = tokens_per_step / st.mean;
  const double gflops = flops_per_token * tps / 1e9;
  const BlasInfo blas = blas_info_detect();

  nlohmann::json j;
  j["benchmark"] = "train";
  j["model"] = source;
  j["mode"] = rank > 0 ? "lora" : "full";
  j["params"] = total_params;
  j["matmul_params"] = matmul_params;
  j["trainable_params"] = rank > 0 ? lora_params : total_params;
  if (rank > 0) {
    j["lora_rank"] = rank;
    j["lora_targets"] = cli_split_list(args.get("lora-targets"));
  }
  j["batch"] = B;
  j["seq_len"] = T;
  j["tokens_per_step"] = B * T;
  j["steps"] = steps;
  j["warmup"] = warmup;
  j["dtype"] = args.get("dtype");
  j["autocast"] = autocast;
  j["device"] = opts.device.str();
  j["loss"] = loss_kind;
  j["chunk_tokens"] = chunk > 0 ? chunk : logprob_chunk_auto(cfg.vocab_size, B * (T - 1));
  j["threads"] = threads_guard.info().intra_op_threads;
  j["threads_reason"] = threads_guard.info().reason;
  j["blas_threads"] = threads_guard.info().blas_threads;
  j["blas_parallel"] = threads_guard.info().blas_parallel;
  j["omp_wait_policy"] = std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "";
  j["train_tokens_per_s"] = tps;
  j["step_time_s"] = {{"mean", st.mean}, {"median", st.median}, {"min", st.min}, {"max", st.max}};
  j["step_times_s"] = times;
  // The fastest step: the least disturbed by other processes on a shared machine.
  j["best_tokens_per_s"] = tokens_per_step / st.min;
  j["flops_per_token"] = flops_per_token;
  j["flops_counting"] =
      rank > 0 ? "4 x matmul_params (forward + input gradients; frozen weights get no weight gradient) + 6 x LoRA "
                 "params + attention 12 x layers x heads x head_dim x seq_len (QK^T and PV, forward 4, backward 8, "
                 "full square); matmul_params = all parameters except the input embedding"
               : "6 x matmul_params + attention 12 x layers x heads x head_dim x seq_len (QK^T and PV, forward 4, "
                 "backward 8, full square); matmul_params = all parameters except the input embedding (= HF "
                 "num_parameters(exclude_embeddings=True) for untied models)";
  j["model_gflops_per_s"] = gflops;
  j["peak_gflops_per_s"] = peak;
  j["peak_measure"] = opts.device.is_cuda() ? "fp32 at::mm 8192^3, ~" + std::to_string(peak_seconds) + " s"
                                            : "fp32 at::mm 2048^3, ~" + std::to_string(peak_seconds) + " s";
  j["mfu"] = peak > 0 ? gflops / peak : 0.0;
  j["peak_rss_mb"] = rss;
  j["loss_first"] = loss_first;
  j["loss_last"] = loss_last;
  j["grad_norm_last"] = grad_norm;
  j["skipped_steps"] = skipped;
  j["torch_version"] = compat::torch_version_string();
  j["blas"] = blas.name;
  j["cpu"] = bench_cpu_model();
  j["nproc"] = static_cast<int64_t>(std::thread::hardware_concurrency());
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

}  // namespace rf::cli
