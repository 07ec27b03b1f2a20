// Helpers shared by the tokenizer.json readers: typed field access whose errors name the file and the
// field, and the parsers of the pipeline components (tokenizer_load_components.cpp). Internal to core/text.
#pragma once

#include "text/tokenizer_impl.h"

#include <nlohmann/json.hpp>

#include <string>

namespace rf::text::json_read {

using nlohmann::json;

// Where we are: "<file>: <field path>".
struct Where {
  const std::string& file;
  std::string field;
  Where at(const std::string& sub) const { return Where{file, field.empty() ? sub : field + "." + sub}; }
  Where index(size_t i) const { return Where{file, field + "[" + std::to_string(i) + "]"}; }
  [[noreturn]] void fail(const std::string& message) const;
};

const json* member(const json& obj, const char* key);  // nullptr when absent or null
std::string get_string(const json& obj, const char* key, const Where& where, const std::string& fallback = "");
bool get_bool(const json& obj, const char* key, const Where& where, bool fallback);
long long get_int(const json& obj, const char* key, const Where& where, long long fallback);
const json& get_array(const json& obj, const char* key, const Where& where);  // required
std::string get_type(const json& obj, const Where& where);                    // required "type"

void parse_normalizer(const json& j, const Where& where, std::vector<NormalizerStep>& out);
void parse_pre_tokenizer(const json& j, const Where& where, std::vector<PreTokenizerStep>& out);
void parse_decoder(const json& j, const Where& where, std::vector<DecoderStep>& out);
// Appends to prefix/suffix the ids that add_special_tokens puts around the text.
void parse_post_processor(const json& j, const Where& where, std::vector<int32_t>& prefix, std::vector<int32_t>& suffix);

}  // namespace rf::text::json_read
