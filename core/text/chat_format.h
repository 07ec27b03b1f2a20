// Chat formats: wrapping a conversation in a model family's special tokens, as the Hugging Face chat
// templates of those families render it.
//   ChatML (Qwen2/2.5/3):  <|im_start|>{role}\n{content}<|im_end|>\n ...  generation prompt <|im_start|>assistant\n
//   Llama 3:               <|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|> ...
//                          generation prompt <|start_header_id|>assistant<|end_header_id|>\n\n
//                          (content is trimmed of surrounding whitespace, as Meta's template does)
#pragma once

#include <string>
#include <vector>

namespace rf {

class Tokenizer;

enum class ChatFamily { ChatML, Llama3 };

struct ChatMessage {
  std::string role, content;
};

// `assistant_prefill` is written after the generation prompt (the start of the answer the model continues);
// a non-empty prefill implies the generation prompt.
std::string chat_format_render(ChatFamily family, const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                               const std::string& assistant_prefill = "");

// From the special tokens the tokenizer has: <|im_start|>/<|im_end|> -> ChatML, <|start_header_id|>/
// <|end_header_id|>/<|eot_id|> -> Llama3. Throws rf::Error when it has neither set.
ChatFamily chat_family_detect(const Tokenizer& tokenizer);

const char* chat_family_name(ChatFamily family);  // "chatml", "llama3"
// "chatml" / "qwen" -> ChatML, "llama3" / "llama-3" -> Llama3; throws rf::Error naming the others.
ChatFamily chat_family_from_name(const std::string& name);

// The strings that end an assistant turn in this family (for stop rules): "<|im_end|>" or "<|eot_id|>".
std::string chat_family_end_of_turn(ChatFamily family);

}  // namespace rf
