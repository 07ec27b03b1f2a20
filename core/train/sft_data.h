// SFT data: reading prompt/completion JSON lines (teacher traces from `recforge-cli traces`, or a user's
// own file) and tokenising each pair into one training example whose loss mask covers the completion
// only. With a chat family the prompt (and the optional system message) is the user turn and the
// completion is the assistant turn, rendered exactly as core/text/chat_format.h renders a conversation;
// the completion tokens are the full conversation's text after the generation prompt (so they include
// the end-of-turn token). Without a chat family the texts are concatenated and the tokenizer's first
// EOS id ends the completion.
#pragma once

#include "text/chat_format.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rf {

class Tokenizer;

struct SftRecord {
  std::string system;      // "" for none
  std::string prompt;      // the user message
  std::string completion;  // the whole assistant message
  int64_t line = 0;        // 1-based line in the file it came from
};

// One JSON object per line with string fields "prompt" and "completion" ("system" optional; other fields
// are ignored; blank lines are skipped). rf::Error names "file:line: field: ..." for the first bad line.
std::vector<SftRecord> sft_records_read(const std::string& path);

struct SftExample {
  std::vector<int32_t> ids;      // (T) prompt tokens then completion tokens
  std::vector<uint8_t> loss;     // (T) 1 where the token is predicted and counts in the loss
  int64_t prompt_tokens = 0;     // after truncation
  int64_t completion_tokens = 0; // after truncation
  int64_t length() const { return static_cast<int64_t>(ids.size()); }
};

struct SftTokenizeOptions {
  std::optional<ChatFamily> chat;    // nullopt: plain concatenation + EOS
  int64_t max_length = 1024;         // prompt + completion; the prompt loses tokens from its left first
  bool completion_only_loss = true;  // false: every token but the first counts
};

// Tokenises one record. When the completion alone is longer than max_length it keeps its first
// max_length tokens and no prompt token. rf::Error (naming the record's line) when the completion is empty.
SftExample sft_example_tokenize(const Tokenizer& tokenizer, const SftRecord& record, const SftTokenizeOptions& options);

// The same from token ids already split into prompt and completion (what sft_example_tokenize ends with).
SftExample sft_example_from_ids(std::vector<int32_t> prompt, std::vector<int32_t> completion, int64_t max_length,
                                bool completion_only_loss);

}  // namespace rf
