// Serialising a trained byte-level BPE tokenizer: tokenizer.json (vocab and merges in the GPT-2 byte
// alphabet, ByteLevel pre-tokenizer and decoder) and tokenizer_config.json, written atomically.
#include "text/bpe_model.h"
#include "text/bpe_trainer.h"
#include "text/bpe_trainer_output.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <unordered_set>

namespace rf::text {

namespace {

using ordered_json = nlohmann::ordered_json;

std::string to_byte_alphabet(const std::string& bytes) {
  std::string out;
  for (char c : bytes) out += byte_level_char(static_cast<uint8_t>(c));
  return out;
}

ordered_json added_token_json(int32_t id, const std::string& content) {
  ordered_json t;
  t["id"] = id;
  t["content"] = content;
  t["single_word"] = false;
  t["lstrip"] = false;
  t["rstrip"] = false;
  t["normalized"] = false;
  t["special"] = true;
  return t;
}

ordered_json byte_level_json(bool add_prefix_space, bool trim_offsets) {
  return ordered_json{{"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space}, {"trim_offsets", trim_offsets}, {"use_regex", true}};
}

const char* const kChatMlTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

}  // namespace

std::string bpe_trainer_tokenizer_json(const std::vector<std::string>& tokens, size_t special_count,
                                       const std::vector<std::pair<int32_t, int32_t>>& merges) {
  // Written by hand around the vocab and merges: nlohmann's ordered objects insert in linear time.
  auto quote = [](const std::string& s) { return ordered_json(s).dump(); };
  std::vector<std::string> names(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) names[i] = i < special_count ? tokens[i] : to_byte_alphabet(tokens[i]);
  ordered_json added = ordered_json::array();
  for (size_t i = 0; i < special_count; ++i) added.push_back(added_token_json(static_cast<int32_t>(i), tokens[i]));

  std::string out = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n";
  out += "  \"added_tokens\": " + added.dump() + ",\n";
  out += "  \"normalizer\": null,\n";
  out += "  \"pre_tokenizer\": " + byte_level_json(false, true).dump() + ",\n";
  out += "  \"post_processor\": " + byte_level_json(false, false).dump() + ",\n";
  out += "  \"decoder\": " + byte_level_json(false, true).dump() + ",\n";
  out += "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n";
  out += "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n";
  out += "    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n    \"vocab\": {";
  std::unordered_set<std::string> written;
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!written.insert(names[i]).second) continue;  // a special token spelled like a byte token keeps the first id
    out += first ? "\n      " : ",\n      ";
    out += quote(names[i]) + ": " + std::to_string(i);
    first = false;
  }
  out += "\n    },\n    \"merges\": [";
  first = true;
  for (const auto& [a, b] : merges) {
    out += first ? "\n      " : ",\n      ";
    out += quote(names[static_cast<size_t>(a)] + " " + names[static_cast<size_t>(b)]);
    first = false;
  }
  out += "\n    ]\n  }\n}\n";
  return out;
}

std::string bpe_trainer_config_json(const std::vector<std::string>& special_tokens, const std::string& bos,
                                    const std::string& eos, const std::string& pad) {
  ordered_json j;
  ordered_json decoder = ordered_json::object();
  for (size_t i = 0; i < special_tokens.size(); ++i) {
    ordered_json t = added_token_json(static_cast<int32_t>(i), special_tokens[i]);
    t.erase("id");
    decoder[std::to_string(i)] = std::move(t);
  }
  j["added_tokens_decoder"] = std::move(decoder);
  j["bos_token"] = bos.empty() ? ordered_json(nullptr) : ordered_json(bos);
  j["eos_token"] = eos.empty() ? ordered_json(nullptr) : ordered_json(eos);
  j["pad_token"] = pad.empty() ? ordered_json(nullptr) : ordered_json(pad);
  j["unk_token"] = nullptr;
  j["clean_up_tokenization_spaces"] = false;
  j["model_max_length"] = 1 << 20;
  j["tokenizer_class"] = "PreTrainedTokenizerFast";
  const bool chatml = std::find(special_tokens.begin(), special_tokens.end(), "<|im_start|>") != special_tokens.end() &&
                      std::find(special_tokens.begin(), special_tokens.end(), "<|im_end|>") != special_tokens.end();
  if (chatml) j["chat_template"] = kChatMlTemplate;
  return j.dump(2) + "\n";
}

}  // namespace rf::text

namespace rf {

void bpe_trainer_write(const BpeTrainerResult& result, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create the output folder (" + ec.message() + ")");
  file_write_atomic((std::filesystem::path(dir) / "tokenizer.json").string(), result.tokenizer_json);
  file_write_atomic((std::filesystem::path(dir) / "tokenizer_config.json").string(), result.tokenizer_config_json);
}

}  // namespace rf
