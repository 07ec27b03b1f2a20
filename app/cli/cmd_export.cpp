// `recforge-cli export`: copy one run out of a project's run store into plain files for other tools —
// metrics.csv (wide, one row per step), trajectories.jsonl, events.jsonl, evaluations.csv,
// evaluation_users.csv, config.json.
// Each file is streamed to a temporary name and renamed into place, so a failed export never leaves a
// half-written file under its real name.
#include "commands.h"

#include "cli_args.h"
#include "cli_run.h"
#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace rf::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kParts = {"metrics", "trajectories", "events", "evaluations", "evaluation_users", "config"};

std::string dump(const json& j, int indent = -1) { return j.dump(indent, ' ', false, json::error_handler_t::replace); }

// Round-trips a double; NaN is an empty cell.
std::string csv_number(double v) {
  if (std::isnan(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// A file written under `<path>.tmp` and renamed over `path` by commit(); removed if never committed.
class AtomicFile {
 public:
  explicit AtomicFile(fs::path path) : path_(std::move(path)), tmp_(path_.string() + ".tmp"), out_(tmp_, std::ios::binary) {
    if (!out_) throw Error(tmp_.string() + ": cannot write");
  }
  ~AtomicFile() {
    if (!committed_) {
      out_.close();
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  std::ofstream& out() { return out_; }
  void commit() {
    out_.close();
    if (!out_) throw Error(tmp_.string() + ": write failed (disk full?)");
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) throw Error(path_.string() + ": cannot rename " + tmp_.string() + " into place: " + ec.message());
    committed_ = true;
  }

 private:
  fs::path path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

int64_t export_metrics(SqliteDb& db, int64_t run, std::ofstream& out) {
  const std::vector<std::string> names = run_store_metric_names(db, run);  // sorted
  std::map<std::string, size_t> column;
  out << "step";
  for (size_t i = 0; i < names.size(); ++i) {
    column[names[i]] = i;
    out << ',' << csv_text(names[i]);
  }
  out << '\n';
  int64_t rows = 0;
  const std::vector<MetricRow> metrics = run_store_metrics(db, run);  // by (step, name)
  for (size_t i = 0; i < metrics.size();) {
    const int64_t step = metrics[i].step;
    std::vector<std::string> cells(names.size());
    for (; i < metrics.size() && metrics[i].step == step; ++i) cells[column.at(metrics[i].name)] = csv_number(metrics[i].value);
    out << step;
    for (const std::string& c : cells) out << ',' << c;
    out << '\n';
    ++rows;
  }
  return rows;
}

int64_t export_trajectories(SqliteDb& db, int64_t run, std::ofstream& out) {
  int64_t rows = 0;
  for (const int64_t step : run_store_trajectory_steps(db, run))  // ascending
    for (const TrajectoryRow& t : run_store_trajectories(db, run, step)) {
      json j = {{"run", t.run},         {"step", t.step},       {"group", t.group_id},
                      {"index", t.index},     {"user", t.user},       {"prompt", t.prompt},
                      {"completion", t.completion}, {"parsed", t.parsed}, {"rewards", t.rewards},
                      {"total", cli_json_number(t.total)}, {"advantage", cli_json_number(t.advantage)}, {"tokens", t.tokens}};
      if (!t.token_ids.empty()) {
        j["token_ids"] = t.token_ids;
        json lp = json::array();
        for (float v : t.token_logprobs) lp.push_back(cli_json_number(v));
        j["token_logprobs"] = lp;
      }
      out << dump(j) << '\n';
      ++rows;
    }
  return rows;
}

int64_t export_events(SqliteDb& db, int64_t run, std::ofstream& out) {
  int64_t rows = 0;
  for (const EventRow& e : run_store_events(db, run)) {
    const json j = {{"id", e.id},           {"run", e.run}, {"step", e.step}, {"time_ms", e.time_ms},
                    {"kind", run_event_kind_name(e.kind)}, {"payload", e.payload}};
    out << dump(j) << '\n';
    ++rows;
  }
  return rows;
}

int64_t export_evaluations(SqliteDb& db, int64_t run, std::ofstream& out) {
  out << "step,subject,split,metric,value\n";
  int64_t rows = 0;
  for (const EvaluationRow& e : run_store_evaluations(db, run)) {
    out << e.step << ',' << csv_text(e.subject) << ',' << csv_text(e.split) << ',' << csv_text(e.metric) << ','
        << csv_number(e.value) << '\n';
    ++rows;
  }
  return rows;
}

// Every evaluation's per-user values (schema 3), by step, subject, metric, user.
int64_t export_evaluation_users(SqliteDb& db, int64_t run, std::ofstream& out) {
  out << "step,subject,split,metric,user,position,pool,value\n";
  std::set<std::pair<int64_t, std::string>> evaluated;
  for (const EvaluationRow& e : run_store_evaluations(db, run)) evaluated.insert({e.step, e.subject});
  int64_t rows = 0;
  for (const auto& [step, subject] : evaluated)
    for (const std::string& metric : run_store_evaluation_user_metrics(db, run, step, subject))
      for (const EvaluationUserRow& u : run_store_evaluation_users(db, run, step, subject, metric)) {
        out << step << ',' << csv_text(subject) << ',' << csv_text(u.split) << ',' << csv_text(metric) << ',' << u.user << ','
            << u.position << ',' << u.pool << ',' << csv_number(u.value) << '\n';
        ++rows;
      }
  return rows;
}

std::set<std::string> parse_what(const std::string& what) {
  std::set<std::string> out;
  std::stringstream ss(what);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty()) continue;
    if (std::find(kParts.begin(), kParts.end(), part) == kParts.end()) {
      std::string list;
      for (const auto& p : kParts) list += (list.empty() ? "" : ", ") + p;
      throw Error("recforge-cli export: --what: '" + part + "' is not one of " + list);
    }
    out.insert(part);
  }
  if (out.empty()) throw Error("recforge-cli export: --what names nothing to export");
  return out;
}

}  // namespace

int cmd_export(int argc, char** argv) {
  CliArgs args("export",
               "Export one run of a project's run store into --out: metrics.csv (one row per step, one column\n"
               "per metric), trajectories.jsonl, events.jsonl, evaluations.csv, evaluation_users.csv (each evaluated\n"
               "user's value of each per-user metric) and config.json.",
               {{"project", "DIR", "project folder (its project.sqlite holds the runs)", ""},
                {"run", "ID", "the run to export (see recforge-cli runs)", ""},
                {"out", "DIR", "output folder (created when missing)", ""},
                {"what", "LIST", "comma-separated subset of metrics,trajectories,events,evaluations,evaluation_users,config", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.positional().empty())
    throw Error("recforge-cli export: unexpected argument '" + args.positional()[0] + "' (see --help)");
  const std::string project = args.get("project");
  const int64_t run_id = args.get_int("run");
  const fs::path out_dir = args.get("out");
  const std::set<std::string> what =
      args.has("what") ? parse_what(args.get("what")) : std::set<std::string>(kParts.begin(), kParts.end());

  SqliteDb db = cli_open_run_store(project);
  const RunRecord run = cli_find_run(db, run_id);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) throw Error(out_dir.string() + ": cannot create the output folder");

  auto write = [&](const std::string& part, const std::string& file, auto&& body) {
    if (!what.count(part)) return;
    AtomicFile f(out_dir / file);
    const int64_t rows = body(f.out());
    f.commit();
    std::printf("%s: %lld rows\n", (out_dir / file).string().c_str(), static_cast<long long>(rows));
  };
  write("metrics", "metrics.csv", [&](std::ofstream& o) { return export_metrics(db, run.id, o); });
  write("trajectories", "trajectories.jsonl", [&](std::ofstream& o) { return export_trajectories(db, run.id, o); });
  write("events", "events.jsonl", [&](std::ofstream& o) { return export_events(db, run.id, o); });
  write("evaluations", "evaluations.csv", [&](std::ofstream& o) { return export_evaluations(db, run.id, o); });
  write("evaluation_users", "evaluation_users.csv", [&](std::ofstream& o) { return export_evaluation_users(db, run.id, o); });
  write("config", "config.json", [&](std::ofstream& o) {
    o << dump(run.config, 2) << '\n';
    return int64_t{1};
  });
  return 0;
}

}  // namespace rf::cli
