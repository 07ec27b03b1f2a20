// `recforge-cli sample-world`: writes the sample world (--out DIR), or replays a built-in recommender
// against its simulated users (--replay NAME) and prints one row per round: true satisfaction, topic
// entropy of what users saw and consumed, catalogue coverage and exposure Gini (a table, or JSON).
#include "commands.h"

#include "cli_args.h"
#include "data/sample_world.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace rf::cli {

namespace {

int int_option(const CliArgs& args, const std::string& name, long long lo, long long hi) {
  const long long v = args.get_int(name);
  if (v < lo || v > hi)
    throw Error("sample-world: --" + name + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                ", got " + std::to_string(v));
  return static_cast<int>(v);
}

SampleWorldOptions world_options(const CliArgs& args) {
  SampleWorldOptions o;
  const long long seed = args.get_int("seed");
  if (seed < 0) throw Error("sample-world: --seed must be >= 0, got " + std::to_string(seed));
  o.seed = static_cast<uint64_t>(seed);
  o.n_items = int_option(args, "items", 1, 100000);
  o.n_users = int_option(args, "users", 1, 100000);
  o.n_topics = int_option(args, "topics", 1, sample_world_topic_count());
  o.topic_ids = !args.has("numeric-ids");
  return o;
}

nlohmann::ordered_json round_json(const SampleReplayRound& r) {
  return {{"round", r.round},
          {"satisfaction_shown", r.satisfaction_shown},
          {"satisfaction_consumed", r.satisfaction_consumed},
          {"entropy_shown", r.entropy_shown},
          {"entropy_consumed", r.entropy_consumed},
          {"coverage", r.coverage},
          {"gini", r.gini},
          {"consumed", r.consumed}};
}

void print_table(const std::string& name, const std::vector<SampleReplayRound>& rows) {
  std::printf("%s\n", name.c_str());
  std::printf("%5s  %9s  %9s  %9s  %9s  %8s  %6s  %8s\n", "round", "sat.shown", "sat.taken", "ent.shown", "ent.taken",
              "coverage", "gini", "consumed");
  for (const auto& r : rows)
    std::printf("%5d  %9.3f  %9.3f  %9.3f  %9.3f  %8.3f  %6.3f  %8lld\n", r.round, r.satisfaction_shown,
                r.satisfaction_consumed, r.entropy_shown, r.entropy_consumed, r.coverage, r.gini,
                static_cast<long long>(r.consumed));
}

}  // namespace

int cmd_sample_world(int argc, char** argv) {
  CliArgs args("sample-world",
               "Write the sample world (a small made-up catalogue and users with hidden tastes) to --out DIR, or\n"
               "replay a recommender against its users (--replay) to watch a filter bubble form. Replay columns:\n"
               "true satisfaction of the lists shown and of the items taken (0.15-1), mean topic entropy in bits of\n"
               "each list and of each user's last 10 items taken, catalogue coverage and Gini of exposure per round.",
               {{"seed", "S", "world seed (also the replay's seed)", "7"},
                {"out", "DIR", "folder to write the world into (items.jsonl, users.jsonl, interactions.csv, world.json)", ""},
                {"items", "N", "items in the catalogue", "300"},
                {"users", "N", "users", "300"},
                {"topics", "N", "topics (at most 12)", "12"},
                {"numeric-ids", "", "item ids i0001, i0002, ... (default: ids that name their topic, noir07)", ""},
                {"replay", "NAME", "more-of-the-same | popularity | random | diverse | all", ""},
                {"world", "DIR", "with --replay: a folder written by sample-world (default: generate from --seed)", ""},
                {"rounds", "R", "with --replay: rounds", "10"},
                {"k", "K", "with --replay: items shown per user and round", "10"},
                {"json", "", "with --replay: print JSON", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.positional().empty()) throw Error("sample-world: unexpected argument '" + args.positional()[0] + "'");

  if (!args.has("replay")) {
    if (!args.has("out")) throw Error("sample-world: give --out DIR to write a world, or --replay NAME (see --help)");
    const SampleWorld world = sample_world_generate(world_options(args));
    const std::string dir = args.get("out");
    sample_world_write(world, dir);
    std::printf("wrote %s: %d items in %zu topics, %d users, %zu interactions (seed %llu)\n", dir.c_str(),
                world.dataset.item_count(), world.topics.size(), world.dataset.user_count(),
                world.dataset.interactions.size(), static_cast<unsigned long long>(world.options.seed));
    return 0;
  }

  const std::string which = args.get("replay");
  std::vector<std::string> names = sample_world_recommender_names();
  if (which != "all") {
    if (std::find(names.begin(), names.end(), which) == names.end())
      throw Error("sample-world: unknown --replay '" + which + "' (expected more-of-the-same, popularity, random, diverse or all)");
    names = {which};
  }
  const SampleWorld world = args.has("world") ? sample_world_load(args.get("world")) : sample_world_generate(world_options(args));
  SampleReplayOptions options;
  options.rounds = int_option(args, "rounds", 1, 10000);
  options.k = int_option(args, "k", 1, 100000);
  options.seed = world.options.seed;
  if (args.has("world") && args.has("seed")) options.seed = static_cast<uint64_t>(args.get_int("seed"));

  nlohmann::ordered_json out;
  out["world"] = args.has("world") ? args.get("world") : "seed " + std::to_string(world.options.seed);
  out["rounds"] = options.rounds;
  out["k"] = options.k;
  out["seed"] = options.seed;
  out["replays"] = nlohmann::ordered_json::object();
  for (size_t n = 0; n < names.size(); ++n) {
    const auto rows = sample_world_replay(world, sample_world_recommender(world, names[n], options.seed), options);
    if (args.flag("json")) {
      auto list = nlohmann::ordered_json::array();
      for (const auto& r : rows) list.push_back(round_json(r));
      out["replays"][names[n]] = list;
    } else {
      if (n) std::printf("\n");
      print_table(names[n], rows);
    }
  }
  if (args.flag("json")) std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace rf::cli
