// `recforge-cli generate`: a continuation of token ids (--ids) or of text (--prompt, with the model's
// tokenizer) from a model folder, greedy or sampled, printed as text or as JSON (--json).
#include "commands.h"

#include "cli_args.h"
#include "cli_model.h"
#include "generate/generate.h"
#include "text/chat_format.h"
#include "text/tokenizer.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>

namespace rf::cli {

namespace {

// Every value given to --stop (the option may be repeated; each value is a comma-separated list, with
// "\," for a literal comma).
std::vector<std::string> collect_stops(int argc, char** argv) {
  std::vector<std::string> raw;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--stop" && i + 1 < argc) raw.push_back(argv[++i]);
    else if (a.rfind("--stop=", 0) == 0) raw.push_back(a.substr(7));
  }
  std::vector<std::string> out;
  for (const auto& r : raw) {
    std::string cur;
    for (size_t i = 0; i < r.size(); ++i) {
      if (r[i] == '\\' && i + 1 < r.size() && r[i + 1] == ',') {
        cur += ',';
        ++i;
      } else if (r[i] == ',') {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
      } else {
        cur += r[i];
      }
    }
    if (!cur.empty()) out.push_back(cur);
  }
  return out;
}

}  // namespace

int cmd_generate(int argc, char** argv) {
  CliArgs args("generate",
               "Generate a continuation of token ids (--ids) or text (--prompt) with a Hugging Face model folder.\n"
               "Greedy by default; any sampling option (or --sample) turns sampling on.",
               {{"model", "DIR", "model folder (config.json + safetensors)", ""},
                {"ids", "1,2,3", "prompt token ids", ""},
                {"prompt", "TEXT", "prompt text (needs a tokenizer.json, see --tokenizer)", ""},
                {"chat", "", "wrap --prompt as a user message in the tokenizer's chat format (ChatML, Llama 3)", ""},
                {"system", "TEXT", "with --chat: a system message first", ""},
                {"tokenizer", "DIR", "folder or tokenizer.json for --prompt and text output (default: the model folder)", ""},
                {"max-new-tokens", "N", "tokens to generate at most", "64"},
                {"greedy", "", "greedy decoding (the default)", ""},
                {"sample", "", "sample (implied by --temperature, --top-p, --top-k, --min-p)", ""},
                {"temperature", "T", "sampling temperature", ""},
                {"top-p", "P", "nucleus sampling: keep the most likely tokens up to this probability mass", ""},
                {"top-k", "K", "keep the K most likely tokens (0 = off)", ""},
                {"min-p", "M", "drop tokens below M times the top probability (0 = off)", ""},
                {"repetition-penalty", "R", "penalise tokens already in prompt or output (1 = off)", "1.0"},
                {"seed", "S", "sampling seed (default: random)", ""},
                {"stop", "STR", "stop after this string (repeatable, or a comma list; \\, for a comma)", ""},
                {"no-eos", "", "do not stop at the model's end-of-sequence ids", ""},
                {"no-cache", "", "recompute the whole sequence every step (parity checks)", ""},
                {"dtype", "TYPE", "float32 | bfloat16", "float32"},
                {"device", "DEV", "cpu | cuda", "cpu"},
                {"json", "", "print tokens, log-probs and finish reason as JSON", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (args.has("ids") == args.has("prompt")) throw Error("generate: give exactly one of --ids or --prompt");

  ModelLoadOptions opts;
  opts.dtype = cli_parse_dtype(args.get("dtype"));
  opts.device = cli_parse_device(args.get("device"));
  const std::string dir = args.get("model");
  auto model = Transformer::load(dir, opts);

  // The tokenizer: required for --prompt, used for text output when there is one.
  std::optional<Tokenizer> tok;
  const std::string tok_path = args.get_or("tokenizer", dir);
  const bool tok_exists = std::filesystem::exists(tok_path) &&
                          (!std::filesystem::is_directory(tok_path) ||
                           std::filesystem::exists(std::filesystem::path(tok_path) / "tokenizer.json"));
  if (args.has("prompt") || args.has("tokenizer")) {
    if (!tok_exists) throw Error("generate: no tokenizer.json at " + tok_path + " (give --tokenizer DIR)");
    tok = Tokenizer::load(tok_path);
  } else if (tok_exists) {
    tok = Tokenizer::load(tok_path);
  }

  std::vector<int64_t> prompt;
  if (args.has("ids")) {
    for (long long id : cli_parse_id_list(args.get("ids"), "ids")) prompt.push_back(id);
  } else if (args.flag("chat")) {
    std::vector<ChatMessage> messages;
    if (args.has("system")) messages.push_back({"system", args.get("system")});
    messages.push_back({"user", args.get("prompt")});
    const std::string text = chat_format_render(chat_family_detect(*tok), messages, /*add_generation_prompt=*/true);
    for (int32_t id : tok->encode(text, /*add_special_tokens=*/false)) prompt.push_back(id);  // the format has its own
  } else {
    for (int32_t id : tok->encode(args.get("prompt"), /*add_special_tokens=*/true)) prompt.push_back(id);
  }
  if (prompt.empty()) throw Error("generate: --prompt encodes to no tokens");
  if (args.flag("chat") && !args.has("prompt")) throw Error("generate: --chat needs --prompt TEXT");
  if (args.has("system") && !args.flag("chat")) throw Error("generate: --system needs --chat");

  GenerateOptions g;
  g.max_new_tokens = args.get_int("max-new-tokens");
  g.use_cache = !args.flag("no-cache");
  const bool sampling_opt = args.has("temperature") || args.has("top-p") || args.has("top-k") || args.has("min-p");
  if (args.flag("greedy") && (sampling_opt || args.flag("sample")))
    throw Error("generate: --greedy cannot be combined with --sample, --temperature, --top-p, --top-k or --min-p");
  g.sampling.do_sample = args.flag("sample") || sampling_opt;
  if (args.has("temperature")) g.sampling.temperature = args.get_double("temperature");
  if (args.has("top-p")) g.sampling.top_p = args.get_double("top-p");
  if (args.has("top-k")) g.sampling.top_k = args.get_int("top-k");
  if (args.has("min-p")) g.sampling.min_p = args.get_double("min-p");
  g.sampling.repetition_penalty = args.get_double("repetition-penalty");
  if (args.has("seed")) g.seed = static_cast<uint64_t>(args.get_int("seed"));
  if (!args.flag("no-eos")) {
    g.eos_ids = model->config().eos_token_ids;
    if (tok)
      for (int32_t id : tok->eos_ids())
        if (std::find(g.eos_ids.begin(), g.eos_ids.end(), id) == g.eos_ids.end()) g.eos_ids.push_back(id);
  }
  if (tok && tok->pad_id() && *tok->pad_id() >= 0 && *tok->pad_id() < model->config().vocab_size) g.pad_id = *tok->pad_id();
  g.stop_strings = collect_stops(argc, argv);
  if (!g.stop_strings.empty()) {
    if (!tok) throw Error("generate: --stop needs a tokenizer to decode the output (give --tokenizer DIR)");
    const Tokenizer t = *tok;
    g.decode = [t](const std::vector<int64_t>& ids) {
      return t.decode(std::vector<int32_t>(ids.begin(), ids.end()), /*skip_special_tokens=*/false);
    };
  }

  GenerateStats stats;
  const GenerateResult r = generate(*model, {prompt}, g, &stats).at(0);
  std::string text;
  if (tok) text = tok->decode(std::vector<int32_t>(r.tokens.begin(), r.tokens.end()), /*skip_special_tokens=*/true);

  if (args.flag("json") || !tok) {
    nlohmann::json j;
    j["tokens"] = r.tokens;
    j["logprobs"] = r.logprobs;
    j["finish_reason"] = r.finish_reason;
    if (tok) j["text"] = text;
    j["prompt_tokens"] = prompt.size();
    j["stats"] = {{"prefill_tokens", stats.prefill_tokens}, {"prefill_seconds", stats.prefill_seconds},
                  {"decode_tokens", stats.decode_tokens},   {"decode_seconds", stats.decode_seconds}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", text.c_str());
  }
  return 0;
}

}  // namespace rf::cli
