// `recforge-cli sft`: supervised fine-tuning on prompt/completion JSON lines (teacher traces from
// `recforge-cli traces`, or a user's own file) with core/train/sft_trainer.h; full fine-tuning or LoRA,
// checkpoints under --out, one progress line per step (JSON lines with --json).
#include "commands.h"

#include "cli_args.h"
#include "cli_model.h"
#include "cli_run.h"
#include "engine/run_config.h"
#include "text/chat_format.h"
#include "text/tokenizer.h"
#include "train/checkpoint_dir.h"
#include "util/cpu_threads.h"
#include "train/lora_train.h"
#include "train/sft_trainer.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace rf::cli {

namespace {


}  // namespace

int cmd_sft(int argc, char** argv) {
  for (int i = 0; i < argc; ++i)  // a recorded run of a project (cli_run.h) rather than files in, folder out
    if (std::string(argv[i]) == "--project" || std::string(argv[i]).rfind("--project=", 0) == 0) return cli_run_command("sft", argc, argv);
  const RunSftConfig d;
  CliArgs args("sft",
               "Supervised fine-tuning on prompt/completion JSON lines: loss on the completion tokens only,\n"
               "the prompt wrapped in the model family's chat format (unless --no-chat), checkpoints under --out.\n"
               "With --project DIR instead: a recorded SFT run of the project from a run config (options as for grpo).",
               {{"model", "DIR", "Hugging Face model folder (config.json, safetensors, tokenizer.json)", ""},
                {"tokenizer", "DIR", "tokenizer folder or tokenizer.json (default: --model)", ""},
                {"data", "FILE", "JSON lines with \"prompt\" and \"completion\" (\"system\" optional)", ""},
                {"out", "DIR", "output folder: checkpoint-<step>/ sub-folders", ""},
                {"max-steps", "N", "optimiser steps (overrides --epochs)", std::to_string(d.max_steps)},
                {"epochs", "E", "num_train_epochs", "3"},
                {"lr", "X", "learning_rate", "2e-5"},
                {"batch-size", "B", "per_device_train_batch_size", std::to_string(d.per_device_train_batch_size)},
                {"grad-accum", "K", "gradient_accumulation_steps", std::to_string(d.gradient_accumulation_steps)},
                {"max-length", "T", "max_length (prompt + completion tokens)", std::to_string(d.max_length)},
                {"packing", "", "pack several examples per row", ""},
                {"full-loss", "", "loss on every token (completion_only_loss = false)", ""},
                {"scheduler", "NAME", "lr_scheduler_type: linear | cosine | constant | constant_with_warmup", d.lr_scheduler_type},
                {"warmup-ratio", "R", "warmup_ratio", "0"},
                {"weight-decay", "W", "weight_decay", "0"},
                {"max-grad-norm", "N", "max_grad_norm", "1"},
                {"eval-fraction", "F", "held-out fraction for eval_loss", "0.05"},
                {"eval-steps", "N", "eval_steps (0 = only at the end)", std::to_string(d.eval_steps)},
                {"save-steps", "N", "save_steps (0 = only at the end)", std::to_string(d.save_steps)},
                {"save-total-limit", "N", "save_total_limit: keep the N newest checkpoints (0 = all)", "0"},
                {"no-chat", "", "plain prompt + completion + EOS, no chat format", ""},
                {"format", "NAME", "chat format chatml | llama3 (default: detected from the tokenizer)", ""},
                {"lora", "R", "LoRA rank (0 = full fine-tuning)", "0"},
                {"lora-alpha", "A", "LoRA alpha (default 2 x rank)", ""},
                {"lora-targets", "LIST", "LoRA target modules, comma-separated, or all-linear", "q_proj,v_proj"},
                {"dtype", "TYPE", "float32 | bfloat16", "float32"},
                {"device", "DEV", "cpu | cuda | cuda:N", "cpu"},
                {"threads", "N", "intra-op threads (0 = auto)", "0"},
                {"seed", "N", "seed of shuffling, the split and LoRA init", "42"},
                {"json", "", "one JSON object per step instead of progress lines", ""}});
  if (!args.parse(argc, argv)) return 0;
  for (const char* req : {"model", "data", "out"})
    if (!args.has(req)) throw Error(std::string("recforge-cli sft: --") + req + " is required");

  SftOptions o;
  RunSftConfig& c = o.config;
  c.max_steps = static_cast<int>(args.get_int("max-steps"));
  c.num_train_epochs = args.get_double("epochs");
  c.learning_rate = args.get_double("lr");
  c.per_device_train_batch_size = static_cast<int>(args.get_int("batch-size"));
  c.gradient_accumulation_steps = static_cast<int>(args.get_int("grad-accum"));
  c.max_length = static_cast<int>(args.get_int("max-length"));
  c.packing = args.flag("packing");
  c.completion_only_loss = !args.flag("full-loss");
  c.lr_scheduler_type = args.get("scheduler");
  c.warmup_ratio = args.get_double("warmup-ratio");
  c.weight_decay = args.get_double("weight-decay");
  c.max_grad_norm = args.get_double("max-grad-norm");
  c.eval_steps = static_cast<int>(args.get_int("eval-steps"));
  c.save_steps = static_cast<int>(args.get_int("save-steps"));
  c.save_total_limit = static_cast<int>(args.get_int("save-total-limit"));
  o.eval_fraction = args.get_double("eval-fraction");
  o.seed = static_cast<uint64_t>(args.get_int("seed"));
  o.output_dir = args.get("out");
  const bool json = args.flag("json");

  const std::string model_dir = args.get("model");
  const Tokenizer tok = Tokenizer::load(args.get_or("tokenizer", model_dir));
  SftTokenizeOptions to;
  to.max_length = c.max_length;
  to.completion_only_loss = c.completion_only_loss;
  if (!args.flag("no-chat")) to.chat = args.has("format") ? chat_family_from_name(args.get("format")) : chat_family_detect(tok);
  const std::string data = args.get("data");
  std::vector<SftExample> examples;
  for (const SftRecord& r : sft_records_read(data)) {
    try {
      examples.push_back(sft_example_tokenize(tok, r, to));
    } catch (const Error& e) {
      throw Error(data + ":" + std::to_string(r.line) + ": " + e.what());
    }
  }
  o.pad_id = tok.pad_id().value_or(tok.eos_ids().empty() ? 0 : tok.eos_ids().front());

  ModelLoadOptions mo;
  mo.dtype = cli_parse_dtype(args.get("dtype"));
  mo.device = cli_parse_device(args.get("device"));
  std::unique_ptr<Transformer> model = Transformer::load(model_dir, mo);
  if (tok.vocab_size() > model->config().vocab_size)
    throw Error("recforge-cli sft: the tokenizer has " + std::to_string(tok.vocab_size()) + " ids, the model's vocab_size is " +
                std::to_string(model->config().vocab_size));
  const int64_t rank = args.get_int("lora");
  if (rank < 0) throw Error("recforge-cli sft: --lora must be >= 0");
  if (rank > 0) {
    LoraConfig lc;
    lc.rank = rank;
    lc.alpha = args.has("lora-alpha") ? args.get_double("lora-alpha") : 2.0 * static_cast<double>(rank);
    lc.target_modules = cli_split_list(args.get("lora-targets"));
    lora_attach(*model, lc, o.seed);
    o.lora = true;
    o.base_model_name_or_path = model_dir;
  }
  const std::filesystem::path tok_dir = std::filesystem::is_directory(args.get_or("tokenizer", model_dir))
                                            ? std::filesystem::path(args.get_or("tokenizer", model_dir))
                                            : std::filesystem::path(args.get_or("tokenizer", model_dir)).parent_path();
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"})
    o.copy_files.push_back((tok_dir / f).string());
  std::filesystem::create_directories(o.output_dir);

  CpuThreadsGuard threads(mo.device, static_cast<int>(args.get_int("threads")));
  SftCallbacks cb;
  cb.on_step = [&](const SftStepMetrics& m) {
    // Older checkpoints go only once the new one is whole on disk (sft_train has renamed it into place).
    const std::vector<std::string> removed =
        m.checkpoint.empty() ? std::vector<std::string>{} : checkpoint_dirs_prune(o.output_dir, c.save_total_limit);
    if (json) {
      nlohmann::json j = {{"step", m.step},           {"max_steps", m.max_steps},   {"epoch", m.epoch},
                          {"loss", cli_json_number(m.loss)}, {"learning_rate", m.learning_rate},
                          {"grad_norm", cli_json_number(m.grad_norm)}, {"num_tokens", m.num_tokens},
                          {"tokens_per_s", m.tokens_per_s}, {"step_time", m.step_time}, {"skipped", m.skipped}};
      if (std::isfinite(m.eval_loss)) j["eval_loss"] = m.eval_loss;
      if (!m.checkpoint.empty()) j["checkpoint"] = m.checkpoint;
      if (!removed.empty()) j["checkpoints_removed"] = removed;
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("step %lld/%lld  epoch %.2f  loss %.4f  lr %.3g  grad_norm %.3f  %.0f tok/s  %.2fs%s%s%s\n",
                  static_cast<long long>(m.step), static_cast<long long>(m.max_steps), m.epoch, m.loss, m.learning_rate,
                  m.grad_norm, m.tokens_per_s, m.step_time,
                  std::isfinite(m.eval_loss) ? ("  eval_loss " + std::to_string(m.eval_loss)).c_str() : "",
                  m.skipped ? "  (skipped: non-finite)" : "",
                  m.checkpoint.empty() ? "" : ("  -> " + m.checkpoint).c_str());
      for (const std::string& dir : removed) std::printf("removed %s (save_total_limit %d)\n", dir.c_str(), c.save_total_limit);
    }
    std::fflush(stdout);
  };
  const SftResult r = sft_train(*model, examples, o, cb);
  checkpoint_dirs_prune(o.output_dir, c.save_total_limit);  // a checkpoint written without a step callback
  if (!json)
    std::printf("done: %lld steps, loss %.4f, checkpoint %s\n", static_cast<long long>(r.steps), r.last_loss,
                r.last_checkpoint.c_str());
  return 0;
}

}  // namespace rf::cli
