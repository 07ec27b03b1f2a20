// Byte-level BPE trainer: learns merges from text with GPT-2-style byte-level pre-tokenization (the
// ByteLevel pre-tokenizer with its regex, no normalizer) and writes a Hugging Face tokenizer.json +
// tokenizer_config.json that rf::Tokenizer::load (and the `tokenizers` library) read back.
//
// Ids: the special tokens first (0..k-1, in the order given), then the 256 byte tokens, then one token
// per merge. Training follows Hugging Face's BpeTrainer: the most frequent adjacent pair is merged next
// (ties: the smaller pair of ids), pair counts are updated incrementally from the words that contain the
// merged pair, and training stops at the vocabulary size or when no pair reaches min_frequency.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rf {

struct BpeTrainerOptions {
  int64_t vocab_size = 8000;  // total, including the special and the 256 byte tokens
  int64_t min_frequency = 2;  // a pair seen fewer times is never merged
  std::vector<std::string> special_tokens;
  // Names for tokenizer_config.json (each must be one of special_tokens). Empty: eos and pad default to
  // <|endoftext|> when it is a special token, else to the first special token; bos stays unset.
  std::string bos_token, eos_token, pad_token;
};

struct BpeTrainerResult {
  std::string tokenizer_json;         // Hugging Face format
  std::string tokenizer_config_json;  // special-token names, added_tokens_decoder, a ChatML chat_template when possible
  int64_t vocab_size = 0;
  int64_t merge_count = 0;
  int64_t word_count = 0;  // distinct pre-tokenized words seen
};

class BpeTrainer {
 public:
  explicit BpeTrainer(BpeTrainerOptions options);  // throws rf::Error on inconsistent options

  // Pre-tokenizes and counts; special tokens written in the text are cut out and not learned from.
  void add_text(std::string_view text);
  void add_file(const std::string& path);

  BpeTrainerResult train() const;

 private:
  BpeTrainerOptions options_;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>> word_counts_;
};

// Writes result.tokenizer_json / tokenizer_config_json into `dir` (created if needed) atomically.
void bpe_trainer_write(const BpeTrainerResult& result, const std::string& dir);

// One call: train on texts and return the files' contents.
BpeTrainerResult bpe_train(const std::vector<std::string>& texts, const BpeTrainerOptions& options);

}  // namespace rf
