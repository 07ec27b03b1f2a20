// Length penalty: completions longer than a budget lose `per_unit` for each unit beyond it,
//   value = max(floor, −per_unit × max(0, length − budget)),
// length in words (runs of non-whitespace) or characters (UTF-8 code points). Within budget: 0.
#include "reward/reward_components.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace rf {

namespace {

int64_t count_words(const std::string& s) {
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : s) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

int64_t count_chars(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;  // continuation bytes are not characters
  return n;
}

class LengthReward : public RewardComponent {
 public:
  explicit LengthReward(ParamReader& p) : RewardComponent("length") {
    unit_ = p.text("unit", "words", {"words", "chars"});
    budget_ = p.number("budget", 300, 0);
    per_unit_ = p.number("per_unit", 0.005, 0);
    floor_ = p.number("floor", -1.0);
  }

  nlohmann::json params() const override {
    return {{"unit", unit_}, {"budget", budget_}, {"per_unit", per_unit_}, {"floor", floor_}};
  }

  RewardValue score(const RewardInput& in) const override {
    const int64_t len = unit_ == "words" ? count_words(in.completion) : count_chars(in.completion);
    const double over = std::max(0.0, static_cast<double>(len) - budget_);
    const double v = over > 0 ? std::max(floor_, -per_unit_ * over) : 0.0;
    return {v, std::to_string(len) + " " + unit_ + (over > 0 ? ", " + reward_num(over) + " over the budget of " + reward_num(budget_)
                                                             : " within the budget of " + reward_num(budget_))};
  }

 private:
  std::string unit_;
  double budget_, per_unit_, floor_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_length(ParamReader& p) { return std::make_unique<LengthReward>(p); }

}  // namespace rf
