// Format reward: the recipe's tags each exactly once, in order, closed and non-empty, and (by default) an
// answer that parses (a list with a catalogue item, a JSON query, a rating in range).
//   value = ok   when the format holds,
//         = bad  otherwise.
// Rec-R1 (Query recipe) with ok_only_if_retrieved: a well-formed answer earns `ok` only when its query
// retrieved something relevant (NDCG > 0), `unretrieved` (0) otherwise, and a query with no searchable
// words is a failed retrieval worth `failed_query` (default: bad, i.e. −2 in the preset).
#include "reward/reward_components.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace rf {

namespace {

class FormatReward : public RewardComponent {
 public:
  explicit FormatReward(ParamReader& p) : RewardComponent("format") {
    ok_ = p.number("ok", 1.0);
    bad_ = p.number("bad", -1.0);
    require_answer_ = p.boolean("require_answer", true);
    ok_only_if_retrieved_ = p.boolean("ok_only_if_retrieved", false);
    unretrieved_ = p.number("unretrieved", 0.0);
    failed_query_ = p.optional_number("failed_query");
  }

  nlohmann::json params() const override {
    return {{"ok", ok_},
            {"bad", bad_},
            {"require_answer", require_answer_},
            {"ok_only_if_retrieved", ok_only_if_retrieved_},
            {"unretrieved", unretrieved_},
            {"failed_query", std::isnan(failed_query_) ? nlohmann::json(nullptr) : nlohmann::json(failed_query_)}};
  }

  RewardValue score(const RewardInput& in) const override {
    const ParsedCompletion& p = in.parsed;
    if (!p.done) return {bad_, "not parsed"};
    if (!p.tags_ok) return {bad_, "tags: " + (p.tag_problems.empty() ? std::string("wrong") : p.tag_problems.front())};
    if (require_answer_ && !p.answer_ok)
      return {bad_, "answer: " + (p.answer_problems.empty() ? std::string("not usable") : p.answer_problems.front())};
    if (!ok_only_if_retrieved_ || in.recipe != Recipe::Query) return {ok_, "format ok"};

    ParsedCompletion local;
    const ParsedCompletion* r = &p;
    if (!p.retrieval_done) {  // no retrieval component ran prepare(): retrieve here with Rec-R1's settings
      local.query = p.query;
      reward_retrieval_run(in, RetrievalSettings{}, local);
      r = &local;
    }
    if (!r->query_searchable)
      return {std::isnan(failed_query_) ? bad_ : failed_query_, "failed retrieval: " + r->retrieval_explanation};
    if (r->ndcg > 0) return {ok_, "format ok, relevant item retrieved"};
    return {unretrieved_, "format ok, nothing relevant retrieved"};
  }

 private:
  double ok_, bad_, unretrieved_, failed_query_;
  bool require_answer_, ok_only_if_retrieved_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_format(ParamReader& p) { return std::make_unique<FormatReward>(p); }

}  // namespace rf
