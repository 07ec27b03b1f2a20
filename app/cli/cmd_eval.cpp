// `recforge-cli eval`: fit a classic baseline on a split of a data set and report next-item metrics
// (full ranking and/or sampled candidates) or rating errors, as tables or one JSON object (--json).
// `--model all` compares pop, itemknn, bpr and sasrec; `--model all-ratings` the rating predictors.
#include "commands.h"

#include "cli_args.h"
#include "data/dataset_store.h"
#include "data/split.h"
#include "eval/baseline_factory.h"
#include "eval/eval_runner.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace rf::cli {

namespace {

// Unix seconds, or a UTC date YYYY-MM-DD (midnight).
int64_t parse_time(const std::string& text, const std::string& option) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
    // Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
    const int yy = y - (m <= 2 ? 1 : 0);
    const int era = (yy >= 0 ? yy : yy - 399) / 400;
    const int yoe = yy - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (static_cast<int64_t>(era) * 146097 + doe - 719468) * 86400;
  }
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error("eval: --" + option + " expects unix seconds or a date YYYY-MM-DD, got '" + text + "'");
}

std::vector<int> parse_ks(const std::string& text) {
  std::vector<int> ks;
  for (long long k : cli_parse_id_list(text, "ks")) {
    if (k < 1 || k > 100000) throw Error("eval: --ks values must be in 1..100000, got " + std::to_string(k));
    ks.push_back(static_cast<int>(k));
  }
  return ks;
}

// --params for one model: the object itself, or with --model all its entry under the model's name.
nlohmann::json model_params(const nlohmann::json& params, const std::string& model, bool several) {
  if (!several) return params;
  if (params.is_object() && params.contains(model)) return params.at(model);
  return nlohmann::json::object();
}

bool is_rating_model(const std::string& name) {
  const auto names = rating_predictor_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

int cmd_eval(int argc, char** argv) {
  // With --project, a run's model is evaluated instead of a baseline (cmd_eval_run.cpp).
  for (int i = 0; i < argc; ++i)
    if (std::string(argv[i]) == "--project" || std::string(argv[i]).rfind("--project=", 0) == 0) return cmd_eval_run(argc, argv);
  CliArgs args(
      "eval",
      "Fit a baseline on a split of a data set and evaluate it: next-item metrics under full ranking and sampled\n"
      "candidates (both by default, full first), or rating errors for the rating predictors.\n"
      "Models: pop, itemknn, bpr, sasrec (next item); global-mean, user-mean, item-mean, biased-mf (ratings);\n"
      "all (pop, itemknn, bpr, sasrec compared); all-ratings (the rating predictors compared).\n"
      "A run's trained model: recforge-cli eval --project P --run ID [--step S] [KEY=VALUE ...] (recforge-cli eval --project P --help).",
      {{"data", "DIR_OR_SOURCE", "a project folder or a data set to import (folder or file)", ""},
       {"dataset", "NAME", "the dataset inside a project folder (needed when it holds several)", ""},
       {"format", "FORMAT", "source format when importing (see recforge-cli data import --help)", "auto"},
       {"meta", "FILE", "amazon: metadata JSON lines; sequence: item table", ""},
       {"model", "NAME", "pop | itemknn | bpr | sasrec | global-mean | user-mean | item-mean | biased-mf | all | all-ratings", ""},
       {"params", "JSON", "model hyper-parameters as a JSON object (with all: {\"itemknn\": {...}, ...})", ""},
       {"split", "KIND", "leave-last-out | temporal", "leave-last-out"},
       {"valid-from", "T", "temporal split: validation starts at this unix time or YYYY-MM-DD", ""},
       {"test-from", "T", "temporal split: test starts at this unix time or YYYY-MM-DD", ""},
       {"on", "PART", "evaluate on test (history = train + valid) or valid (history = train)", "test"},
       {"candidates", "N", "0: full ranking only; N: only target + N sampled negatives (default: both, N = 99)", ""},
       {"sampling", "HOW", "negatives for sampled candidates: uniform | popularity", "uniform"},
       {"seed", "S", "seed for candidate pools and model fitting", "0"},
       {"ks", "K,K,...", "cut-offs for Hit/Recall/NDCG", "5,10,20"},
       {"max-users", "N", "evaluate at most N users, evenly spread over the evaluable ones (0: all)", "0"},
       {"batch-size", "N", "users per scoring batch", "256"},
       {"threads", "N", "ranking threads", "2"},
       {"json", "", "print one JSON object instead of tables", ""},
       {"verbose", "", "progress on stderr", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.positional().empty()) throw Error("eval: unexpected argument '" + args.positional()[0] + "'");
  const std::string model_name = args.get("model");
  const bool verbose = args.flag("verbose");

  nlohmann::json params = nlohmann::json::object();
  if (args.has("params")) {
    params = nlohmann::json::parse(args.get("params"), nullptr, false);
    if (params.is_discarded() || !params.is_object())
      throw Error("eval: --params must be a JSON object, got '" + args.get("params") + "'");
  }

  std::vector<std::string> models;
  bool ratings = false;
  if (model_name == "all") {
    for (const auto& n : recommender_names())
      if (baseline_available(n)) models.push_back(n);
      else std::fprintf(stderr, "eval: skipping %s (not part of this build)\n", n.c_str());
  } else if (model_name == "all-ratings") {
    ratings = true;
    for (const auto& n : rating_predictor_names())
      if (baseline_available(n)) models.push_back(n);
      else std::fprintf(stderr, "eval: skipping %s (not part of this build)\n", n.c_str());
  } else {
    ratings = is_rating_model(model_name);
    models.push_back(model_name);
    // Fail on a bad name or parameters before loading any data.
    if (ratings) rating_predictor_create(model_name, params);
    else recommender_create(model_name, params);
  }
  const bool several = models.size() > 1 || model_name == "all" || model_name == "all-ratings";

  EvalOptions options;
  options.ks = parse_ks(args.get("ks"));
  options.seed = static_cast<uint64_t>(args.get_int("seed"));
  const std::string on = args.get("on");
  if (on != "test" && on != "valid") throw Error("eval: --on expects test or valid, got '" + on + "'");
  options.on_test = on == "test";
  const std::string sampling = args.get("sampling");
  if (sampling == "uniform") options.sampling = NegativeSampling::Uniform;
  else if (sampling == "popularity") options.sampling = NegativeSampling::Popularity;
  else throw Error("eval: --sampling expects uniform or popularity, got '" + sampling + "'");
  const long long max_users = args.get_int("max-users");
  const long long batch_size = args.get_int("batch-size");
  const long long threads = args.get_int("threads");
  if (max_users < 0 || max_users > 2000000000) throw Error("eval: --max-users must be >= 0");
  if (batch_size < 1 || batch_size > 1000000) throw Error("eval: --batch-size must be in 1..1000000");
  if (threads < 1 || threads > 256) throw Error("eval: --threads must be in 1..256");
  options.max_users = static_cast<int32_t>(max_users);
  options.batch_size = static_cast<int32_t>(batch_size);
  options.threads = static_cast<int>(threads);
  options.verbose = verbose;
  std::vector<int32_t> modes = {0, 99};  // full ranking, then 99 sampled negatives
  if (args.has("candidates")) {
    const long long n = args.get_int("candidates");
    if (n < 0 || n > 10000000) throw Error("eval: --candidates must be >= 0, got " + std::to_string(n));
    modes = {static_cast<int32_t>(n)};
  }

  const std::string split_kind = args.get("split");
  if (split_kind == "leave-last-out") {
    if (args.has("valid-from") || args.has("test-from"))
      throw Error("eval: --valid-from and --test-from need --split temporal");
  } else if (split_kind == "temporal") {
    if (!args.has("valid-from") || !args.has("test-from"))
      throw Error("eval: --split temporal needs --valid-from and --test-from");
  } else {
    throw Error("eval: --split expects leave-last-out or temporal, got '" + split_kind + "'");
  }

  const auto t0 = std::chrono::steady_clock::now();
  ImportOptions import;
  import.format = args.get("format");
  import.meta_path = args.get_or("meta", "");
  const Dataset ds = dataset_open(args.get("data"), args.get_or("dataset", ""), import);
  const Split split = split_kind == "temporal"
                          ? split_temporal(ds, parse_time(args.get("valid-from"), "valid-from"),
                                           parse_time(args.get("test-from"), "test-from"))
                          : split_leave_last_out(ds);
  if (verbose)
    std::fprintf(stderr, "eval: loaded '%s' (%d users, %d items, %zu interactions) and split it in %.2f s\n", ds.name.c_str(),
                 ds.user_count(), ds.item_count(), ds.interactions.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  // By default the sampled table uses 99 negatives, or fewer when a small catalogue cannot give every
  // evaluated user that many (an explicit --candidates N is taken as asked, and fails instead).
  if (!args.has("candidates") && !ratings) {
    int32_t fewest = modes[1];
    for (const auto& s : split.users) {
      if ((options.on_test ? s.test : s.valid).empty()) continue;
      std::vector<int32_t> mine = s.train;
      mine.insert(mine.end(), s.valid.begin(), s.valid.end());
      mine.insert(mine.end(), s.test.begin(), s.test.end());
      std::sort(mine.begin(), mine.end());
      mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
      fewest = std::min<int32_t>(fewest, ds.item_count() - static_cast<int32_t>(mine.size()));
    }
    if (fewest < modes[1]) {
      std::fprintf(stderr, "eval: sampled candidates use %d negatives (the most every user can get)\n", std::max(fewest, 0));
      if (fewest > 0) modes[1] = fewest;
      else modes.pop_back();
    }
  }

  std::vector<EvalReport> reports;
  for (const auto& name : models) {
    const nlohmann::json p = model_params(params, name, several);
    if (ratings) {
      auto model = rating_predictor_create(name, p);
      RatingEvalOptions ro;
      ro.on_test = options.on_test;
      ro.seed = options.seed;
      reports.push_back(eval_rating(*model, ds, split, ro));
      continue;
    }
    auto model = recommender_create(name, p);
    for (size_t m = 0; m < modes.size(); ++m) {
      EvalOptions o = options;
      o.candidates = modes[m];
      o.fit = m == 0;  // one fit serves every mode
      reports.push_back(eval_next_item(*model, ds, split, o));
      if (m > 0) reports.back().fit_seconds = reports[reports.size() - 2].fit_seconds;
    }
  }

  if (args.flag("json")) {
    nlohmann::json j;
    j["dataset"] = ds.name;
    j["source"] = ds.source;
    j["users"] = ds.user_count();
    j["items"] = ds.item_count();
    j["interactions"] = ds.interactions.size();
    j["split"] = split.kind;
    j["reports"] = nlohmann::json::array();
    for (const auto& r : reports) j["reports"].push_back(r.to_json());
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("dataset '%s': %d users, %d items, %zu interactions; %s split, evaluated on %s\n\n", ds.name.c_str(),
              ds.user_count(), ds.item_count(), ds.interactions.size(), split.kind.c_str(), on.c_str());
  if (several) {
    std::fputs(eval_table_compare(reports).c_str(), stdout);
  } else {
    for (size_t i = 0; i < reports.size(); ++i) std::printf("%s%s", i ? "\n" : "", reports[i].table().c_str());
  }
  return 0;
}

}  // namespace rf::cli
