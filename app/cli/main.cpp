// recforge-cli: the headless face of the engine. Dispatches to one subcommand; errors go to stderr
// with a non-zero exit, results go to stdout (JSON where another program will read them).
#include "commands.h"

#include "util/error.h"
#include "util/runtime_init.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

struct Subcommand {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

const Subcommand kSubcommands[] = {
    {"info", rf::cli::cmd_info, "show the version, the LibTorch build, devices and the BLAS in use"},
    {"tokenize", rf::cli::cmd_tokenize, "encode strings to token ids (or --decode ids) with a tokenizer.json"},
    {"train-tokenizer", rf::cli::cmd_train_tokenizer, "train a byte-level BPE tokenizer on text files"},
    {"chat-format", rf::cli::cmd_chat_format, "wrap messages in a model family's chat format (ChatML, Llama 3)"},
    {"logits", rf::cli::cmd_logits, "print the logits of a Hugging Face model folder for given token ids"},
    {"generate", rf::cli::cmd_generate, "generate tokens or text from a model folder (greedy or sampled)"},
    {"bench", rf::cli::cmd_bench, "benchmarks printing JSON: tokenizer | generate | train | grpo | import | retrieve | reward"},
    {"demo", rf::cli::cmd_demo, "headless main job: the sample project's base model, SFT and two GRPO runs, their table and checks"},
    {"eval", rf::cli::cmd_eval, "fit a baseline on a split and report next-item or rating metrics"},
    {"sample-world", rf::cli::cmd_sample_world, "write the sample world, or replay a recommender against its users"},
    {"data", rf::cli::cmd_data, "import data sets into a project, list them, show stats and user histories"},
    {"retrieve", rf::cli::cmd_retrieve, "search a catalogue with BM25 (SQLite FTS5) as the Query recipe does"},
    {"parse", rf::cli::cmd_parse, "parse a model completion (tags, list / query / rating) and print the result as JSON"},
    {"prompt", rf::cli::cmd_prompt, "render a recipe's prompt for one user from a data set and a template"},
    {"traces", rf::cli::cmd_traces, "write teacher traces (prompt + completion JSON lines) for SFT and cold start"},
    {"pretrain", rf::cli::cmd_pretrain, "pretrain a small base model (BPE tokenizer + Llama) from scratch on a data set"},
    {"sft", rf::cli::cmd_sft, "supervised fine-tuning on prompt/completion JSON lines (full or LoRA); --project: a recorded run"},
    {"grpo", rf::cli::cmd_grpo, "a GRPO run in a project: rollouts, rewards, updates, all recorded in the run store"},
    {"resume", rf::cli::cmd_resume, "continue a run (killed, stopped or failed) from its last checkpoint"},
    {"runs", rf::cli::cmd_runs, "list the runs recorded in a project, or summarise one (metrics, evaluations, events)"},
    {"compare", rf::cli::cmd_compare, "two runs' evaluations paired user by user: each metric's difference with its standard error"},
    {"export", rf::cli::cmd_export, "export a run's metrics, trajectories, events and evaluations as CSV / JSON lines"},
};

void print_usage() {
  std::printf("usage: recforge-cli <command> [options]\n\nRecForge %s: train reasoning recommenders.\n\ncommands:\n",
              RECFORGE_VERSION);
  for (const auto& s : kSubcommands) std::printf("  %-17s %s\n", s.name, s.summary);
  std::printf("\n'recforge-cli <command> --help' describes a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage();
    return 2;
  }
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    print_usage();
    return 0;
  }
  if (command == "--version" || command == "version") {
    std::printf("recforge-cli %s\n", RECFORGE_VERSION);
    return 0;
  }
  const std::string blas_warning = rf::runtime_init();
  if (!blas_warning.empty()) std::fprintf(stderr, "%s\n", blas_warning.c_str());
  for (const auto& s : kSubcommands) {
    if (command != s.name) continue;
    try {
      return s.run(argc - 2, argv + 2);
    } catch (const rf::Error& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "error: unknown command '%s' (see recforge-cli --help)\n", command.c_str());
  return 2;
}
