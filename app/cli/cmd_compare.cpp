// `recforge-cli compare`: two evaluations of a project's runs side by side, user by user. For each metric
// both evaluations hold per-user values of (Recall@k, NDCG@k, ILAD for the List recipe; the absolute error
// for Rating), the users both answered — the same user, held-out interaction and candidate pool — are
// paired, and the difference B − A is printed with its standard error (core/engine/eval_compare.h), so a
// gap between two runs says whether it is beyond the noise of the users it was measured on.
#include "commands.h"

#include "cli_args.h"
#include "cli_run.h"
#include "engine/eval_compare.h"
#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace rf::cli {

namespace {

using nlohmann::json;


EvalRef ref_parse(SqliteDb& db, const std::string& run_text, const std::string& subject, long long step, const char* which) {
  EvalRef r;
  try {
    size_t used = 0;
    r.run = std::stoll(run_text, &used);
    if (used != run_text.size()) throw std::invalid_argument(run_text);
  } catch (const std::exception&) {
    throw Error(std::string("recforge-cli compare: run ") + which + " must be a run id, not '" + run_text + "'");
  }
  cli_find_run(db, r.run);
  r.subject = subject;
  r.step = step;
  if (eval_ref_step(db, r) < 0)
    throw Error("recforge-cli compare: run " + std::to_string(r.run) + " has no evaluation of '" + subject + "'" +
                (step >= 0 ? " at step " + std::to_string(step) : std::string()));
  return r;
}

}  // namespace

int cmd_compare(int argc, char** argv) {
  CliArgs args("compare",
               "Compare two evaluations user by user: run B's against run A's last evaluation (of the model, or of\n"
               "a baseline with --subject-a/-b), on every metric both hold per-user values of, paired over the\n"
               "users both answered the same question. Prints B - A with its standard error; a difference within\n"
               "twice its standard error is noise at that many users. Usage: compare --project DIR A B",
               {{"project", "DIR", "project folder (its project.sqlite holds the runs)", ""},
                {"subject-a", "NAME", "what of run A: model, or a baseline's name (pop, itemknn, sasrec, ...)", "model"},
                {"subject-b", "NAME", "what of run B", "model"},
                {"step-a", "N", "run A's evaluation at step N (-1 = its last)", "-1"},
                {"step-b", "N", "run B's evaluation at step N (-1 = its last)", "-1"},
                {"json", "", "print JSON instead of a table", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (args.positional().size() != 2) throw Error("recforge-cli compare: give two run ids, A and B (see --help)");
  SqliteDb db = cli_open_run_store(args.get("project"));
  const EvalRef a = ref_parse(db, args.positional()[0], args.get("subject-a"), args.get_int("step-a"), "A");
  const EvalRef b = ref_parse(db, args.positional()[1], args.get("subject-b"), args.get_int("step-b"), "B");
  const std::vector<std::string> ma = eval_user_metrics(db, a), mb = eval_user_metrics(db, b);
  std::vector<std::string> metrics;
  std::set_intersection(ma.begin(), ma.end(), mb.begin(), mb.end(), std::back_inserter(metrics));
  if (metrics.empty())
    throw Error("recforge-cli compare: runs " + std::to_string(a.run) + " and " + std::to_string(b.run) +
                " share no metric with per-user values (evaluations recorded before RecForge stored them, or of recipes without them)");
  std::vector<EvalComparison> rows;
  for (const std::string& m : metrics) rows.push_back(eval_compare(db, a, b, m));

  auto side = [](const EvalRef& r, int64_t step, int64_t users) {
    return json{{"run", r.run}, {"subject", r.subject}, {"step", step}, {"users", users}};
  };
  if (args.flag("json")) {
    json out = {{"a", side(a, rows.front().step_a, rows.front().users_a)}, {"b", side(b, rows.front().step_b, rows.front().users_b)},
                {"metrics", json::array()}};
    for (const EvalComparison& c : rows)
      out["metrics"].push_back({{"metric", c.metric}, {"pairs", c.difference.n}, {"mean_a", cli_json_number(c.mean_a)}, {"mean_b", cli_json_number(c.mean_b)},
                                {"difference", cli_json_number(c.difference.difference)}, {"se", cli_json_number(c.difference.se)},
                                {"beyond_noise", c.difference.beyond()}});
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("A: run %lld %s @ step %lld (%lld users)\nB: run %lld %s @ step %lld (%lld users)\n\n", static_cast<long long>(a.run),
              a.subject.c_str(), static_cast<long long>(rows.front().step_a), static_cast<long long>(rows.front().users_a),
              static_cast<long long>(b.run), b.subject.c_str(), static_cast<long long>(rows.front().step_b),
              static_cast<long long>(rows.front().users_b));
  std::printf("%-12s %6s %9s %9s %9s %9s  %s\n", "metric", "pairs", "A", "B", "B - A", "std err", "");
  for (const EvalComparison& c : rows) {
    const char* verdict = !std::isfinite(c.difference.se) ? "too few pairs" : c.difference.beyond() ? "beyond twice its standard error"
                                                                                                  : "within twice its standard error: noise";
    std::printf("%-12s %6lld %9.4f %9.4f %+9.4f %9.4f  %s\n", c.metric.c_str(), static_cast<long long>(c.difference.n), c.mean_a, c.mean_b,
                c.difference.difference, c.difference.se, verdict);
  }
  return 0;
}

}  // namespace rf::cli
