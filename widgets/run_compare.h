// What the compare screen computes (DESIGN.md §8.7), without Qt: the config fields on which runs differ
// ("differences only"), a metric's best and last value per run, and the Pareto front of
// (accuracy, diversity) points — the runs and checkpoints no other one beats on both.
#pragma once

#include "engine/eval_compare.h"
#include "store/run_store.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace rf::gui {

// Dotted paths ("grpo.beta", "rewards.components.2.weight") whose values are not the same in every
// config, each with its value per config as JSON text ("" when absent), sorted by path.
std::vector<std::pair<std::string, std::vector<std::string>>> compare_config_differences(const std::vector<nlohmann::json>& configs);

// Lower is better for losses, KL, lengths' clip ratios and errors (loss, eval_loss, kl, mae, rmse, ...);
// higher for everything else.
bool compare_lower_is_better(const std::string& metric);

struct MetricBestLast {
  double best = 0, last = 0;
  int64_t best_step = -1, last_step = -1;  // -1: the run has no such metric
};
// Per-step metrics by name, or the model's evaluations as "eval/<metric>".
MetricBestLast compare_best_last(SqliteDb& db, int64_t run, const std::string& metric);

struct ComparePoint {
  int64_t run = 0;
  int64_t step = 0;
  std::string label;   // "run 3 @ 30", or a baseline's name
  double x = 0, y = 0;
};
// The model's evaluations of each run as (x_metric, y_metric) points, one per evaluated step (NaN-free).
std::vector<ComparePoint> compare_eval_points(SqliteDb& db, const std::vector<int64_t>& runs, const std::string& x_metric,
                                              const std::string& y_metric);
// A paired comparison as the table shows it: "+0.0180 ± 0.0069 (60 users): beyond noise", "… within noise",
// "… (1 user): too few users"; "–" when no user pairs.
std::string compare_paired_text(const EvalComparison& c);

// Indices of the points not dominated (another point >= on both and > on one), ordered by x.
std::vector<size_t> compare_pareto_front(const std::vector<ComparePoint>& points);

}  // namespace rf::gui
