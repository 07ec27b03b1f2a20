// SFT data: JSON-lines reading with file:line errors, and tokenisation with completion-only loss masks.
#include "train/sft_data.h"

#include "text/tokenizer.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace rf {

std::vector<SftRecord> sft_records_read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the SFT data file");
  std::vector<SftRecord> out;
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(where + ": invalid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw Error(where + ": expected a JSON object with \"prompt\" and \"completion\"");
    SftRecord r;
    r.line = line;
    for (const char* field : {"prompt", "completion", "system"}) {
      auto it = j.find(field);
      if (it == j.end() || it->is_null()) {
        if (std::string(field) != "system") throw Error(where + ": " + field + ": missing");
        continue;
      }
      if (!it->is_string()) throw Error(where + ": " + field + ": must be a string, found " + it->type_name());
      std::string& dst = std::string(field) == "prompt" ? r.prompt : std::string(field) == "completion" ? r.completion : r.system;
      dst = it->get<std::string>();
    }
    if (r.completion.empty()) throw Error(where + ": completion: empty");
    out.push_back(std::move(r));
  }
  if (out.empty()) throw Error(path + ": no prompt/completion lines");
  return out;
}

SftExample sft_example_from_ids(std::vector<int32_t> prompt, std::vector<int32_t> completion, int64_t max_length,
                                bool completion_only_loss) {
  if (max_length < 2) throw Error("max_length: must be >= 2, found " + std::to_string(max_length));
  if (static_cast<int64_t>(completion.size()) >= max_length) {
    completion.resize(static_cast<size_t>(max_length));
    prompt.clear();
  } else if (static_cast<int64_t>(prompt.size() + completion.size()) > max_length) {
    const size_t keep = static_cast<size_t>(max_length) - completion.size();
    prompt.erase(prompt.begin(), prompt.end() - static_cast<std::ptrdiff_t>(keep));  // truncate from the left
  }
  SftExample ex;
  ex.prompt_tokens = static_cast<int64_t>(prompt.size());
  ex.completion_tokens = static_cast<int64_t>(completion.size());
  ex.ids = std::move(prompt);
  ex.ids.insert(ex.ids.end(), completion.begin(), completion.end());
  ex.loss.assign(ex.ids.size(), completion_only_loss ? 0 : 1);
  for (size_t t = static_cast<size_t>(ex.prompt_tokens); t < ex.ids.size(); ++t) ex.loss[t] = 1;
  ex.loss[0] = 0;  // the first token has nothing before it
  return ex;
}

SftExample sft_example_tokenize(const Tokenizer& tokenizer, const SftRecord& record, const SftTokenizeOptions& options) {
  if (record.completion.empty()) throw Error("line " + std::to_string(record.line) + ": completion: empty");
  std::string prompt_text, completion_text;
  if (options.chat) {
    std::vector<ChatMessage> messages;
    if (!record.system.empty()) messages.push_back({"system", record.system});
    messages.push_back({"user", record.prompt});
    prompt_text = chat_format_render(*options.chat, messages, true);
    messages.push_back({"assistant", record.completion});
    const std::string full = chat_format_render(*options.chat, messages, false);
    if (full.compare(0, prompt_text.size(), prompt_text) != 0)
      throw Error("line " + std::to_string(record.line) + ": the chat format's conversation does not start with its prompt");
    completion_text = full.substr(prompt_text.size());
  } else {
    prompt_text = record.system.empty() ? record.prompt : record.system + "\n\n" + record.prompt;
    completion_text = record.completion;
  }
  std::vector<int32_t> prompt = tokenizer.encode(prompt_text);
  std::vector<int32_t> completion = tokenizer.encode(completion_text);
  if (!options.chat) {
    const std::vector<int32_t> eos = tokenizer.eos_ids();
    if (!eos.empty()) completion.push_back(eos.front());
  }
  if (completion.empty()) throw Error("line " + std::to_string(record.line) + ": completion: no tokens");
  return sft_example_from_ids(std::move(prompt), std::move(completion), options.max_length, options.completion_only_loss);
}

}  // namespace rf
