// `recforge-cli train-tokenizer`: train a byte-level BPE tokenizer on text files and write tokenizer.json +
// tokenizer_config.json (Hugging Face format) into --out; prints a JSON summary.
#include "commands.h"

#include "cli_args.h"
#include "text/bpe_trainer.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace rf::cli {

namespace {

}  // namespace

int cmd_train_tokenizer(int argc, char** argv) {
  CliArgs args("train-tokenizer",
               "Train a byte-level BPE tokenizer (GPT-2-style pre-tokenization) on text files and write\n"
               "tokenizer.json and tokenizer_config.json in Hugging Face's format to --out.",
               {{"input", "FILE[,FILE...]", "text files to learn from", ""},
                {"vocab-size", "N", "total vocabulary size, including the 256 byte tokens and the special tokens", "8000"},
                {"min-frequency", "N", "never merge a pair seen fewer times", "2"},
                {"special", "LIST", "comma-separated special tokens, given ids 0, 1, ...", "<|endoftext|>,<|im_start|>,<|im_end|>"},
                {"no-special", "", "train without special tokens", ""},
                {"eos", "TOKEN", "eos_token for tokenizer_config.json (default: <|endoftext|> or the first special)", ""},
                {"out", "DIR", "output folder (created if needed)", ""}});
  if (!args.parse(argc, argv)) return 0;
  const std::vector<std::string> inputs = cli_split_list(args.get("input"));
  if (inputs.empty()) throw Error("recforge-cli train-tokenizer: --input names no file");
  const std::string out_dir = args.get("out");

  BpeTrainerOptions options;
  options.vocab_size = args.get_int("vocab-size");
  options.min_frequency = args.get_int("min-frequency");
  if (!args.flag("no-special")) options.special_tokens = cli_split_list(args.get("special"));
  options.eos_token = args.get_or("eos", "");

  const auto start = std::chrono::steady_clock::now();
  BpeTrainer trainer(options);
  uintmax_t input_bytes = 0;
  for (const std::string& path : inputs) {
    trainer.add_file(path);
    std::error_code ec;
    input_bytes += std::filesystem::file_size(path, ec);
  }
  const BpeTrainerResult result = trainer.train();
  bpe_trainer_write(result, out_dir);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::ordered_json j;
  j["out"] = out_dir;
  j["vocab_size"] = result.vocab_size;
  j["merges"] = result.merge_count;
  j["distinct_words"] = result.word_count;
  j["special_tokens"] = options.special_tokens;
  j["input_bytes"] = input_bytes;
  j["seconds"] = seconds;
  if (result.vocab_size < options.vocab_size)
    std::fprintf(stderr, "note: the text supports only %lld tokens (asked for %lld)\n", static_cast<long long>(result.vocab_size),
                 static_cast<long long>(options.vocab_size));
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

}  // namespace rf::cli
