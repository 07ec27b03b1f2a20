// `recforge-cli bench <what>`: benchmarks that print one JSON object on stdout.
#include "commands.h"

#include "util/error.h"

#include <cstdio>
#include <string>

namespace rf::cli {

int cmd_bench(int argc, char** argv) {
  const char* usage =
      "usage: recforge-cli bench <tokenizer|generate|train|grpo|import|retrieve|reward> [options]\n\n"
      "Benchmarks print one JSON object on stdout. Every model benchmark takes --model DIR or\n"
      "--config config.json (random weights from a Hugging Face config alone).\n";
  if (argc < 1) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string what = argv[0];
  if (what == "--help" || what == "-h") {
    std::fputs(usage, stdout);
    return 0;
  }
  if (what == "tokenizer") return bench_tokenizer(argc - 1, argv + 1);
  if (what == "generate") return bench_generate(argc - 1, argv + 1);
  if (what == "train") return bench_train(argc - 1, argv + 1);
  if (what == "grpo") return bench_grpo(argc - 1, argv + 1);
  if (what == "import") return bench_import(argc - 1, argv + 1);
  if (what == "retrieve") return bench_retrieve(argc - 1, argv + 1);
  if (what == "reward") return bench_reward(argc - 1, argv + 1);
  throw Error("unknown benchmark '" + what + "' (expected tokenizer, generate, train, grpo, import, retrieve or reward)");
}

}  // namespace rf::cli
