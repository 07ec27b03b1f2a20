// rf::Tokenizer: a Hugging Face tokenizer.json (BPE model) with its tokenizer_config.json, encoding text
// to ids and decoding ids to text exactly as the Hugging Face `tokenizers` library does for the families
// RecForge supports: byte-level BPE (Qwen2/2.5/3, Llama 3, GPT-2 style, RecForge's own) and SentencePiece
// BPE with byte fallback (Llama 2, Mistral).
//
// A Tokenizer is immutable once loaded: copies and moves are cheap (shared state) and one instance may be
// used from many threads at once. Every failure to load is an rf::Error naming the file and the field.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rf {

namespace text {
struct TokenizerImpl;
}

class Tokenizer {
 public:
  // `path`: a model folder holding tokenizer.json (and usually tokenizer_config.json), or a tokenizer.json
  // file (a tokenizer_config.json next to it is read too).
  static Tokenizer load(const std::string& path);
  // tokenizer.json content; `source_name` names it in error messages. No tokenizer_config.json.
  static Tokenizer from_json_text(const std::string& json, const std::string& source_name);
  // As above with the content of a tokenizer_config.json ("" for none).
  static Tokenizer from_json_text(const std::string& json, const std::string& config_json, const std::string& source_name);

  // add_special_tokens: apply the post-processor (e.g. a BOS token) as Hugging Face does.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = false) const;
  // Throws rf::Error for an id < 0 or >= vocab_size(); ids inside the range that name no token are
  // skipped (as Hugging Face does). Invalid UTF-8 from partial byte tokens becomes U+FFFD.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  int64_t vocab_size() const;  // incl. added tokens (max id + 1)
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::string id_to_token(int32_t id) const;  // throws rf::Error when no token has this id

  std::optional<int32_t> bos_id() const;
  // The configured eos_token first, then the end-of-turn / end-of-text special tokens the vocabulary has
  // (<|im_end|>, <|endoftext|>, <|eot_id|>, <|end_of_text|>, <|eom_id|>, </s>): every id generation
  // should stop at.
  std::vector<int32_t> eos_ids() const;
  std::optional<int32_t> pad_id() const;
  bool is_special(int32_t id) const;  // an added token marked "special"

  bool has_chat_template() const;         // tokenizer_config.json carries a chat_template
  const std::string& chat_template() const;  // "" when absent (a list of named templates: the default one)
  bool byte_level() const;                // byte-level BPE (vs SentencePiece-style)
  bool clean_up_tokenization_spaces() const;
  const std::string& source() const;  // the path or name it was loaded from

 private:
  explicit Tokenizer(std::shared_ptr<const text::TokenizerImpl> impl);
  std::shared_ptr<const text::TokenizerImpl> impl_;
};

}  // namespace rf
