// Mean rating baselines: see baseline_rating_mean.h.
#include "eval/baseline_rating_mean.h"

#include "eval/baseline_common.h"

#include <cmath>

namespace rf {

std::string RatingMeanPredictor::name() const {
  switch (kind_) {
    case RatingMeanKind::Global: return "global-mean";
    case RatingMeanKind::User: return "user-mean";
    case RatingMeanKind::Item: return "item-mean";
  }
  return "rating-mean";
}

void RatingMeanPredictor::fit(const Dataset& ds, const std::vector<int32_t>& train_interactions, uint64_t /*seed*/) {
  const size_t groups = kind_ == RatingMeanKind::User ? ds.users.size() : kind_ == RatingMeanKind::Item ? ds.items.size() : 0;
  sum_.assign(groups, 0.0);
  count_.assign(groups, 0);
  double total = 0;
  int64_t n = 0;
  for (int32_t x : train_interactions) {
    if (x < 0 || static_cast<size_t>(x) >= ds.interactions.size())
      throw Error(name() + ": interaction index " + std::to_string(x) + " is outside the dataset (" +
                  std::to_string(ds.interactions.size()) + " interactions)");
    const auto& it = ds.interactions[static_cast<size_t>(x)];
    if (!it.has_rating()) throw Error(name() + ": train interaction " + std::to_string(x) + " has no rating");
    total += it.rating;
    ++n;
    const int32_t key = kind_ == RatingMeanKind::User ? it.user : it.item;
    if (kind_ == RatingMeanKind::Global) continue;
    if (key < 0 || static_cast<size_t>(key) >= groups)
      throw Error(name() + ": interaction " + std::to_string(x) + " refers to a " +
                  (kind_ == RatingMeanKind::User ? "user" : "item") + " index " + std::to_string(key) + " outside the dataset");
    sum_[static_cast<size_t>(key)] += it.rating;
    ++count_[static_cast<size_t>(key)];
  }
  if (n == 0) throw Error(name() + ": no train ratings to fit");
  global_ = total / static_cast<double>(n);
  fitted_ = true;
}

double RatingMeanPredictor::predict(int32_t user, int32_t item) const {
  if (!fitted_) throw Error(name() + ": predict called before fit");
  if (kind_ == RatingMeanKind::Global) return global_;
  const int32_t key = kind_ == RatingMeanKind::User ? user : item;
  if (key < 0 || static_cast<size_t>(key) >= count_.size() || count_[static_cast<size_t>(key)] == 0) return global_;
  const auto n = static_cast<double>(count_[static_cast<size_t>(key)]);
  return (sum_[static_cast<size_t>(key)] + damping_ * global_) / (n + damping_);
}

namespace {

std::unique_ptr<RatingPredictor> rating_mean_create(RatingMeanKind kind, const std::string& model, const nlohmann::json& params) {
  params_check(params, model, {"damping"});
  const double damping = params_number(params, model, "damping", 0.0);
  if (!(damping >= 0) || !std::isfinite(damping))
    throw Error(model + ": parameter 'damping' must be >= 0, got " + std::to_string(damping));
  return std::make_unique<RatingMeanPredictor>(kind, damping);
}

}  // namespace

std::unique_ptr<RatingPredictor> global_mean_create(const nlohmann::json& params) {
  return rating_mean_create(RatingMeanKind::Global, "global-mean", params);
}
std::unique_ptr<RatingPredictor> user_mean_create(const nlohmann::json& params) {
  return rating_mean_create(RatingMeanKind::User, "user-mean", params);
}
std::unique_ptr<RatingPredictor> item_mean_create(const nlohmann::json& params) {
  return rating_mean_create(RatingMeanKind::Item, "item-mean", params);
}

}  // namespace rf
