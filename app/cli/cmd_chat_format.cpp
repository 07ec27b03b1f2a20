// `recforge-cli chat-format`: wrap a JSON list of messages in the chat format of a tokenizer's family
// (ChatML or Llama 3) and print the string, or its token ids as JSON with --ids.
#include "commands.h"

#include "cli_args.h"
#include "text/chat_format.h"
#include "text/tokenizer.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>

namespace rf::cli {

namespace {

std::vector<ChatMessage> read_messages(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(file_read_all(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path + ": invalid JSON (" + e.what() + ")");
  }
  if (j.is_object() && j.contains("messages")) j = j["messages"];
  if (!j.is_array()) throw Error(path + ": expected an array of {\"role\", \"content\"} objects (or {\"messages\": [...]})");
  std::vector<ChatMessage> messages;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string where = path + ": message " + std::to_string(i);
    const nlohmann::json& m = j[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) throw Error(where + ": needs a string \"role\"");
    if (!m.contains("content") || !m["content"].is_string()) throw Error(where + ": needs a string \"content\"");
    messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  }
  return messages;
}

}  // namespace

int cmd_chat_format(int argc, char** argv) {
  CliArgs args("chat-format",
               "Render messages in a model family's chat format (ChatML for Qwen, Llama 3 headers), detected\n"
               "from the tokenizer's special tokens, and print the text (or its token ids with --ids).",
               {{"tokenizer", "DIR", "model folder or tokenizer.json (needed for detection and --ids)", ""},
                {"messages", "FILE", "JSON: [{\"role\": \"user\", \"content\": \"...\"}, ...]", ""},
                {"generation-prompt", "", "end with the assistant header the model continues from", ""},
                {"prefill", "TEXT", "text written after the generation prompt (implies it)", ""},
                {"format", "NAME", "chatml or llama3, instead of detecting it", ""},
                {"ids", "", "print the token ids as a JSON array instead of the text", ""}});
  if (!args.parse(argc, argv)) return 0;
  const std::vector<ChatMessage> messages = read_messages(args.get("messages"));
  std::optional<Tokenizer> tok;
  if (args.has("tokenizer")) tok = Tokenizer::load(args.get("tokenizer"));
  if (!tok && (args.flag("ids") || !args.has("format")))
    throw Error("recforge-cli chat-format: --tokenizer is needed" + std::string(args.flag("ids") ? " for --ids" : " unless --format is given"));
  const ChatFamily family = args.has("format") ? chat_family_from_name(args.get("format")) : chat_family_detect(*tok);
  const std::string text = chat_format_render(family, messages, args.flag("generation-prompt"), args.get_or("prefill", ""));
  if (args.flag("ids")) {
    std::printf("%s\n", nlohmann::json(tok->encode(text)).dump().c_str());
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
  }
  return 0;
}

}  // namespace rf::cli
