// Chat-format rendering (ChatML and Llama 3) and detection of the family from a tokenizer's special tokens.
#include "text/chat_format.h"

#include "text/tokenizer.h"
#include "text/unicode.h"
#include "util/error.h"

namespace rf {

std::string chat_format_render(ChatFamily family, const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                               const std::string& assistant_prefill) {
  std::string out;
  const bool prompt = add_generation_prompt || !assistant_prefill.empty();
  switch (family) {
    case ChatFamily::ChatML:
      for (const ChatMessage& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
      if (prompt) out += "<|im_start|>assistant\n";
      break;
    case ChatFamily::Llama3:
      out += "<|begin_of_text|>";
      for (const ChatMessage& m : messages)
        out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + std::string(text::utf8_trim(m.content)) +
               "<|eot_id|>";
      if (prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
      break;
  }
  out += assistant_prefill;
  return out;
}

ChatFamily chat_family_detect(const Tokenizer& tokenizer) {
  auto has = [&](const char* token) { return tokenizer.token_to_id(token).has_value(); };
  if (has("<|im_start|>") && has("<|im_end|>")) return ChatFamily::ChatML;
  if (has("<|start_header_id|>") && has("<|end_header_id|>") && has("<|eot_id|>")) return ChatFamily::Llama3;
  throw Error(tokenizer.source() +
              ": no known chat format: the tokenizer has neither <|im_start|>/<|im_end|> (ChatML) nor "
              "<|start_header_id|>/<|end_header_id|>/<|eot_id|> (Llama 3)");
}

const char* chat_family_name(ChatFamily family) { return family == ChatFamily::ChatML ? "chatml" : "llama3"; }

ChatFamily chat_family_from_name(const std::string& name) {
  if (name == "chatml" || name == "qwen") return ChatFamily::ChatML;
  if (name == "llama3" || name == "llama-3") return ChatFamily::Llama3;
  throw Error("unknown chat format '" + name + "' (expected chatml or llama3)");
}

std::string chat_family_end_of_turn(ChatFamily family) { return family == ChatFamily::ChatML ? "<|im_end|>" : "<|eot_id|>"; }

}  // namespace rf
