// Rating evaluation (eval_rating): see eval_runner.h. A Split holds item indices, so each user's
// interactions are matched to it by position: the split parts are consecutive runs of the user's
// time-ordered history (train, then valid, then test) for both leave-last-out and temporal splits.
#include "eval/eval_runner.h"

#include "eval/metrics.h"
#include "util/error.h"

#include <chrono>
#include <cmath>

namespace rf {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

EvalReport eval_rating(RatingPredictor& model, const Dataset& ds, const Split& split, const RatingEvalOptions& options) {
  if (split.users.size() != ds.users.size())
    throw Error("eval: the split has " + std::to_string(split.users.size()) + " users but dataset '" + ds.name + "' has " +
                std::to_string(ds.users.size()));
  for (size_t i = 0; i < ds.interactions.size(); ++i) {
    const auto& x = ds.interactions[i];
    if (x.user < 0 || x.user >= ds.user_count() || x.item < 0 || x.item >= ds.item_count())
      throw Error("eval: interaction " + std::to_string(i) + " of dataset '" + ds.name + "' refers to user " +
                  std::to_string(x.user) + " / item " + std::to_string(x.item) + " outside the dataset");
  }
  const auto histories = dataset_user_histories(ds);

  std::vector<int32_t> fit_set, eval_set;
  int64_t users = 0;
  for (size_t u = 0; u < histories.size(); ++u) {
    const auto& s = split.users[u];
    const auto& h = histories[u];
    if (s.train.size() + s.valid.size() + s.test.size() != h.size())
      throw Error("eval: the split of user '" + ds.users[u].id + "' has " +
                  std::to_string(s.train.size() + s.valid.size() + s.test.size()) + " items but the user has " +
                  std::to_string(h.size()) + " interactions (was the split made from this dataset?)");
    bool evaluated = false;
    size_t pos = 0;
    for (int part = 0; part < 3; ++part) {
      const auto& items = part == 0 ? s.train : part == 1 ? s.valid : s.test;
      for (int32_t item : items) {
        const int32_t x = h[pos++];
        const auto& it = ds.interactions[static_cast<size_t>(x)];
        if (it.item != item)
          throw Error("eval: the split of user '" + ds.users[u].id + "' does not follow the user's interactions in time order");
        if (!it.has_rating()) continue;
        const bool held_out = options.on_test ? part == 2 : part == 1;
        const bool fitted = options.on_test ? part < 2 : part == 0;
        if (held_out) {
          eval_set.push_back(x);
          evaluated = true;
        } else if (fitted) {
          fit_set.push_back(x);
        }
      }
    }
    users += evaluated ? 1 : 0;
  }
  if (eval_set.empty())
    throw Error("eval: dataset '" + ds.name + "' has no rated held-out " + std::string(options.on_test ? "test" : "valid") +
                " interactions under the " + split.kind + " split");

  EvalReport report;
  report.model = model.name();
  report.dataset = ds.name;
  report.split = split.kind;
  report.target = options.on_test ? "test" : "valid";
  report.mode = "rating";
  report.seed = options.seed;
  report.items = ds.item_count();
  report.users = users;
  report.targets = static_cast<int64_t>(eval_set.size());

  if (options.fit) {
    const auto t0 = Clock::now();
    model.fit(ds, fit_set, options.seed);
    report.fit_seconds = seconds_since(t0);
  }
  const auto t_eval = Clock::now();
  std::vector<double> predicted, truth;
  bool whole = true;
  for (int32_t x : eval_set) {
    const auto& it = ds.interactions[static_cast<size_t>(x)];
    predicted.push_back(model.predict(it.user, it.item));
    truth.push_back(it.rating);
    whole = whole && std::floor(it.rating) == it.rating;
  }
  const double step = options.step > 0 ? options.step : (whole ? 1.0 : 0.5);
  report.metrics = {{"mae", rating_mae(predicted, truth)},
                    {"rmse", rating_rmse(predicted, truth)},
                    {"exact_match", rating_exact_match(predicted, truth, step)},
                    {"within_one", rating_within_one(predicted, truth)}};
  report.eval_seconds = seconds_since(t_eval);
  return report;
}

}  // namespace rf
