// The data behind the live curves: per-step metrics, the model's evaluations and the steering events of
// some runs, read incrementally from a project's run store (store/run_store.h) while the runs write it —
// from this process's RunController or from a recforge-cli in another process (WAL: readers see whole
// batches). Each poll reads only rows newer than the last one seen; a run whose store was cut back by a
// resume (its last step went down) is read again from the start. No Qt: the panels draw from it.
#pragma once

#include "store/run_store.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rf::gui {

struct CurveSeries {
  std::vector<double> steps;
  std::vector<double> values;  // NaN = a skipped step
};

// A vertical marker: a weight / temperature / learning-rate change, a pause, a resume, a stop.
struct CurveMarker {
  int64_t step = 0;
  std::string kind;   // run_event_kind_name: "weight_change", "pause", ...
  std::string label;  // "diversity 0 -> 3", "paused", ...
};

class CurveSource {
 public:
  explicit CurveSource(std::string store_path);

  // Reads what the runs added since the last poll (runs not polled before are read whole). True when
  // anything changed. A missing store file reads as empty.
  bool poll(const std::vector<int64_t>& runs);
  void forget(int64_t run);

  // Per-step metrics under their stored names ("reward", "loss", "rewards/diversity/mean", ...) and the
  // model's evaluations as "eval/<metric>" ("eval/ndcg@10") at their steps.
  const CurveSeries* series(int64_t run, const std::string& metric) const;
  std::vector<std::string> metric_names(const std::vector<int64_t>& runs) const;  // union, sorted
  std::vector<CurveMarker> markers(int64_t run) const;
  std::string run_name(int64_t run) const;
  int64_t last_step(int64_t run) const;  // -1 when nothing was read

  // The chosen runs' chosen metrics as CSV: "run,run_name,step,metric,value", one row per stored point, by
  // run, metric, step. An empty metric list means every metric.
  std::string csv(const std::vector<int64_t>& runs, const std::vector<std::string>& metrics) const;

 private:
  struct RunCurves {
    std::string name;
    std::map<std::string, CurveSeries> series;
    std::vector<CurveMarker> markers;
    int64_t last_step = -1;
    int64_t last_event_id = 0;
    int64_t eval_rows = 0;
  };
  bool poll_run(SqliteDb& db, int64_t run, RunCurves& rc);
  std::string path_;
  std::map<int64_t, RunCurves> runs_;
};

// "diversity 0 -> 3", "paused at step 12", ...: a marker's text from its event.
std::string curve_marker_label(const EventRow& ev);

}  // namespace rf::gui
