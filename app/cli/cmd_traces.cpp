// `recforge-cli traces`: writes teacher traces for SFT and cold start (core/teacher/teacher_traces.h) as
// JSON lines {prompt, completion, user, recipe, reward, ...}, one per user, and prints a summary: how many,
// the parser's pass rate, the mean reward and how varied the wording is (docs/traces.md). `--data` takes a
// project folder or a data source, as `recforge-cli prompt` and `eval` do.
#include "cli_args.h"
#include "commands.h"
#include "data/dataset_store.h"
#include "teacher/teacher_traces.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace rf::cli {

int cmd_traces(int argc, char** argv) {
  CliArgs args("traces",
               "Write teacher traces for SFT: one prompt (the recipe's preset template) and one completion per user,\n"
               "in the recipe's exact format, checked by its parser and scored by its default reward (docs/traces.md).\n"
               "The offline teacher: List = a recommender ranks the pool and a rule-based writer explains it; Rating =\n"
               "the true rating, rationalised; Query = a BM25 query checked on the retriever. --teacher-url asks an\n"
               "OpenAI-compatible server instead (completions failing the parser are retried, then dropped).",
               {{"recipe", "list|query|rating", "the recipe", ""},
                {"data", "DIR_OR_SOURCE", "project folder or data source (see recforge-cli data import)", ""},
                {"dataset", "NAME", "dataset inside a project folder", ""},
                {"format", "FMT", "import format for a source (auto, movielens-latest, generic, ...)", "auto"},
                {"out", "FILE", "the JSON-lines file to write (- for stdout)", ""},
                {"users", "N", "traces to write, one per user, users drawn by the seed (0 = every eligible user)", "100"},
                {"seed", "S", "seed of the user sample, candidate pools, wording and the teacher's fit", "0"},
                {"preset", "NAME", "preset in presets.json (default: the recipe's; query_rewrite for a user with a query)", ""},
                {"holdout", "train|valid|test", "the interaction each trace is about (train: the last training one)", "train"},
                {"teacher", "itemknn|sasrec|...", "List recipe: the recommender that ranks the pool", "itemknn"},
                {"teacher-params", "JSON", "the recommender's hyper-parameters as a JSON object", ""},
                {"k", "K", "List: answer length (default: the preset's)", ""},
                {"candidates", "N", "List: pool size, target included (default: the preset's)", ""},
                {"negatives", "uniform|popularity", "List: how the pool's negatives are drawn", "uniform"},
                {"history", "N", "most recent interactions in the context's user.history", "50"},
                {"brief", "", "List, offline teacher: short reasoning (main interests, the first pick, the rest)", ""},
                {"broad", "PERCENT", "List, offline teacher: traces that state a broad plan and answer re-ranked for variety (MMR over categories); the rest state a focused plan (0 = no plan)", "0"},
                {"broad-lambda", "L", "List: the broad plan's MMR weight of relevance against similarity, 0..1", "0.5"},
                {"teacher-url", "URL", "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (http only)", ""},
                {"teacher-model", "NAME", "the model name for --teacher-url", ""},
                {"retries", "N", "extra requests for a completion that fails the parser", "2"},
                {"temperature", "T", "sampling temperature for --teacher-url", "0.7"},
                {"max-tokens", "N", "completion length limit for --teacher-url", "1024"},
                {"teacher-timeout", "S", "seconds to wait for each reply", "300"},
                {"json", "", "print the summary as JSON", ""},
                {"verbose", "", "progress on stderr", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.positional().empty()) throw Error("traces: unexpected argument '" + args.positional()[0] + "'");
  TraceOptions o;
  o.recipe = args.get_or("recipe", "");
  if (o.recipe != "list" && o.recipe != "query" && o.recipe != "rating")
    throw Error("traces: --recipe must be list, query or rating" +
                (o.recipe.empty() ? std::string() : ", not '" + o.recipe + "'"));
  if (!args.has("data")) throw Error("traces: --data is required (a project folder or a data source)");
  if (!args.has("out")) throw Error("traces: --out is required (the JSON-lines file to write, or - for stdout)");
  const long long users = args.get_int("users");
  if (users < 0 || users > 100000000) throw Error("traces: --users must be >= 0");
  o.users = static_cast<int32_t>(users);
  o.seed = static_cast<uint64_t>(args.get_int("seed"));
  o.preset = args.get_or("preset", "");
  o.holdout = args.get("holdout");
  o.teacher = args.get("teacher");
  if (args.has("teacher-params")) {
    o.teacher_params = nlohmann::json::parse(args.get("teacher-params"), nullptr, false);
    if (o.teacher_params.is_discarded() || !o.teacher_params.is_object())
      throw Error("traces: --teacher-params must be a JSON object, got '" + args.get("teacher-params") + "'");
  }
  if (args.has("k")) o.k = static_cast<int32_t>(args.get_int("k"));
  if (args.has("candidates")) o.candidates = static_cast<int32_t>(args.get_int("candidates"));
  if (args.has("k") && o.k < 1) throw Error("traces: --k must be >= 1");
  if (args.has("candidates") && o.candidates < 1) throw Error("traces: --candidates must be >= 1");
  const std::string negatives = args.get("negatives");
  if (negatives != "uniform" && negatives != "popularity") throw Error("traces: --negatives must be uniform or popularity");
  o.sampling = negatives == "popularity" ? NegativeSampling::Popularity : NegativeSampling::Uniform;
  const long long history = args.get_int("history");
  if (history < 0 || history > 100000) throw Error("traces: --history must be in 0..100000");
  o.history_limit = static_cast<int32_t>(history);
  o.brief = args.flag("brief");
  const long long broad = args.get_int("broad");
  if (broad < 0 || broad > 100) throw Error("traces: --broad must be a percentage in 0..100");
  o.broad_percent = static_cast<int32_t>(broad);
  o.broad_lambda = args.get_double("broad-lambda");
  if (!(o.broad_lambda >= 0.0 && o.broad_lambda <= 1.0)) throw Error("traces: --broad-lambda must be in 0..1");
  o.teacher_url = args.get_or("teacher-url", "");
  o.teacher_model = args.get_or("teacher-model", "");
  o.retries = static_cast<int>(args.get_int("retries"));
  o.temperature = args.get_double("temperature");
  o.max_tokens = static_cast<int>(args.get_int("max-tokens"));
  o.timeout_s = static_cast<int>(args.get_int("teacher-timeout"));
  if (o.max_tokens < 1) throw Error("traces: --max-tokens must be >= 1");
  if (o.timeout_s < 1) throw Error("traces: --teacher-timeout must be >= 1");
  o.verbose = args.flag("verbose");

  ImportOptions io;
  io.format = args.get("format");
  const Dataset ds = dataset_open(args.get("data"), args.get_or("dataset", ""), io);

  // Written to a temporary name and renamed, so a failed run leaves no half-written file behind.
  const std::string out = args.get("out");
  const bool to_stdout = out == "-";
  const std::string tmp = out + ".part";
  std::ofstream file;
  if (!to_stdout) {
    file.open(tmp, std::ios::binary | std::ios::trunc);
    if (!file) throw Error("traces: cannot write '" + tmp + "'");
  }
  TraceSummary summary;
  try {
    summary = traces_generate(ds, o, [&](const nlohmann::json& record) {
      const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      if (to_stdout)
        std::fwrite(line.data(), 1, line.size(), stdout);
      else
        file << line;
    });
  } catch (...) {
    if (!to_stdout) {
      file.close();
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
    }
    throw;
  }
  if (!to_stdout) {
    file.close();
    if (!file) throw Error("traces: writing '" + tmp + "' failed");
    std::error_code ec;
    std::filesystem::rename(tmp, out, ec);
    if (ec) throw Error("traces: cannot rename '" + tmp + "' to '" + out + "': " + ec.message());
  }

  std::FILE* report = to_stdout ? stderr : stdout;
  nlohmann::json j = summary.to_json();
  j["dataset"] = ds.name;
  j["recipe"] = o.recipe;
  j["out"] = out;
  j["teacher"] = o.teacher_url.empty() ? (o.recipe == "list"     ? o.teacher
                                          : o.recipe == "rating" ? "rationalised"
                                                                 : "bm25-query")
                                       : "http:" + o.teacher_model + "@" + o.teacher_url;
  if (args.flag("json")) {
    std::fprintf(report, "%s\n", j.dump(2).c_str());
    return 0;
  }
  std::fprintf(report, "traces: %lld written to %s (%s recipe, teacher %s, dataset '%s', %lld eligible users)\n",
               static_cast<long long>(summary.written), out.c_str(), o.recipe.c_str(), j["teacher"].get<std::string>().c_str(),
               ds.name.c_str(), static_cast<long long>(summary.eligible_users));
  std::fprintf(report, "  parse pass rate   %.3f (%lld of %lld)\n",
               summary.written ? static_cast<double>(summary.parse_ok) / static_cast<double>(summary.written) : 0.0,
               static_cast<long long>(summary.parse_ok), static_cast<long long>(summary.written));
  std::fprintf(report, "  reward            mean %.4f, min %.4f\n", summary.mean_reward, summary.min_reward);
  std::fprintf(report, "  wording           %.3f distinct first sentences, %lld distinct openings, distinct-2 %.3f\n",
               summary.distinct_first_sentences, static_cast<long long>(summary.distinct_openings), summary.distinct_2);
  if (!o.teacher_url.empty())
    std::fprintf(report, "  http teacher      %lld accepted (%lld after a retry), %lld retries, %lld dropped\n",
                 static_cast<long long>(summary.accepted), static_cast<long long>(summary.accepted_after_retry),
                 static_cast<long long>(summary.retries), static_cast<long long>(summary.dropped));
  std::fprintf(report, "  time              %.2f s\n", summary.seconds);
  return 0;
}

}  // namespace rf::cli
