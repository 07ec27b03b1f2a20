// Rows shared by the run store tests: a step's metrics and trajectories (values exact in binary, so a
// read-back compares with ==), writing a step through the writer, and checking steps read back.
#pragma once

#include "store/run_store.h"
#include "store/run_store_writer.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace rf::test {

using nlohmann::json;

constexpr int kMetricsPerStep = 5;
constexpr int kGroups = 2;
constexpr int kGroupSize = 3;

// The metrics of step s, all exact in binary: reward = s / 4, loss = 1 - s, kl = NaN on odd steps (stored as
// NULL) else 0.5, rewards/ndcg/mean = 0.375, num_tokens = 100 s.
inline std::vector<std::pair<std::string, double>> step_metrics(int64_t s) {
  return {{"reward", s / 4.0},
          {"loss", 1.0 - static_cast<double>(s)},
          {"kl", s % 2 ? NAN : 0.5},
          {"rewards/ndcg/mean", 0.375},
          {"num_tokens", 100.0 * static_cast<double>(s)}};
}

inline rf::TrajectoryRow trajectory(int64_t run, int64_t step, int64_t group, int32_t index) {
  rf::TrajectoryRow t;
  t.run = run;
  t.step = step;
  t.group_id = group;
  t.index = index;
  t.user = 10 * group + 7;
  t.prompt = "User " + std::to_string(t.user) + " bought: Lip Gloss, \"Rosé\" tint\n";
  t.completion = "<think>step " + std::to_string(step) + "</think><answer>[" + std::to_string(index) + ", 3]</answer>";
  t.parsed = {{"items", {index, 3}}, {"format_ok", index != 1}};
  t.rewards = json::array({{{"name", "format"}, {"weight", 1.0}, {"value", 0.1}, {"weighted", 0.1}, {"explanation", "ok"}},
                           {{"name", "ndcg"}, {"weight", 0.5}, {"value", 0.25 * index}, {"weighted", 0.125 * index},
                            {"explanation", "hit at rank 2"}}});
  t.total = 0.1 + 0.125 * index;
  t.advantage = index - 1.0;  // -1, 0, 1 within each group
  t.tokens = 20 + index;
  // Per-token arrays on all but index 0 (rows written before schema 2 have none): odd values that must
  // come back bit for bit.
  for (int32_t k = 0; k < (index == 0 ? 0 : t.tokens); ++k) {
    t.token_ids.push_back(151000 + 37 * k + index);
    t.token_logprobs.push_back(-0.001f * static_cast<float>(k * k) - 1e-7f * static_cast<float>(step));
  }
  return t;
}

inline void write_step(rf::RunStoreWriter& w, int64_t run, int64_t step) {
  w.metrics(run, step, step_metrics(step));
  std::vector<rf::TrajectoryRow> rows;
  for (int g = 0; g < kGroups; ++g)
    for (int i = 0; i < kGroupSize; ++i) rows.push_back(trajectory(run, step, g, i));
  w.trajectories(std::move(rows));
}

// Every step 0..steps-1 is stored exactly as written (later steps may be there too).
inline void check_steps(rf::SqliteDb& db, int64_t run, int64_t steps) {
  const auto metrics = rf::run_store_metrics(db, run, "", 0, steps - 1);
  QCOMPARE(metrics.size(), static_cast<size_t>(steps * kMetricsPerStep));
  for (int64_t s = 0; s < steps; ++s) {
    auto want = step_metrics(s);
    std::sort(want.begin(), want.end());  // the reader orders a step's metrics by name
    for (int k = 0; k < kMetricsPerStep; ++k) {
      const rf::MetricRow expected{run, s, want[k].first, want[k].second};
      QVERIFY2(metrics[s * kMetricsPerStep + k] == expected, (want[k].first + " of step " + std::to_string(s)).c_str());
    }
    const auto traj = rf::run_store_trajectories(db, run, s);
    QCOMPARE(traj.size(), static_cast<size_t>(kGroups * kGroupSize));
    for (int g = 0; g < kGroups; ++g)
      for (int i = 0; i < kGroupSize; ++i) QVERIFY(traj[g * kGroupSize + i] == trajectory(run, s, g, i));
  }
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const rf::Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline int64_t pragma_int(rf::SqliteDb& db, const std::string& pragma) {
  auto st = db.prepare("PRAGMA " + pragma);
  return st.step() ? st.column_int64(0) : -1;
}

}  // namespace rf::test
