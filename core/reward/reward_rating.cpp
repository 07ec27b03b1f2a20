// Rating error reward (RecZero / RecOne), e = predicted − true rating:
//   linear   offset − slope·|e|, defaults 1 − |e|/2 (RecZero)
//   shifted  2 − |e|/2 (the variant that keeps every in-range answer on a 1..5 scale non-negative)
//   exact    1 when the prediction rounded to `step` equals the truth, else 0
// A completion without a rating in range scores `invalid` (0: the format reward already penalises it).
#include "reward/reward_components.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace rf {

namespace {

class RatingReward : public RewardComponent {
 public:
  explicit RatingReward(ParamReader& p) : RewardComponent("rating") {
    variant_ = p.text("variant", "linear", {"linear", "shifted", "exact"});
    offset_ = p.number("offset", variant_ == "shifted" ? 2.0 : 1.0);
    slope_ = p.number("slope", 0.5);
    step_ = p.number("step", 1.0, 1e-9);
    invalid_ = p.number("invalid", 0.0);
    require_format_ = p.boolean("require_format", false);
  }

  nlohmann::json params() const override {
    return {{"variant", variant_}, {"offset", offset_},   {"slope", slope_},
            {"step", step_},       {"invalid", invalid_}, {"require_format", require_format_}};
  }

  RewardValue score(const RewardInput& in) const override {
    if (std::isnan(in.true_rating)) throw Error("reward " + name() + ": the input has no true rating");
    RewardValue gated;
    if (reward_format_gate(in, require_format_, invalid_, gated)) return gated;
    const double pred = in.parsed.rating;
    if (std::isnan(pred)) return {invalid_, "no rating in range"};
    const double err = pred - in.true_rating;
    const std::string said = "predicted " + reward_num(pred) + ", true " + reward_num(in.true_rating);
    if (variant_ == "exact") {
      const double rounded = std::round(pred / step_) * step_;
      const bool hit = std::fabs(rounded - in.true_rating) < 1e-9;
      return {hit ? 1.0 : 0.0, said + (hit ? ": exact" : ": not exact")};
    }
    return {offset_ - slope_ * std::fabs(err), said + ", |error| " + reward_num(std::fabs(err))};
  }

 private:
  std::string variant_;
  double offset_, slope_, step_, invalid_;
  bool require_format_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_rating(ParamReader& p) { return std::make_unique<RatingReward>(p); }

}  // namespace rf
