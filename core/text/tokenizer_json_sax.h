// Streaming read of a tokenizer.json: model.vocab and model.merges (hundreds of thousands of entries) go
// straight into flat lists while parsing, everything else becomes a small nlohmann::json document. This
// keeps loading fast and light; errors name the file and the field like the rest of the loader.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rf::text {

struct TokenizerJsonParts {
  nlohmann::json root;  // model.vocab / model.merges, when read as lists, are left as {} / [] here
  bool vocab_listed = false, merges_listed = false;
  std::vector<std::pair<std::string, int32_t>> vocab;
  std::vector<std::pair<std::string, std::string>> merges;
};

// Throws rf::Error (prefixed with `where`) on invalid JSON and on malformed vocab / merges entries.
TokenizerJsonParts read_tokenizer_json(const std::string& text, const std::string& where);

}  // namespace rf::text
