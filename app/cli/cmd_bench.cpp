// `recforge-cli bench <what>`: benchmarks that print one JSON object on stdout.
#include "commands.h"

#include "cli_args.h"

#include <cstdio>
#include <string>

namespace rf::cli {

int cmd_bench(int argc, char** argv) {
  const char* usage =
      "usage: recforge-cli bench <tokenizer|generate|train|grpo|import|retrieve|reward> [options]\n\n"
      "Benchmarks print one JSON object on stdout. Every model benchmark takes --model DIR or\n"
      "--config config.json (random weights from a Hugging Face config alone).\n";
  return cli_actions_run("recforge-cli bench", usage,
                         {{"tokenizer", bench_tokenizer},
                          {"generate", bench_generate},
                          {"train", bench_train},
                          {"grpo", bench_grpo},
                          {"import", bench_import},
                          {"retrieve", bench_retrieve},
                          {"reward", bench_reward}},
                         argc, argv);
}

}  // namespace rf::cli
