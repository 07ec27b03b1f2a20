// `recforge-cli tokenize`: encode a JSON list of strings with a tokenizer.json (printing a JSON array of id
// arrays), or --decode a JSON list of id arrays (printing a JSON array of strings).
#include "commands.h"

#include "cli_args.h"
#include "text/tokenizer.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace rf::cli {

namespace {

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = file_read_all(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path + ": invalid JSON (" + e.what() + ")");
  }
}

std::vector<int32_t> id_list(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array()) throw Error(where + ": expected an array of token ids");
  std::vector<int32_t> ids;
  ids.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number_integer()) throw Error(where + "[" + std::to_string(i) + "]: not an integer token id");
    const long long v = j[i].get<long long>();
    if (v < INT32_MIN || v > INT32_MAX) throw Error(where + "[" + std::to_string(i) + "]: token id out of range");
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  CliArgs args("tokenize",
               "Encode strings to token ids with a Hugging Face tokenizer (a model folder or a tokenizer.json).\n"
               "--input takes a JSON array of strings (or one string) and prints a JSON array of id arrays;\n"
               "--decode takes a JSON array of id arrays (or one id array) and prints a JSON array of strings.",
               {{"tokenizer", "DIR", "model folder holding tokenizer.json, or the tokenizer.json itself", ""},
                {"input", "FILE", "JSON file: an array of strings to encode", ""},
                {"decode", "FILE", "JSON file: an array of id arrays to decode (instead of --input)", ""},
                {"add-special-tokens", "", "encode with the post-processor's special tokens (e.g. BOS)", ""},
                {"skip-special-tokens", "", "leave special tokens out when decoding", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (args.has("input") == args.has("decode")) throw Error("recforge-cli tokenize: give exactly one of --input or --decode (see --help)");
  const Tokenizer tok = Tokenizer::load(args.get("tokenizer"));
  nlohmann::json out = nlohmann::json::array();
  if (args.has("input")) {
    const std::string path = args.get("input");
    const nlohmann::json in = read_json_file(path);
    const bool special = args.flag("add-special-tokens");
    if (in.is_string()) {
      out = tok.encode(in.get<std::string>(), special);
    } else {
      if (!in.is_array()) throw Error(path + ": expected a JSON array of strings");
      for (size_t i = 0; i < in.size(); ++i) {
        if (!in[i].is_string()) throw Error(path + "[" + std::to_string(i) + "]: not a string");
        out.push_back(tok.encode(in[i].get<std::string>(), special));
      }
    }
  } else {
    const std::string path = args.get("decode");
    const nlohmann::json in = read_json_file(path);
    const bool skip = args.flag("skip-special-tokens");
    if (!in.is_array()) throw Error(path + ": expected a JSON array of id arrays");
    if (!in.empty() && in[0].is_number()) {
      out = tok.decode(id_list(in, path), skip);
    } else {
      for (size_t i = 0; i < in.size(); ++i) out.push_back(tok.decode(id_list(in[i], path + "[" + std::to_string(i) + "]"), skip));
    }
  }
  std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return 0;
}

}  // namespace rf::cli
