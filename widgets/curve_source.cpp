// Incremental reads of a run store for the curves (see curve_source.h).
#include "curve_source.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

namespace rf::gui {

namespace {

std::string number_text(double v) {
  if (!std::isfinite(v)) return "";
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string curve_marker_label(const EventRow& ev) {
  const auto& p = ev.payload;
  auto num = [](const nlohmann::json& v) { return v.is_number() ? number_text(v.get<double>()) : v.dump(); };
  switch (ev.kind) {
    case RunEventKind::weight_change: {
      const std::string what = p.contains("component") ? p.value("component", std::string("?")) : p.value("setting", std::string("?"));
      return what + " " + (p.contains("old") ? num(p["old"]) : "?") + " -> " + (p.contains("new") ? num(p["new"]) : "?");
    }
    case RunEventKind::pause: return "paused";
    case RunEventKind::resume: return p.contains("from_checkpoint") ? "resumed from checkpoint" : "resumed";
    case RunEventKind::stop: return "stopped";
    default: return run_event_kind_name(ev.kind);
  }
}

CurveSource::CurveSource(std::string store_path) : path_(std::move(store_path)) {}

void CurveSource::forget(int64_t run) { runs_.erase(run); }

bool CurveSource::poll(const std::vector<int64_t>& runs) {
  if (!std::filesystem::is_regular_file(path_)) return false;
  SqliteDb db = run_store_open(path_, false);
  bool changed = false;
  for (int64_t run : runs) changed |= poll_run(db, run, runs_[run]);
  return changed;
}

bool CurveSource::poll_run(SqliteDb& db, int64_t run, RunCurves& rc) {
  bool changed = false;
  if (rc.name.empty()) {
    const auto rec = run_store_run(db, run);
    if (!rec) return false;
    rc.name = rec->name;
    changed = true;
  }
  // A resume cut the run back: read it again from the start.
  if (run_store_last_step(db, run) < rc.last_step) {
    const std::string name = rc.name;
    rc = RunCurves{};
    rc.name = name;
    changed = true;
  }
  for (const MetricRow& m : run_store_metrics(db, run, "", rc.last_step + 1)) {
    CurveSeries& s = rc.series[m.name];
    s.steps.push_back(static_cast<double>(m.step));
    s.values.push_back(m.value);
    rc.last_step = std::max(rc.last_step, m.step);
    changed = true;
  }
  // Evaluations are few: re-read when their count changed.
  const auto evals = run_store_evaluations(db, run);
  if (static_cast<int64_t>(evals.size()) != rc.eval_rows) {
    for (auto it = rc.series.begin(); it != rc.series.end();)
      it = it->first.rfind("eval/", 0) == 0 ? rc.series.erase(it) : std::next(it);
    for (const EvaluationRow& e : evals) {
      if (e.subject != "model") continue;
      CurveSeries& s = rc.series["eval/" + e.metric];
      s.steps.push_back(static_cast<double>(e.step));
      s.values.push_back(e.value);
    }
    rc.eval_rows = static_cast<int64_t>(evals.size());
    changed = true;
  }
  for (const EventRow& ev : run_store_events(db, run, rc.last_event_id)) {
    rc.last_event_id = ev.id;
    if (ev.kind == RunEventKind::weight_change || ev.kind == RunEventKind::pause || ev.kind == RunEventKind::resume ||
        ev.kind == RunEventKind::stop) {
      rc.markers.push_back({ev.step, run_event_kind_name(ev.kind), curve_marker_label(ev)});
      changed = true;
    }
  }
  return changed;
}

const CurveSeries* CurveSource::series(int64_t run, const std::string& metric) const {
  const auto r = runs_.find(run);
  if (r == runs_.end()) return nullptr;
  const auto s = r->second.series.find(metric);
  return s == r->second.series.end() ? nullptr : &s->second;
}

std::vector<std::string> CurveSource::metric_names(const std::vector<int64_t>& runs) const {
  std::set<std::string> names;
  for (int64_t run : runs)
    if (const auto r = runs_.find(run); r != runs_.end())
      for (const auto& [name, s] : r->second.series) names.insert(name);
  return {names.begin(), names.end()};
}

std::vector<CurveMarker> CurveSource::markers(int64_t run) const {
  const auto r = runs_.find(run);
  return r == runs_.end() ? std::vector<CurveMarker>{} : r->second.markers;
}

std::string CurveSource::run_name(int64_t run) const {
  const auto r = runs_.find(run);
  return r == runs_.end() ? std::string() : r->second.name;
}

int64_t CurveSource::last_step(int64_t run) const {
  const auto r = runs_.find(run);
  return r == runs_.end() ? -1 : r->second.last_step;
}

std::string CurveSource::csv(const std::vector<int64_t>& runs, const std::vector<std::string>& metrics) const {
  std::string out = "run,run_name,step,metric,value\n";
  for (int64_t run : runs) {
    const auto r = runs_.find(run);
    if (r == runs_.end()) continue;
    for (const auto& [name, s] : r->second.series) {
      if (!metrics.empty() && std::find(metrics.begin(), metrics.end(), name) == metrics.end()) continue;
      for (size_t i = 0; i < s.steps.size(); ++i)
        out += std::to_string(run) + "," + csv_field(r->second.name) + "," + std::to_string(static_cast<int64_t>(s.steps[i])) + "," +
               csv_field(name) + "," + number_text(s.values[i]) + "\n";
    }
  }
  return out;
}

}  // namespace rf::gui
