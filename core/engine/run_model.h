// A run's language model and its tokenizer, loaded together from a Hugging Face folder, with what every
// trainer and evaluator needs to talk to it the same way: the chat family (detected from the tokenizer), the
// ids that end a turn, the padding id, prompt rendering (system + user message in the chat format, the
// generation prompt, then the preset's prefill) with left truncation at max_prompt_length, and decoding.
#pragma once

#include "model/transformer.h"
#include "text/chat_format.h"
#include "text/token_texts.h"
#include "text/tokenizer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rf {

struct RunModel {
  std::string dir;                    // the folder the weights came from
  std::unique_ptr<Transformer> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::optional<ChatFamily> chat;     // nullopt: plain text prompts (no chat template)
  std::vector<int64_t> eos_ids;       // the tokenizer's EOS ids and the chat family's end-of-turn id
  int64_t pad_id = 0;
  std::shared_ptr<const TokenTexts> token_texts;  // made on first use by run_model_token_texts
};

// "auto" | "cpu" | "cuda" | "cuda:N" and "auto" | "float32" | "bfloat16" (run config names). rf::Error names the
// field ("device", "dtype").
ModelLoadOptions run_model_load_options(const std::string& device, const std::string& dtype);

// The tokenizer, chat family, EOS and padding ids of `dir` without the weights (model stays null): enough
// for run_model_prompt_ids and run_model_decode, e.g. to count a prompt's tokens in the template designer.
RunModel run_model_load_tokenizer(const std::string& dir);

// Loads weights and tokenizer from `dir` (config.json, *.safetensors, tokenizer.json). rf::Error names the folder.
RunModel run_model_load(const std::string& dir, const ModelLoadOptions& options);

// The prompt's token ids as the model sees them; at most max_prompt_length (> 0) tokens, cut from the left.
std::vector<int64_t> run_model_prompt_ids(const RunModel& m, const std::string& system, const std::string& prompt,
                                          const std::string& prefill, int64_t max_prompt_length);

// Token ids -> text, special tokens skipped.
std::string run_model_decode(const RunModel& m, const std::vector<int64_t>& ids);

// Every token's text (constrained decoding), made once per model and kept.
std::shared_ptr<const TokenTexts> run_model_token_texts(RunModel& m);

// Files copied into checkpoints so each is a loadable Hugging Face folder.
std::vector<std::string> run_model_tokenizer_files(const RunModel& m);

}  // namespace rf
