// Shared by the core/text test suites: the fixture tokenizers (loaded once per process) and a tiny
// synthetic byte-level tokenizer.json for testing single features.
#pragma once

#include "text/bpe_model.h"
#include "text/tokenizer.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace text_test {

inline std::string fixture_dir(const std::string& name) { return std::string(RECFORGE_FIXTURES_DIR) + "/tokenizers/" + name; }

// qwen3 / llama3 / llama2, loaded on first use and kept for the process.
inline const rf::Tokenizer& fixture_tokenizer(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<rf::Tokenizer>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = loaded[name];
  if (!slot) slot = std::make_unique<rf::Tokenizer>(rf::Tokenizer::load(fixture_dir(name)));
  return *slot;
}

// Byte-level BPE whose vocabulary is the 256 bytes (id = byte value) plus `extra` tokens, with the
// GPT-2 ByteLevel pre-tokenizer and decoder.
inline nlohmann::json tiny_tokenizer_json(nlohmann::json added_tokens = nlohmann::json::array(),
                                          nlohmann::json normalizer = nullptr, nlohmann::json post_processor = nullptr,
                                          nlohmann::json merges = nlohmann::json::array(),
                                          nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[rf::text::byte_level_char(static_cast<uint8_t>(b))] = b;
  for (const auto& [token, id] : extra.items()) vocab[token] = id;
  return nlohmann::json{
      {"version", "1.0"},
      {"added_tokens", added_tokens},
      {"normalizer", normalizer},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"post_processor", post_processor},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
  };
}

}  // namespace text_test
