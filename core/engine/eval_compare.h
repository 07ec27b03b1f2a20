// Two evaluations compared user by user (DESIGN.md §8.7, the compare screen; `recforge-cli compare`): each
// evaluation stores every held-out user's value of its per-user metrics (EvaluationUserRow), and two
// evaluations of the same users — the same user, held-out position and candidate pool — pair up, so a
// difference between two runs comes with a standard error that what varies from user to user does not
// swamp (eval/mean_difference.h). Evaluations on other users, or with other pools, share no pairs.
#pragma once

#include "eval/mean_difference.h"
#include "store/sqlite_db.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rf {

// FNV-1a over a candidate pool's item indices, in order; 0 for an empty pool (recipes without one).
int64_t eval_pool_key(const std::vector<int32_t>& pool);

// One evaluation of a run: its model (or a baseline's name) at a step; step -1 = the run's last evaluation
// of that subject.
struct EvalRef {
  int64_t run = 0;
  std::string subject = "model";
  int64_t step = -1;
};

struct EvalComparison {
  std::string metric;
  int64_t step_a = -1, step_b = -1;  // the evaluations compared (-1: the run has none of that subject)
  int64_t users_a = 0, users_b = 0;  // per-user values each holds
  double mean_a = 0, mean_b = 0;     // over the paired users only
  MeanDifference difference;         // b − a over the pairs (difference.n of them)
};

// The step of the evaluation `ref` names: ref.step when `ref.subject` was evaluated then, else the last step
// it was evaluated at when ref.step is -1; -1 when there is no such evaluation.
int64_t eval_ref_step(SqliteDb& db, const EvalRef& ref);

// The metrics with per-user values in an evaluation (sorted).
std::vector<std::string> eval_user_metrics(SqliteDb& db, const EvalRef& ref);

// b against a on `metric`. No pairs (no per-user values, other users or pools): difference.n = 0, NaN means.
EvalComparison eval_compare(SqliteDb& db, const EvalRef& a, const EvalRef& b, const std::string& metric);

}  // namespace rf
