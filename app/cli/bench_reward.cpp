// `recforge-cli bench reward`: how long the reward library takes to score a batch of completions. Builds
// realistic completions from a catalogue (Amazon Beauty by default): for the List recipe, ~150-word
// reasoning over the user's history and a list of 10 ids chosen from a candidate pool of 20 (valid lists,
// duplicates, items outside the pool, titles instead of ids, wrong lengths, unknown ids and broken tags);
// for the Query recipe, a JSON query made from the user's history titles (plain, Boolean, fenced, broken).
// Each batch is scored with every component (the List composite also has coverage, length and business
// rules; the Query composite is Rec-R1's preset plus a length penalty) through RewardComposite::score_batch.
// Prints one JSON object: completions, seconds, completions_per_s and per-component microseconds.
#include "commands.h"

#include "bench_machine.h"
#include "cli_args.h"
#include "data/dataset_store.h"
#include "data/split.h"
#include "retrieval/bm25_index.h"
#include "reward/reward_composite.h"
#include "reward/reward_presets.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <time.h>

namespace rf::cli {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<std::string> words_of(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// A user with a history, the held-out next item and a pool around it.
struct Case {
  int32_t user = 0;
  std::vector<int32_t> history;  // train items, time order
  int32_t target = 0;
  std::vector<int32_t> pool;
};

std::vector<Case> cases_make(const Dataset& ds, size_t n, int pool_size, uint64_t seed) {
  const Split split = split_leave_last_out(ds);
  const CandidateSampler sampler = candidates_sampler(ds);
  std::vector<int32_t> users;
  for (size_t u = 0; u < split.users.size(); ++u)
    if (!split.users[u].test.empty() && !split.users[u].train.empty()) users.push_back(static_cast<int32_t>(u));
  if (users.empty()) throw Error("bench reward: no user has a held-out item (need users with >= 3 interactions)");
  std::mt19937_64 rng(seed);
  std::vector<Case> out;
  for (size_t i = 0; i < n; ++i) {
    Case c;
    c.user = users[rng() % users.size()];
    const UserSplit& us = split.users[static_cast<size_t>(c.user)];
    c.history = us.train;
    c.target = us.test.front();
    std::vector<int32_t> all = us.train;
    all.insert(all.end(), us.valid.begin(), us.valid.end());
    all.insert(all.end(), us.test.begin(), us.test.end());
    CandidateOptions co;
    co.pool_size = pool_size;
    co.seed = seed + i;
    c.pool = candidates_sample(sampler, c.user, {c.target}, all, co);
    out.push_back(std::move(c));
  }
  return out;
}

// ~150 words of reasoning that quote the history, as a model's <think> block would.
std::string think_make(const Dataset& ds, const Case& c, std::mt19937_64& rng) {
  static const char* openers[] = {"The user recently bought ", "Looking at the history, there is ", "Another purchase was ",
                                  "They also picked ", "Earlier they chose "};
  std::string t;
  const size_t shown = std::min<size_t>(c.history.size(), 6);
  for (size_t i = c.history.size() - shown; i < c.history.size(); ++i)
    t += std::string(openers[rng() % 5]) + ds.items[static_cast<size_t>(c.history[i])].title +
         ", which suggests a steady interest in this kind of product. ";
  t += "Among the candidates I should prefer items that share the brand or the category of these purchases, "
       "and avoid repeating products that are too similar to each other, so the list stays useful and varied.";
  return t;
}

std::string list_answer_make(const Dataset& ds, const Case& c, int k, std::mt19937_64& rng) {
  std::vector<int32_t> picks = c.pool;
  std::shuffle(picks.begin(), picks.end(), rng);
  picks.resize(std::min<size_t>(picks.size(), static_cast<size_t>(k)));
  const unsigned kind = rng() % 100;
  if (kind >= 50 && kind < 60 && picks.size() > 1) picks.back() = picks.front();  // a duplicate
  if (kind >= 60 && kind < 70) picks.back() = static_cast<int32_t>(rng() % ds.items.size());  // maybe outside the pool
  if (kind >= 78 && kind < 86) picks.resize(std::min<size_t>(picks.size(), 6));  // wrong length
  std::string a;
  if (kind >= 70 && kind < 78) {  // titles, one per line
    for (size_t i = 0; i < picks.size(); ++i)
      a += std::to_string(i + 1) + ". " + ds.items[static_cast<size_t>(picks[i])].title + "\n";
    return a;
  }
  a = "[";
  for (size_t i = 0; i < picks.size(); ++i) a += (i ? ", " : "") + ds.items[static_cast<size_t>(picks[i])].id;
  if (kind >= 86 && kind < 92) a += ", 99999999";  // an id that is no item
  return a + "]";
}

std::string query_answer_make(const Dataset& ds, const Case& c, std::mt19937_64& rng) {
  std::vector<std::string> w;
  for (size_t i = c.history.size() >= 2 ? c.history.size() - 2 : 0; i < c.history.size(); ++i)
    for (const std::string& x : words_of(ds.items[static_cast<size_t>(c.history[i])].title))
      if (x.size() > 2 && x.find('"') == std::string::npos && x.find('\\') == std::string::npos) w.push_back(x);
  if (w.empty()) w = {"beauty", "cream"};
  std::shuffle(w.begin(), w.end(), rng);
  w.resize(std::min<size_t>(w.size(), 3 + rng() % 4));
  std::string q;
  const unsigned kind = rng() % 100;
  if (kind < 15 && w.size() >= 3) {
    q = "(" + w[0] + " OR " + w[1] + ") AND " + w[2];
  } else {
    for (size_t i = 0; i < w.size(); ++i) q += (i ? " " : "") + w[i];
  }
  const std::string obj = json{{"query", q}}.dump();
  if (kind >= 90) return kind < 95 ? q : "{\"query\": \"\"}";  // bare text / empty query
  if (kind >= 85) return "```json\n" + obj + "\n```";
  return obj;
}

std::string completion_wrap(const std::string& think, const std::string& answer, std::mt19937_64& rng) {
  const unsigned kind = rng() % 100;
  if (kind < 3) return think;                                            // ran out of tokens
  if (kind < 6) return "<answer>" + answer + "</answer>";                // no reasoning block
  if (kind < 8) return "<think>" + think + "</think>\n<answer>" + answer;  // unclosed answer
  return "<think>" + think + "</think>\n<answer>" + answer + "</answer>";
}

json list_config() {
  json c = reward_preset("recllm-r1");
  json& comps = c["components"];
  comps.push_back({{"type", "accuracy"}, {"name", "hit"}, {"weight", 0.1}, {"params", {{"metric", "hit"}}}});
  comps.push_back({{"type", "accuracy"}, {"name", "mrr"}, {"weight", 0.1}, {"params", {{"metric", "mrr"}}}});
  comps.push_back({{"type", "coverage"}, {"name", "coverage"}, {"weight", 0.1}, {"params", {{"scope", "batch"}}}});
  comps.push_back({{"type", "length"}, {"name", "length"}, {"weight", 1.0}, {"params", {{"budget", 300}}}});
  for (json& comp : comps)
    if (comp["name"] == "rules")
      comp["params"]["rules"] = json::parse(R"([
        {"name": "long tail", "match": {"popularity": {"bottom_percent": 50}}, "quota": {"at_least": 2, "penalty": -0.2}},
        {"name": "blockbusters", "match": {"popularity": {"top_percent": 10}}, "per_item": -0.05, "cap": 0.2},
        {"name": "one category", "max_per": {"field": "category", "max": 5, "per_excess": -0.02}},
        {"name": "featured", "match": {"any": [{"category": ["attr:1", "attr:2"]}, {"attribute": {"name": "asin", "exists": true}}]},
         "if_count_at_least": {"n": 3, "value": 0.1}}])");
  return c;
}

json query_config() {
  json c = reward_preset("rec-r1");
  c["components"].push_back({{"type", "length"}, {"name", "length"}, {"weight", 1.0}, {"params", {{"budget", 300}}}});
  return c;
}

struct Timing {
  double wall = 1e30;  // best of the repetitions
  double cpu = 1e30;   // best CPU seconds (all threads)
};

// Scores copies of `inputs` `repeat` times on `threads` threads.
Timing time_batches(RewardComposite& c, const std::vector<RewardInput>& inputs, int threads, int repeat,
                    std::vector<RewardBreakdown>* last) {
  Timing best;
  for (int r = 0; r < repeat; ++r) {
    std::vector<RewardInput> copy = inputs;
    const double cpu0 = bench_process_cpu_s();
    const auto t0 = Clock::now();
    std::vector<RewardBreakdown> out = c.score_batch(copy, threads);
    best.wall = std::min(best.wall, seconds_since(t0));
    best.cpu = std::min(best.cpu, bench_process_cpu_s() - cpu0);
    c.reset_run_state();
    if (last) *last = std::move(out);
  }
  return best;
}

// Single-threaded cost per completion of parsing, each component's prepare() and each score(), in µs of
// this thread's CPU time (stable on a shared machine, where wall time counts other people's work too).
json per_component_us(const RewardComposite& c, const std::vector<RewardInput>& inputs) {
  std::vector<RewardInput> copy = inputs;
  const double n = static_cast<double>(copy.size());
  json out = json::object();
  double t0 = bench_thread_cpu_s();
  for (RewardInput& in : copy) reward_parse(in, c.recipe(), c.parse_options());
  out["parse"] = (bench_thread_cpu_s() - t0) * 1e6 / n;
  // Every prepare() first (as score_batch does), so shared work such as the retrieval is counted once,
  // under the component that does it, and not again under those that read its result.
  std::vector<double> us(c.size(), 0);
  for (size_t k = 0; k < c.size(); ++k) {
    t0 = bench_thread_cpu_s();
    for (RewardInput& in : copy) c.component(k).prepare(in);
    us[k] = (bench_thread_cpu_s() - t0) * 1e6 / n;
  }
  double sink = 0;
  for (size_t k = 0; k < c.size(); ++k) {
    t0 = bench_thread_cpu_s();
    for (const RewardInput& in : copy) sink += c.component(k).score(in).value;
    us[k] += (bench_thread_cpu_s() - t0) * 1e6 / n;
    out[c.component(k).name()] = us[k];
  }
  if (sink == 12345.678) std::fputs("", stderr);  // keeps the loops from being optimised away
  return out;
}

json recipe_report(RewardComposite& c, const std::vector<RewardInput>& inputs, int threads, int repeat) {
  time_batches(c, inputs, threads, 1, nullptr);  // warm-up: first-touch allocations, retriever clones
  std::vector<RewardBreakdown> out;
  const Timing s = time_batches(c, inputs, threads, repeat, &out);
  const Timing s1 = threads == 1 ? s : time_batches(c, inputs, 1, repeat, nullptr);
  double mean = 0;
  for (const RewardBreakdown& b : out) mean += b.total;
  size_t format_ok = 0;  // tags right and the answer parses, whatever it earned
  for (RewardInput in : inputs) {
    reward_parse(in, c.recipe(), c.parse_options());
    format_ok += in.parsed.format_ok() ? 1 : 0;
  }
  const double n = static_cast<double>(inputs.size());
  return {{"completions", inputs.size()},
          {"seconds", s.wall},
          {"completions_per_s", n / s.wall},
          {"cpu_seconds", s.cpu},
          {"seconds_1_thread", s1.wall},
          {"cpu_seconds_1_thread", s1.cpu},
          {"mean_total_reward", mean / n},
          {"share_format_ok", static_cast<double>(format_ok) / n},
          {"components", c.names()},
          {"per_component_us", per_component_us(c, inputs)}};
}

}  // namespace

int bench_reward(int argc, char** argv) {
  CliArgs args("bench reward",
               "Score realistic List and Query recipe completions built from a catalogue with every reward component "
               "and print completions, seconds, completions/s and per-component microseconds as JSON.",
               {{"data", "DIR_OR_SOURCE", "project folder or data source (see recforge-cli data import)",
                 "/work/shared/data/amazon-beauty-5core"},
                {"dataset", "NAME", "dataset inside a project folder", ""},
                {"format", "FMT", "import format for a source (auto, sequence, ...)", "auto"},
                {"batch", "N", "completions per recipe and batch", "512"},
                {"k", "K", "list length asked for", "10"},
                {"pool", "N", "candidate pool size", "20"},
                {"threads", "T", "scoring threads (0: one per hardware thread)", "0"},
                {"repeat", "N", "timed repetitions (the best is reported)", "5"},
                {"seed", "N", "seed of the completion generator", "7"}});
  if (!args.parse(argc, argv)) return 0;
  const long long batch = args.get_int("batch"), k = args.get_int("k"), pool = args.get_int("pool"),
                  threads = args.get_int("threads"), repeat = args.get_int("repeat");
  if (batch < 1 || batch > 1000000) throw Error("bench reward: --batch must be 1..1000000");
  if (k < 1 || pool < k || pool > 10000) throw Error("bench reward: need 1 <= --k <= --pool <= 10000");
  if (threads < 0 || threads > 256) throw Error("bench reward: --threads must be 0..256");
  if (repeat < 1 || repeat > 1000) throw Error("bench reward: --repeat must be 1..1000");
  const int t = threads > 0 ? static_cast<int>(threads) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  ImportOptions io;
  io.format = args.get("format");
  auto t0 = Clock::now();
  const Dataset ds = dataset_open(args.get("data"), args.get_or("dataset", ""), io);
  const double load_s = seconds_since(t0);
  if (ds.items.empty()) throw Error("bench reward: " + args.get("data") + " has no items");

  t0 = Clock::now();
  Bm25Options bo;
  bo.fields = {"title"};
  Bm25Index index = bm25_index_build(ds, bo);
  const double index_s = seconds_since(t0);
  t0 = Clock::now();
  const std::unique_ptr<RewardContext> ctx = reward_context_build(ds, nullptr, &index);
  const double context_s = seconds_since(t0);

  const uint64_t seed = static_cast<uint64_t>(args.get_int("seed"));
  const std::vector<Case> cases = cases_make(ds, static_cast<size_t>(batch), static_cast<int>(pool), seed);
  std::mt19937_64 rng(seed * 31 + 1);
  std::vector<RewardInput> list_inputs, query_inputs;
  double words = 0;
  for (const Case& c : cases) {
    const std::string think = think_make(ds, c, rng);
    words += static_cast<double>(words_of(think).size());
    RewardInput in;
    in.targets = {c.target};
    in.pool = c.pool;
    in.k = static_cast<int>(k);
    in.context = ctx.get();
    in.completion = completion_wrap(think, list_answer_make(ds, c, static_cast<int>(k), rng), rng);
    list_inputs.push_back(in);
    in.pool.clear();
    in.completion = completion_wrap(think, query_answer_make(ds, c, rng), rng);
    query_inputs.push_back(std::move(in));
  }

  RewardComposite list_c(list_config());
  RewardComposite query_c(query_config());
  const json list_r = recipe_report(list_c, list_inputs, t, static_cast<int>(repeat));
  const json query_r = recipe_report(query_c, query_inputs, t, static_cast<int>(repeat));
  const double seconds = list_r["seconds"].get<double>() + query_r["seconds"].get<double>();
  const double n = static_cast<double>(list_inputs.size() + query_inputs.size());
  json per_component = json::object();
  for (const auto& [name, us] : list_r["per_component_us"].items()) per_component["list/" + name] = us;
  for (const auto& [name, us] : query_r["per_component_us"].items()) per_component["query/" + name] = us;
  const json out = {{"data", args.get("data")},
                    {"items", ds.items.size()},
                    {"batch", batch},
                    {"k", k},
                    {"pool", pool},
                    {"threads", t},
                    {"repeat", repeat},
                    {"mean_reasoning_words", words / static_cast<double>(cases.size())},
                    {"load_s", load_s},
                    {"index_build_s", index_s},
                    {"context_build_s", context_s},
                    {"completions", list_inputs.size() + query_inputs.size()},
                    {"seconds", seconds},
                    {"completions_per_s", n / seconds},
                    {"per_component_us", per_component},
                    {"list", list_r},
                    {"query", query_r},
                    {"cpu", bench_cpu_model()},
                    {"hardware_threads", std::thread::hardware_concurrency()}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace rf::cli
