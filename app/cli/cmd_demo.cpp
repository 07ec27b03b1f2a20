// `recforge-cli demo`: the headless main job until the workbench exists. In about a minute on a laptop
// CPU it shows the whole engine working: trains a byte-level BPE tokenizer on generated
// recommendation text, trains a small Llama-architecture model from scratch on it (AdamW, warm-up +
// cosine, clipping), saves both as a Hugging Face folder, and asks the model what each reader picks next.
#include "commands.h"

#include "cli_args.h"
#include "demo_corpus.h"
#include "generate/generate.h"
#include "model/transformer.h"
#include "text/bpe_trainer.h"
#include "text/tokenizer.h"
#include "train/adamw.h"
#include "train/cpu_threads.h"
#include "train/grad_clip.h"
#include "train/lr_schedule.h"
#include "train/token_logprobs.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

namespace rf::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

ModelConfig demo_model_config(const Tokenizer& tok) {
  nlohmann::json j = {{"model_type", "llama"},
                      {"architectures", {"LlamaForCausalLM"}},
                      {"vocab_size", tok.vocab_size()},
                      {"hidden_size", 128},
                      {"intermediate_size", 352},
                      {"num_hidden_layers", 4},
                      {"num_attention_heads", 4},
                      {"num_key_value_heads", 2},
                      {"max_position_embeddings", 256},
                      {"rms_norm_eps", 1e-6},
                      {"rope_theta", 10000.0},
                      {"tie_word_embeddings", true},
                      {"hidden_act", "silu"}};
  if (auto eos = tok.eos_ids(); !eos.empty()) j["eos_token_id"] = eos[0];
  return model_config_from_json(j, "demo config");
}

// A right-padded batch: input_ids (B, T) and loss_mask (B, T) marking the real tokens after the first.
std::pair<at::Tensor, at::Tensor> demo_batch(const std::vector<std::vector<int64_t>>& seqs,
                                             const std::vector<size_t>& rows, int64_t pad_id) {
  size_t longest = 0;
  for (size_t r : rows) longest = std::max(longest, seqs[r].size());
  const int64_t B = static_cast<int64_t>(rows.size()), T = static_cast<int64_t>(longest);
  at::Tensor ids = at::full({B, T}, pad_id, at::kLong);
  at::Tensor mask = at::zeros({B, T}, at::kLong);
  auto ia = ids.accessor<int64_t, 2>();
  auto ma = mask.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& s = seqs[rows[b]];
    for (size_t t = 0; t < s.size(); ++t) {
      ia[b][t] = s[t];
      ma[b][t] = t > 0 ? 1 : 0;
    }
  }
  return {ids, mask};
}

}  // namespace

int cmd_demo(int argc, char** argv) {
  CliArgs args("demo",
               "Headless demo: train a BPE tokenizer and a small Llama-architecture model on generated\n"
               "recommendation text, save them as a Hugging Face folder, then generate from the model.",
               {{"out", "DIR", "where the trained tokenizer and model are written", "recforge-demo"},
                {"steps", "N", "training steps", "300"},
                {"batch", "B", "sentences per step", "16"},
                {"lines", "N", "sentences in the generated corpus", "800"},
                {"lr", "LR", "peak learning rate (warm-up + cosine)", "0.003"},
                {"seed", "S", "seed for the corpus, the weights and the batches", "7"},
                {"json", "", "print a JSON summary at the end", ""}});
  if (!args.parse(argc, argv)) return 0;
  const std::string out = args.get("out");
  const int64_t steps = args.get_int("steps"), batch = args.get_int("batch"), lines = args.get_int("lines");
  const double lr = args.get_double("lr");
  const uint64_t seed = static_cast<uint64_t>(args.get_int("seed"));
  if (steps < 1 || batch < 1 || lines < 10) throw Error("demo: --steps and --batch must be >= 1, --lines >= 10");
  const std::string model_dir = out + "/model";
  std::filesystem::create_directories(model_dir);
  const auto t_start = Clock::now();

  // 1. Corpus and tokenizer.
  const std::vector<std::string> corpus = demo_corpus_make(static_cast<int>(lines), seed);
  std::printf("[1/4] corpus: %zu sentences, e.g. \"%s\"\n", corpus.size(), corpus[0].c_str());
  BpeTrainerOptions bpe;
  bpe.vocab_size = 512;
  bpe.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  const BpeTrainerResult trained = bpe_train(corpus, bpe);
  bpe_trainer_write(trained, model_dir);
  const Tokenizer tok = Tokenizer::load(model_dir);
  const int64_t eos = tok.eos_ids().empty() ? 0 : tok.eos_ids()[0];
  std::vector<std::vector<int64_t>> seqs;
  int64_t corpus_tokens = 0;
  for (const auto& line : corpus) {
    const auto ids32 = tok.encode(line);
    std::vector<int64_t> ids(ids32.begin(), ids32.end());
    ids.push_back(eos);
    corpus_tokens += static_cast<int64_t>(ids.size());
    seqs.push_back(std::move(ids));
  }
  std::printf("[2/4] tokenizer: %lld tokens (%lld merges), %.1f tokens per sentence\n",
              static_cast<long long>(trained.vocab_size), static_cast<long long>(trained.merge_count),
              static_cast<double>(corpus_tokens) / corpus.size());

  // 2. Model and training.
  const ModelConfig config = demo_model_config(tok);
  auto model = Transformer::random(config, seed);
  model->set_requires_grad(true);
  model->set_training(true);
  AdamW opt(model->named_parameters(), AdamWOptions{lr, 0.9, 0.95, 1e-8, 0.01, true});
  LrSchedule schedule{LrScheduleKind::cosine, lr, std::max<int64_t>(1, steps / 15), steps, 0.1};
  std::printf("[3/4] training a %.2fM-parameter Llama-architecture model for %lld steps (batch %lld)\n",
              config.parameter_count() / 1e6, static_cast<long long>(steps), static_cast<long long>(batch));
  std::mt19937_64 rng(seed);
  std::vector<size_t> order(seqs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  size_t cursor = order.size();
  double loss_value = 0.0, first_loss = -1.0;
  int64_t trained_tokens = 0;
  const auto t_train = Clock::now();
  {
    TrainCpuThreadsGuard threads(model->device());  // one thread pool for the matmuls while training
    for (int64_t step = 0; step < steps; ++step) {
      std::vector<size_t> rows;
      while (static_cast<int64_t>(rows.size()) < batch) {
        if (cursor == order.size()) {
          std::shuffle(order.begin(), order.end(), rng);
          cursor = 0;
        }
        rows.push_back(order[cursor++]);
      }
      auto [ids, mask] = demo_batch(seqs, rows, eos);
      CrossEntropy ce = masked_cross_entropy(*model, ids, mask);
      opt.zero_grad();
      ce.loss.backward();
      const GradNorm norm = clip_grad_norm(opt.parameters(), 1.0);
      if (!norm.finite) {
        std::printf("  step %lld: non-finite gradient, step skipped\n", static_cast<long long>(step + 1));
        continue;
      }
      opt.step(lr_at(schedule, step));
      loss_value = ce.loss.item<double>();
      if (first_loss < 0) first_loss = loss_value;
      trained_tokens += ce.tokens;
      if ((step + 1) % 25 == 0 || step == 0 || step + 1 == steps)
        std::printf("  step %4lld  loss %.4f  lr %.2e  %.0f tokens/s\n", static_cast<long long>(step + 1), loss_value,
                    lr_at(schedule, step), trained_tokens / seconds_since(t_train));
    }
  }
  model->set_training(false);
  model->set_requires_grad(false);
  model->save(model_dir);

  // 3. Ask the model what each reader picks next.
  std::printf("[4/4] saved to %s; greedy continuations:\n", model_dir.c_str());
  const std::vector<std::string> prompts = {"Maya likes mystery. Read: The Glass Harbor,",
                                            "Omar likes science fiction. Read:", "Lena likes cooking. Read:",
                                            "Tom likes history. Read: River Kings,", "Ines likes travel. Read:"};
  std::vector<std::vector<int64_t>> prompt_ids;
  for (const auto& p : prompts) {
    const auto ids32 = tok.encode(p);
    prompt_ids.emplace_back(ids32.begin(), ids32.end());
  }
  GenerateOptions gen;
  gen.max_new_tokens = 48;
  gen.eos_ids = {eos};
  gen.pad_id = eos;
  GenerateStats stats;
  const auto results = generate(*model, prompt_ids, gen, &stats);
  nlohmann::json samples = nlohmann::json::array();
  for (size_t i = 0; i < prompts.size(); ++i) {
    const std::string text = tok.decode(std::vector<int32_t>(results[i].tokens.begin(), results[i].tokens.end()), true);
    std::printf("  %s|%s\n", prompts[i].c_str(), text.c_str());
    samples.push_back({{"prompt", prompts[i]}, {"completion", text}});
  }
  const double total = seconds_since(t_start);
  std::printf("done in %.1f s: loss %.3f -> %.3f; decode %.0f tokens/s\n", total, first_loss, loss_value,
              stats.decode_seconds > 0 ? stats.decode_tokens / stats.decode_seconds : 0.0);
  std::printf("try: recforge-cli generate --model %s --prompt \"Nora likes travel. Read:\" --greedy\n", model_dir.c_str());
  if (args.flag("json")) {
    nlohmann::json summary = {{"model_dir", model_dir},     {"steps", steps},          {"first_loss", first_loss},
                              {"final_loss", loss_value},   {"seconds", total},        {"samples", samples},
                              {"parameters", config.parameter_count()}};
    std::printf("%s\n", summary.dump(2).c_str());
  }
  return 0;
}

}  // namespace rf::cli
