// Pairing two evaluations' per-user values (see eval_compare.h).
#include "engine/eval_compare.h"

#include "store/run_store.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace rf {

int64_t eval_pool_key(const std::vector<int32_t>& pool) {
  if (pool.empty()) return 0;
  uint64_t h = 1469598103934665603ull;
  for (int32_t item : pool) {
    const uint32_t v = static_cast<uint32_t>(item);
    for (int byte = 0; byte < 4; ++byte) {
      h ^= (v >> (8 * byte)) & 0xffu;
      h *= 1099511628211ull;
    }
  }
  return static_cast<int64_t>(h & 0x7fffffffffffffffull);  // positive, so 0 stays "no pool"
}

int64_t eval_ref_step(SqliteDb& db, const EvalRef& ref) {
  int64_t last = -1;
  for (const EvaluationRow& r : run_store_evaluations(db, ref.run)) {
    if (r.subject != ref.subject) continue;
    if (ref.step >= 0 && r.step == ref.step) return r.step;
    last = std::max(last, r.step);
  }
  return ref.step >= 0 ? -1 : last;
}

std::vector<std::string> eval_user_metrics(SqliteDb& db, const EvalRef& ref) {
  const int64_t step = eval_ref_step(db, ref);
  return step < 0 ? std::vector<std::string>{} : run_store_evaluation_user_metrics(db, ref.run, step, ref.subject);
}

EvalComparison eval_compare(SqliteDb& db, const EvalRef& a, const EvalRef& b, const std::string& metric) {
  EvalComparison c;
  c.metric = metric;
  c.step_a = eval_ref_step(db, a);
  c.step_b = eval_ref_step(db, b);
  using Key = std::tuple<int64_t, int64_t, int64_t>;  // user, position, pool
  std::map<Key, double> values_a;
  if (c.step_a >= 0)
    for (const EvaluationUserRow& r : run_store_evaluation_users(db, a.run, c.step_a, a.subject, metric))
      values_a[{r.user, r.position, r.pool}] = r.value;
  std::vector<double> va, vb;
  int64_t users_b = 0;
  if (c.step_b >= 0)
    for (const EvaluationUserRow& r : run_store_evaluation_users(db, b.run, c.step_b, b.subject, metric)) {
      ++users_b;
      const auto it = values_a.find({r.user, r.position, r.pool});
      if (it == values_a.end() || !std::isfinite(it->second) || !std::isfinite(r.value)) continue;
      va.push_back(it->second);
      vb.push_back(r.value);
    }
  c.users_a = static_cast<int64_t>(values_a.size());
  c.users_b = users_b;
  c.difference = mean_difference_paired(va, vb);
  if (va.empty()) {
    c.mean_a = c.mean_b = c.difference.difference = c.difference.se = NAN;
  } else {
    for (size_t i = 0; i < va.size(); ++i) {
      c.mean_a += va[i];
      c.mean_b += vb[i];
    }
    c.mean_a /= static_cast<double>(va.size());
    c.mean_b /= static_cast<double>(vb.size());
  }
  return c;
}

}  // namespace rf
