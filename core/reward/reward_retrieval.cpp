// Retriever NDCG (Query recipe, Rec-R1): the parsed query runs through the BM25 retriever (top `depth`
// documents) and the reward is NDCG@k of the target item(s) in that ranking (retrieval_reward.h: linear
// gains, graded targets when the input has them, else gain 1 per target). A broken answer or a query
// without searchable words scores 0 (the format component gives Rec-R1's −2). Rec-R1 trains with
// k = depth = 1000. The retrieval runs once per completion in prepare(); format reads the same result.
#include "reward/reward_components.h"

#include "retrieval/bm25_index.h"
#include "retrieval/retrieval_reward.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

namespace rf {

void reward_retrieval_run(const RewardInput& in, const RetrievalSettings& s, ParsedCompletion& out) {
  const bool usable = in.parsed.done && in.parsed.answer_ok;
  const std::string query = in.parsed.query;  // `out` may be in.parsed itself
  out.retrieval_done = true;
  out.retrieval_settings = s;
  out.query_searchable = false;
  out.ndcg = 0;
  out.best_rank = 0;
  out.retrieved = 0;
  if (!usable) {
    out.retrieval_explanation = "no usable query in the answer";
    return;
  }
  Bm25Index* index = in.retriever_or_context();
  if (!index) throw Error("reward retrieval: the input has no BM25 retriever (RewardContext::retriever)");
  QueryParseOptions po;
  po.implicit_and = s.implicit_and;
  po.keep_stop_words = s.keep_stop_words;
  const Bm25Query q = index->parse(query, po);
  if (!q.ok) {
    out.retrieval_explanation = q.reason.empty() ? std::string("query has no searchable words") : q.reason;
    return;
  }
  out.query_searchable = true;
  const std::map<int32_t, double> gains =
      in.graded_targets.empty() ? retrieval_binary_gains(in.targets) : in.graded_targets;
  const RetrievalReward r = retrieval_ndcg(index->search(q, s.depth), gains, s.k);
  out.ndcg = r.value;
  out.best_rank = r.best_rank;
  out.retrieved = r.retrieved;
  out.retrieval_explanation = r.explanation;
}

namespace {

class RetrievalRewardComponent : public RewardComponent {
 public:
  explicit RetrievalRewardComponent(ParamReader& p) : RewardComponent("retrieval") {
    s_.k = p.integer("k", 1000, 1, 1000000);
    s_.depth = p.integer("depth", 1000, 1, 1000000);
    s_.implicit_and = p.boolean("implicit_and", false);
    s_.keep_stop_words = p.boolean("keep_stop_words", false);
    require_format_ = p.boolean("require_format", true);
  }

  nlohmann::json params() const override {
    return {{"k", s_.k},
            {"depth", s_.depth},
            {"implicit_and", s_.implicit_and},
            {"keep_stop_words", s_.keep_stop_words},
            {"require_format", require_format_}};
  }

  void prepare(RewardInput& in) const override {
    if (in.recipe == Recipe::Query && in.parsed.done && !in.parsed.retrieval_done) reward_retrieval_run(in, s_, in.parsed);
  }

  RewardValue score(const RewardInput& in) const override {
    RewardValue gated;
    if (reward_format_gate(in, require_format_, 0.0, gated)) return gated;
    ParsedCompletion local;
    const ParsedCompletion* r = &in.parsed;
    if (!in.parsed.retrieval_done || !(in.parsed.retrieval_settings == s_)) {
      reward_retrieval_run(in, s_, local);
      r = &local;
    }
    const std::string label = "NDCG@" + std::to_string(s_.k) + " " + reward_num(r->ndcg);
    return {r->ndcg, label + ": " + r->retrieval_explanation};
  }

 private:
  RetrievalSettings s_;
  bool require_format_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_retrieval(ParamReader& p) {
  return std::make_unique<RetrievalRewardComponent>(p);
}

}  // namespace rf
