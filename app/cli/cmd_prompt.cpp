// `recforge-cli prompt`: renders the prompt one recipe would give the model for one user, from a data set,
// a preset template (resources/templates, or --template FILE) and optionally a chat format, so templates
// can be tried from the shell. The user's last interaction is held out (the test item, as leave-last-out
// does); the prompt shows only what came before it. Template errors print as FILE:line:col: message.
#include "commands.h"

#include "cli_args.h"
#include "data/dataset_store.h"
#include "data/prompt_context.h"
#include "data/split.h"
#include "text/chat_format.h"
#include "text/prompt_presets.h"
#include "text/template.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace rf::cli {

using nlohmann::json;

int cmd_prompt(int argc, char** argv) {
  CliArgs args("prompt",
               "Render the prompt a recipe gives the model for one user: the user's last interaction is held out\n"
               "(the target), the context is built from what came before (docs/templates.md), and a preset template\n"
               "(resources/templates) or --template FILE renders it. Template errors print as FILE:line:col: message.",
               {{"recipe", "list|query|rating", "the recipe", ""},
                {"preset", "NAME", "preset in presets.json (default: the recipe's; query_rewrite for a query recipe whose user has a query)", ""},
                {"data", "DIR_OR_SOURCE", "project folder or data source (see recforge-cli data import)", ""},
                {"dataset", "NAME", "dataset inside a project folder", ""},
                {"format", "FMT", "import format for a source (auto, movielens-latest, sequence, esci, ...)", "auto"},
                {"user", "ID", "the user's id as in the data", ""},
                {"position", "N", "hold out the user's N-th interaction (1-based) instead of the last", ""},
                {"template", "FILE", "a template file instead of the preset's", ""},
                {"k", "K", "answer length for the list recipe (default: the preset's)", ""},
                {"candidates", "N", "candidate pool size for the list recipe, target included (default: the preset's)", ""},
                {"negatives", "uniform|popularity", "how the pool's negatives are drawn", "uniform"},
                {"seed", "S", "seed of the candidate pool", "0"},
                {"history", "N", "most recent interactions in user.history (0 = all)", "50"},
                {"chat", "chatml|llama3|none", "wrap the prompt in a chat format with the generation prompt", "none"},
                {"system", "TEXT", "system message with --chat (default: the preset's)", ""},
                {"prefill", "TEXT", "assistant prefill with --chat (default: the preset's)", ""},
                {"context-json", "", "print the context JSON instead of the prompt", ""},
                {"json", "", "print {prompt, context, preset, ...} as JSON", ""}});
  if (!args.parse(argc, argv)) return 0;
  const std::string recipe = args.get_or("recipe", "");
  if (recipe != "list" && recipe != "query" && recipe != "rating")
    throw Error("prompt: --recipe must be list, query or rating" + (recipe.empty() ? std::string() : ", not '" + recipe + "'"));
  if (!args.has("data")) throw Error("prompt: --data is required (a project folder or a data source)");
  if (!args.has("user")) throw Error("prompt: --user is required (a user id of the data set)");

  ImportOptions io;
  io.format = args.get("format");
  const Dataset ds = dataset_open(args.get("data"), args.get_or("dataset", ""), io);
  const std::string user_id = args.get("user");
  const int32_t user = ds.user_find(user_id);
  if (user < 0)
    throw Error("prompt: no user '" + user_id + "' in dataset '" + ds.name + "' (" + std::to_string(ds.user_count()) +
                " users" + (ds.user_count() > 0 ? ", e.g. '" + ds.users[0].id + "'" : std::string()) + ")");
  const auto histories = dataset_user_histories(ds);
  const auto& history = histories[static_cast<size_t>(user)];
  if (history.empty()) throw Error("prompt: user '" + user_id + "' has no interactions, so nothing can be held out");
  size_t position = history.size() - 1;
  if (args.has("position")) {
    const long long p = args.get_int("position");
    if (p < 1 || p > static_cast<long long>(history.size()))
      throw Error("prompt: --position must be 1.." + std::to_string(history.size()) + " for user '" + user_id + "'");
    position = static_cast<size_t>(p - 1);
  }

  // The preset: its template and defaults (k, pool size, system message, prefill).
  PromptRequest request = prompt_request_at(ds, history, position, recipe);
  std::string preset_name = args.get_or("preset", "");
  if (preset_name.empty()) preset_name = prompt_preset_default(recipe, !ds.users[static_cast<size_t>(user)].profile.empty());
  json preset = json::object();
  std::string template_path = args.get_or("template", "");
  {
    try {
      const std::string dir = prompt_templates_dir("prompt");
      const std::string presets_file = dir + "/presets.json";
      const json presets = json::parse(file_read_all(presets_file));
      preset = prompt_preset_find(presets, preset_name, presets_file, "prompt");
      if (template_path.empty()) template_path = dir + "/" + preset.value("file", "");
    } catch (const json::exception& e) {
      throw Error(std::string("prompt: presets.json is not valid JSON: ") + e.what());
    } catch (const Error&) {
      if (template_path.empty()) throw;  // a --template works without the presets
    }
  }
  request.k = static_cast<int32_t>(args.has("k") ? args.get_int("k") : preset.value("k", 10));
  if (recipe == "list") {
    const long long pool = args.has("candidates") ? args.get_int("candidates") : preset.value("candidates", 20);
    if (pool < 1 || pool > ds.item_count())
      throw Error("prompt: --candidates must be 1.." + std::to_string(ds.item_count()));
    if (request.k < 1 || request.k > pool) throw Error("prompt: --k must be 1..the pool size (" + std::to_string(pool) + ")");
    CandidateOptions co;
    co.pool_size = static_cast<int32_t>(pool);
    co.seed = static_cast<uint64_t>(args.get_int("seed"));
    const std::string negatives = args.get("negatives");
    if (negatives != "uniform" && negatives != "popularity") throw Error("prompt: --negatives must be uniform or popularity");
    co.sampling = negatives == "popularity" ? NegativeSampling::Popularity : NegativeSampling::Uniform;
    std::vector<int32_t> user_items;
    for (int32_t x : history) user_items.push_back(ds.interactions[static_cast<size_t>(x)].item);
    const int32_t target_item = ds.interactions[static_cast<size_t>(history[position])].item;
    request.candidates = candidates_sample(ds, user, {target_item}, user_items, co);
  }

  const Split split = split_leave_last_out(ds);
  const PromptItemStats stats = prompt_item_stats_build(ds, prompt_train_interactions(ds, split));
  PromptContextOptions po;
  po.history_limit = static_cast<int32_t>(args.get_int("history"));
  const json context = prompt_context_build(ds, stats, request, po);
  if (args.flag("context-json")) {
    std::printf("%s\n", context.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return 0;
  }

  std::string prompt;
  try {
    prompt = template_render(template_load(template_path), context);
  } catch (const TemplateError& e) {
    std::fprintf(stderr, "%s:%d:%d: %s\n", template_path.c_str(), e.line(), e.column(), e.message().c_str());
    return 1;
  }

  const std::string chat = args.get("chat");
  const std::string system = args.has("system") ? args.get_or("system", "") : preset.value("system", "");
  const std::string prefill = args.has("prefill") ? args.get_or("prefill", "") : preset.value("prefill", "");
  std::string text = prompt;
  if (chat != "none") {
    std::vector<ChatMessage> messages;
    if (!system.empty()) messages.push_back({"system", system});
    messages.push_back({"user", prompt});
    text = chat_format_render(chat_family_from_name(chat), messages, true, prefill);
  }
  if (args.flag("json")) {
    json out = {{"preset", preset_name},
                {"template", template_path},
                {"user", user_id},
                {"target_item", ds.items[static_cast<size_t>(ds.interactions[static_cast<size_t>(history[position])].item)].id},
                {"prompt", prompt},
                {"text", text},
                {"system", system},
                {"prefill", prefill},
                {"tags", preset.value("tags", json::array())},
                {"context", context}};
    std::printf("%s\n", out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return 0;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
  return 0;
}

}  // namespace rf::cli
