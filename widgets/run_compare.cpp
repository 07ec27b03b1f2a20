// The compare screen's numbers (see run_compare.h).
#include "run_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace rf::gui {

namespace {

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array() && !j.empty() && j.front().is_object()) {
    for (size_t i = 0; i < j.size(); ++i) flatten(j[i], prefix + "." + std::to_string(i), out);
  } else {
    out[prefix] = j.dump();
  }
}

}  // namespace

std::vector<std::pair<std::string, std::vector<std::string>>> compare_config_differences(const std::vector<nlohmann::json>& configs) {
  std::vector<std::map<std::string, std::string>> flat(configs.size());
  std::set<std::string> paths;
  for (size_t i = 0; i < configs.size(); ++i) {
    flatten(configs[i], "", flat[i]);
    for (const auto& [p, v] : flat[i]) paths.insert(p);
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const std::string& p : paths) {
    std::vector<std::string> values;
    for (const auto& f : flat) {
      const auto it = f.find(p);
      values.push_back(it == f.end() ? std::string() : it->second);
    }
    if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end()) out.emplace_back(p, values);
  }
  return out;
}

bool compare_lower_is_better(const std::string& metric) {
  const std::string m = metric.rfind("eval/", 0) == 0 ? metric.substr(5) : metric;
  for (const char* low : {"loss", "kl", "mae", "rmse", "step_time", "clipped_ratio", "grad_norm"})
    if (m.find(low) != std::string::npos) return true;
  // A standard error (eval/ilad_se): smaller means a surer mean.
  return m.size() > 3 && m.compare(m.size() - 3, 3, "_se") == 0;
}

MetricBestLast compare_best_last(SqliteDb& db, int64_t run, const std::string& metric) {
  std::vector<std::pair<int64_t, double>> values;
  if (metric.rfind("eval/", 0) == 0) {
    for (const EvaluationRow& e : run_store_evaluations(db, run))
      if (e.subject == "model" && e.metric == metric.substr(5) && std::isfinite(e.value)) values.emplace_back(e.step, e.value);
  } else {
    for (const MetricRow& m : run_store_metrics(db, run, metric))
      if (std::isfinite(m.value)) values.emplace_back(m.step, m.value);
  }
  MetricBestLast r;
  if (values.empty()) return r;
  const bool low = compare_lower_is_better(metric);
  r.last = values.back().second;
  r.last_step = values.back().first;
  r.best = values.front().second;
  r.best_step = values.front().first;
  for (const auto& [step, v] : values)
    if (low ? v < r.best : v > r.best) r.best = v, r.best_step = step;
  return r;
}

std::vector<ComparePoint> compare_eval_points(SqliteDb& db, const std::vector<int64_t>& runs, const std::string& x_metric,
                                              const std::string& y_metric) {
  std::vector<ComparePoint> out;
  for (int64_t run : runs) {
    std::map<int64_t, std::pair<double, double>> by_step;
    std::map<int64_t, int> seen;
    for (const EvaluationRow& e : run_store_evaluations(db, run)) {
      if (e.subject != "model") continue;
      if (e.metric == x_metric) by_step[e.step].first = e.value, seen[e.step] |= 1;
      if (e.metric == y_metric) by_step[e.step].second = e.value, seen[e.step] |= 2;
    }
    for (const auto& [step, xy] : by_step) {
      if (seen[step] != 3 || !std::isfinite(xy.first) || !std::isfinite(xy.second)) continue;
      out.push_back({run, step, "run " + std::to_string(run) + " @ " + std::to_string(step), xy.first, xy.second});
    }
  }
  return out;
}

std::vector<size_t> compare_pareto_front(const std::vector<ComparePoint>& points) {
  std::vector<size_t> front;
  for (size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < points.size() && !dominated; ++j)
      dominated = j != i && points[j].x >= points[i].x && points[j].y >= points[i].y &&
                  (points[j].x > points[i].x || points[j].y > points[i].y);
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end(), [&](size_t a, size_t b) { return points[a].x < points[b].x; });
  return front;
}

std::string compare_paired_text(const EvalComparison& c) {
  if (c.difference.n == 0) return "–";
  char text[160];
  const long long n = static_cast<long long>(c.difference.n);
  const char* users = n == 1 ? "user" : "users";
  if (!std::isfinite(c.difference.se))
    std::snprintf(text, sizeof text, "%+.4f (%lld %s): too few users", c.difference.difference, n, users);
  else
    std::snprintf(text, sizeof text, "%+.4f ± %.4f (%lld %s): %s noise", c.difference.difference, c.difference.se, n, users,
                  c.difference.beyond() ? "beyond" : "within");
  return text;
}

}  // namespace rf::gui
