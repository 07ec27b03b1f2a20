// `recforge-cli runs`: look at the runs a project's run store (core/store/run_store.h) recorded — a table
// of every run, newest first, or one run's summary (config, metric ranges, evaluations, events,
// checkpoints); --json for programs. Also the store-opening helpers `export` shares (commands.h).
#include "commands.h"

#include "cli_args.h"
#include "cli_run.h"
#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace rf::cli {

SqliteDb cli_open_run_store(const std::string& project_dir) {
  const std::string path = run_store_path(project_dir);
  const std::string none = path + ": no run store here; runs are recorded by recforge-cli grpo/sft";
  if (!std::filesystem::is_regular_file(path)) throw Error(none);
  {  // a project with data but no run yet has no run tables (user_version 0): the same answer
    SqliteDb probe(path, false);
    auto st = probe.prepare("PRAGMA user_version");
    if (st.step() && st.column_int64(0) == 0) throw Error(none);
  }
  return run_store_open(path, false);
}

RunRecord cli_find_run(SqliteDb& db, int64_t run) {
  if (auto r = run_store_run(db, run)) return *r;
  // Newest first; a long history is cut to its 10 newest ids (`recforge-cli runs` lists them all).
  const std::vector<RunRecord> runs = run_store_runs(db);
  std::string ids;
  for (size_t i = 0; i < runs.size() && i < 10; ++i) ids += (ids.empty() ? "" : ", ") + std::to_string(runs[i].id);
  if (runs.size() > 10) ids += ", ... (" + std::to_string(runs.size()) + " runs; recforge-cli runs lists them)";
  throw Error(db.path() + ": no run " + std::to_string(run) + (ids.empty() ? " (no runs recorded yet)" : "; runs: " + ids));
}

namespace {

using nlohmann::json;

std::string dump(const json& j, int indent = -1) { return j.dump(indent, ' ', false, json::error_handler_t::replace); }
std::string num_text(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string utc_time(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Left-aligned columns separated by two spaces; the first row is the header.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c)
      line += c + 1 == row.size() ? row[c] : row[c] + std::string(width[c] - row[c].size() + 2, ' ');
    std::printf("%s\n", line.c_str());
  }
}

// The headline metric of a run kind: GRPO's mean reward, SFT's training loss.
std::string headline_metric(const std::string& kind) { return kind == "sft" ? "loss" : "reward"; }

std::optional<double> last_value(SqliteDb& db, const RunRecord& r) {
  const auto rows = run_store_metrics(db, r.id, headline_metric(r.kind));
  if (rows.empty()) return std::nullopt;
  return rows.back().value;
}

int list_runs(SqliteDb& db, bool as_json) {
  const std::vector<RunRecord> runs = run_store_runs(db);
  json out = json::array();
  std::vector<std::vector<std::string>> table{{"id", "name", "kind", "status", "step", "last", "created (UTC)"}};
  for (const RunRecord& r : runs) {
    const int64_t step = run_store_last_step(db, r.id);
    const std::optional<double> last = last_value(db, r);
    out.push_back({{"id", r.id},
                   {"name", r.name},
                   {"kind", r.kind},
                   {"status", r.status},
                   {"last_step", step},
                   {"metric", headline_metric(r.kind)},
                   {"last_value", last ? cli_json_number(*last) : json(nullptr)},
                   {"created", utc_time(r.created_ms)},
                   {"created_ms", r.created_ms}});
    table.push_back({std::to_string(r.id), r.name, r.kind, r.status, step < 0 ? "-" : std::to_string(step),
                     last ? headline_metric(r.kind) + " " + num_text(*last) : "-", utc_time(r.created_ms)});
  }
  if (as_json) {
    std::printf("%s\n", dump(out, 2).c_str());
  } else if (runs.empty()) {
    std::printf("no runs in %s\n", db.path().c_str());
  } else {
    print_table(table);
  }
  return 0;
}

json run_summary(SqliteDb& db, const RunRecord& r) {
  json metrics = json::object();
  int64_t steps = 0, prev_step = -1;
  std::map<std::string, json> by_name;
  for (const MetricRow& m : run_store_metrics(db, r.id)) {  // by (step, name)
    if (m.step != prev_step) ++steps, prev_step = m.step;
    json& s = by_name[m.name];
    if (s.is_null()) s = {{"first", cli_json_number(m.value)}, {"first_step", m.step}, {"min", nullptr}, {"max", nullptr}, {"count", 0}};
    s["last"] = cli_json_number(m.value);
    s["last_step"] = m.step;
    s["count"] = s["count"].get<int64_t>() + 1;
    if (std::isfinite(m.value)) {
      if (s["min"].is_null() || m.value < s["min"].get<double>()) s["min"] = m.value;
      if (s["max"].is_null() || m.value > s["max"].get<double>()) s["max"] = m.value;
    }
  }
  for (auto& [name, s] : by_name) metrics[name] = std::move(s);

  // Latest evaluation per (subject, split, metric): rows come by step, so later ones overwrite.
  std::map<std::tuple<std::string, std::string, std::string>, EvaluationRow> latest;
  for (EvaluationRow& e : run_store_evaluations(db, r.id)) latest[{e.subject, e.split, e.metric}] = std::move(e);
  json evaluations = json::array();
  for (const auto& [key, e] : latest)
    evaluations.push_back(
        {{"subject", e.subject}, {"split", e.split}, {"metric", e.metric}, {"step", e.step}, {"value", cli_json_number(e.value)}});

  json events = json::array();
  for (const EventRow& e : run_store_events(db, r.id))
    events.push_back({{"id", e.id}, {"kind", run_event_kind_name(e.kind)}, {"step", e.step}, {"time", utc_time(e.time_ms)},
                      {"payload", e.payload}});
  json checkpoints = json::array();
  for (const CheckpointRow& c : run_store_checkpoints(db, r.id))
    checkpoints.push_back({{"step", c.step}, {"path", c.path}, {"time", utc_time(c.time_ms)}});

  return {{"id", r.id},
          {"name", r.name},
          {"kind", r.kind},
          {"status", r.status},
          {"created", utc_time(r.created_ms)},
          {"updated", utc_time(r.updated_ms)},
          {"config", r.config},
          {"last_step", run_store_last_step(db, r.id)},
          {"steps", steps},
          {"trajectory_steps", run_store_trajectory_steps(db, r.id).size()},
          {"metrics", metrics},
          {"evaluations", evaluations},
          {"events", events},
          {"checkpoints", checkpoints}};
}

std::string cell(const json& v) { return v.is_null() ? "-" : v.is_number() ? num_text(v.get<double>()) : dump(v); }

void print_summary(const json& s) {
  std::printf("run %lld: %s\n", static_cast<long long>(s["id"].get<int64_t>()), s["name"].get<std::string>().c_str());
  std::printf("kind %s, status %s, created %s, updated %s\n", s["kind"].get<std::string>().c_str(),
              s["status"].get<std::string>().c_str(), s["created"].get<std::string>().c_str(),
              s["updated"].get<std::string>().c_str());
  std::printf("steps %lld (last %lld), trajectories at %zu steps\n", static_cast<long long>(s["steps"].get<int64_t>()),
              static_cast<long long>(s["last_step"].get<int64_t>()), s["trajectory_steps"].get<size_t>());
  std::printf("config %s\n", dump(s["config"]).c_str());

  std::printf("\nmetrics\n");
  std::vector<std::vector<std::string>> t{{"  name", "first", "last", "min", "max", "count"}};
  for (const auto& [name, m] : s["metrics"].items())
    t.push_back({"  " + name, cell(m["first"]), cell(m["last"]), cell(m["min"]), cell(m["max"]), cell(m["count"])});
  if (t.size() > 1) print_table(t); else std::printf("  (none)\n");

  std::printf("\nevaluations (latest per subject / split / metric)\n");
  t = {{"  subject", "split", "metric", "step", "value"}};
  for (const auto& e : s["evaluations"])
    t.push_back({"  " + e["subject"].get<std::string>(), e["split"].get<std::string>(), e["metric"].get<std::string>(),
                 cell(e["step"]), cell(e["value"])});
  if (t.size() > 1) print_table(t); else std::printf("  (none)\n");

  std::printf("\nevents\n");
  t = {{"  kind", "step", "payload"}};
  for (const auto& e : s["events"]) t.push_back({"  " + e["kind"].get<std::string>(), cell(e["step"]), dump(e["payload"])});
  if (t.size() > 1) print_table(t); else std::printf("  (none)\n");

  std::printf("\ncheckpoints\n");
  t = {{"  step", "path"}};
  for (const auto& c : s["checkpoints"]) t.push_back({"  " + cell(c["step"]), c["path"].get<std::string>()});
  if (t.size() > 1) print_table(t); else std::printf("  (none)\n");
}

}  // namespace

int cmd_runs(int argc, char** argv) {
  CliArgs args("runs",
               "List the runs recorded in a project's run store (newest first), or summarise one run:\n"
               "config, metric ranges, latest evaluations, events and checkpoints.",
               {{"project", "DIR", "project folder (its project.sqlite holds the runs)", ""},
                {"run", "ID", "summarise this run", ""},
                {"json", "", "print JSON instead of tables", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.positional().empty())
    throw Error("recforge-cli runs: unexpected argument '" + args.positional()[0] + "' (see --help)");
  SqliteDb db = cli_open_run_store(args.get("project"));
  const bool as_json = args.flag("json");
  if (!args.has("run")) return list_runs(db, as_json);
  const json s = run_summary(db, cli_find_run(db, args.get_int("run")));
  if (as_json) std::printf("%s\n", dump(s, 2).c_str()); else print_summary(s);
  return 0;
}

}  // namespace rf::cli
