// List validity: a penalty per problem of the list answer, added up (≤ 0) and floored at `floor`:
//   duplicate     per extra copy of an item                         (default −0.1)
//   outside_pool  per matched item not in the candidate pool        (default −0.1)
//   unmatched     per entry that matched no catalogue item          (default −0.1)
//   wrong_length  per item of difference between the number of distinct matched items and K (default −0.1)
//   empty         instead of all the above, when the answer has no matched item at all (default −1)
// A list without problems scores 0.
#include "reward/reward_components.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

namespace rf {

namespace {

class ValidityReward : public RewardComponent {
 public:
  explicit ValidityReward(ParamReader& p) : RewardComponent("validity") {
    duplicate_ = p.number("duplicate", -0.1);
    outside_pool_ = p.number("outside_pool", -0.1);
    unmatched_ = p.number("unmatched", -0.1);
    wrong_length_ = p.number("wrong_length", -0.1);
    empty_ = p.number("empty", -1.0);
    floor_ = p.number("floor", -1.0);
  }

  nlohmann::json params() const override {
    return {{"duplicate", duplicate_}, {"outside_pool", outside_pool_}, {"unmatched", unmatched_},
            {"wrong_length", wrong_length_}, {"empty", empty_}, {"floor", floor_}};
  }

  RewardValue score(const RewardInput& in) const override {
    const ParsedCompletion& p = in.parsed;
    if (p.items.empty()) return {std::max(empty_, floor_), p.answer_found ? "no catalogue item in the answer" : "no answer"};
    const int dup = static_cast<int>(p.duplicates.size());
    const int out = static_cast<int>(p.outside_pool.size());
    const int unm = p.unmatched;
    const int len = in.k > 0 ? std::abs(static_cast<int>(p.items.size()) - in.k) : 0;
    const double v = dup * duplicate_ + out * outside_pool_ + unm * unmatched_ + len * wrong_length_;
    std::string why;
    auto add = [&why](int n, const char* what) {
      if (n) why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + what;
    };
    add(dup, "duplicate(s)");
    add(out, "outside the pool");
    add(unm, "unmatched");
    if (len) why += (why.empty() ? "" : ", ") + std::to_string(p.items.size()) + " items for K " + std::to_string(in.k);
    return {std::max(v, floor_), why.empty() ? "valid list" : why};
  }

 private:
  double duplicate_, outside_pool_, unmatched_, wrong_length_, empty_, floor_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_validity(ParamReader& p) { return std::make_unique<ValidityReward>(p); }

}  // namespace rf
