// `recforge-cli demo`: the headless main job until the workbench exists. In about a minute on a laptop
// CPU it shows the whole engine working: trains a byte-level BPE tokenizer on generated
// recommendation text, trains a small Llama-architecture model from scratch on it (core/train/pretrain.h:
// AdamW, warm-up + cosine, clipping), saves both as a Hugging Face folder, and asks the model what each
// reader picks next.
#include "commands.h"

#include "cli_args.h"
#include "demo_corpus.h"
#include "generate/generate.h"
#include "model/transformer.h"
#include "text/tokenizer.h"
#include "train/pretrain.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace rf::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

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

  // 1-2. Corpus, tokenizer and model trained from scratch (core/train/pretrain.h), one sentence per row.
  const std::vector<std::string> corpus = demo_corpus_make(static_cast<int>(lines), seed);
  std::printf("[1/4] corpus: %zu sentences, e.g. \"%s\"\n", corpus.size(), corpus[0].c_str());
  PretrainOptions po;
  po.vocab_size = 512;
  po.max_position_embeddings = 256;
  po.seq_len = 255;
  po.packing = false;
  po.steps = steps;
  po.batch = batch;
  po.lr = lr;
  po.seed = seed;
  const PretrainResult trained = pretrain_run(corpus, po, model_dir, [&](const PretrainProgress& p) {
    if (p.stage == PretrainProgress::Stage::tokenizer) {
      std::printf("[2/4] tokenizer: %lld tokens (%lld merges), %.1f tokens per sentence\n",
                  static_cast<long long>(p.vocab_size), static_cast<long long>(p.merge_count),
                  static_cast<double>(p.corpus_tokens) / static_cast<double>(p.documents));
    } else if (p.stage == PretrainProgress::Stage::start) {
      std::printf("[3/4] training a %.2fM-parameter Llama-architecture model for %lld steps (batch %lld)\n",
                  p.parameters / 1e6, static_cast<long long>(steps), static_cast<long long>(batch));
    } else if (p.skipped) {
      std::printf("  step %lld: non-finite gradient, step skipped\n", static_cast<long long>(p.step));
    } else if (p.step % 25 == 0 || p.step == 1 || p.step == p.steps) {
      std::printf("  step %4lld  loss %.4f  lr %.2e  %.0f tokens/s\n", static_cast<long long>(p.step), p.loss, p.lr,
                  p.tokens_per_second);
    }
  });
  const double first_loss = trained.first_loss, loss_value = trained.final_loss;
  const Tokenizer tok = Tokenizer::load(model_dir);
  const int64_t eos = tok.eos_ids().empty() ? 0 : tok.eos_ids()[0];
  auto model = Transformer::load(model_dir);

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
                              {"parameters", trained.parameters}};
    std::printf("%s\n", summary.dump(2).c_str());
  }
  return 0;
}

}  // namespace rf::cli
