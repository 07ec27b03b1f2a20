// Evaluating a run on held-out users (DESIGN.md §1, §7): the model answers each prompt greedily (or with the
// run's sampling), its answers are parsed and scored by the recipe's reward, and the recipe's papers' metrics
// are computed from them; the classic baselines answer the same prompts (List: they rank the same candidate
// pool) so that every row of a comparison table is measured on the same users, pools and cut-off.
//   List    recall@k, ndcg@k, ilad (Jaccard over categories) and ilad_se (its standard error over the
//           lists: how far two models' ILAD must differ to mean something), novelty (normalised self-information),
//           coverage, format (share of answers that parse), reward; satisfaction (the sample world's true
//           mean satisfaction with the list) when a world is given
//   Rating  mae, rmse (answers that do not parse count as the scale's midpoint), format, reward
//   Query   ndcg (retrieval NDCG@k of the written query), format, reward
#pragma once

#include "data/dataset.h"
#include "data/sample_world.h"
#include "engine/run_config.h"
#include "engine/run_model.h"
#include "eval/recommender.h"
#include "reward/reward_composite.h"
#include "teacher/recipe_prompts.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rf {

using RunMetrics = std::vector<std::pair<std::string, double>>;
// Per-prompt values of the metrics that have one (List: recall@k, ndcg@k, ilad; Rating: abs_error; Query: ndcg), in
// prompt order: what a paired comparison of two models on the same users needs (eval/mean_difference.h).
using RunMetricRows = std::map<std::string, std::vector<double>>;

struct RunEvalOptions {
  int64_t max_new_tokens = 256;
  int64_t max_prompt_length = 512;
  int64_t batch = 32;          // prompts generated together
  bool greedy = true;
  double temperature = 1.0;    // sampling only
  double top_p = 1.0;
  uint64_t seed = 0;
  bool constrain_answer = false;    // List prompts: the answer grammar over each prompt's pool (run_constraint.h)
  bool constrain_mentions = false;  // ... and "[id]" in the reasoning held to pool ids
};

struct ModelAnswers {
  std::vector<std::string> completions;     // prefill + generated text
  std::vector<RewardBreakdown> rewards;
  std::vector<ParsedCompletion> parsed;
  std::vector<int64_t> tokens;              // generated tokens per answer
  std::vector<std::vector<int64_t>> token_ids;   // per answer: the generated ids (stopping token included)
  std::vector<std::vector<float>> logprobs;      // per answer and token: log p under the sampling temperature
  double seconds = 0;
};

// A run's evaluation settings from its config: its completion and prompt lengths, eval.greedy (else the
// GRPO sampling settings), its seed and its decoding constraints.
RunEvalOptions run_eval_options(const RunConfig& c);

// The model's answers to `prompts`, scored with `reward` (parsed once each).
ModelAnswers run_eval_model_answers(RunModel& model, const std::vector<RecipePrompt>& prompts, RewardComposite& reward,
                                    const RewardContext& context, const RunEvalOptions& options);

// List recipe metrics of ranked lists (item indices), one per prompt, cut at k.
RunMetrics run_eval_list_metrics(const RewardContext& context, const std::vector<RecipePrompt>& prompts,
                                 const std::vector<std::vector<int32_t>>& lists, int k, const SampleWorld* world = nullptr,
                                 RunMetricRows* rows = nullptr);

// A fitted recommender's lists: each prompt's candidate pool ranked by its scores for the user's history
// before the held-out interaction (ties by pool order).
std::vector<std::vector<int32_t>> run_eval_baseline_lists(const Recommender& model, const Dataset& ds,
                                                          const std::vector<RecipePrompt>& prompts, int k);

// The recipe's metrics for a model's answers (see the file comment).
RunMetrics run_eval_answers_metrics(const std::string& recipe, const RewardContext& context,
                                    const std::vector<RecipePrompt>& prompts, const ModelAnswers& answers, int k,
                                    const SampleWorld* world = nullptr, double rating_mid = 3.0, RunMetricRows* rows = nullptr);

// The value of `name` in `m`, NaN when absent.
double run_metric(const RunMetrics& m, const std::string& name);

}  // namespace rf

namespace rf {

// The classic baselines (core/eval/baseline_factory.h names; empty = the recipe's standard set) fitted on
// the split's training part and measured on the same prompts as the model: List ranks each prompt's pool
// (run_eval_baseline_lists); Rating predicts each held-out rating (mae, rmse); Query runs
// run_eval_query_baselines. `log` (may be empty) gets one line per baseline fitted; `rows` (may be null) each
// List or Rating baseline's per-prompt values by its name.
std::vector<std::pair<std::string, RunMetrics>> run_eval_baselines(
    const std::string& recipe, const Dataset& ds, const Split& split, const RewardContext& context,
    const std::vector<RecipePrompt>& prompts, std::vector<std::string> names, int k, uint64_t seed,
    const SampleWorld* world = nullptr, const std::function<void(const std::string&)>& log = {},
    std::map<std::string, RunMetricRows>* rows = nullptr);

// The Query recipe's baselines, scored like the model (BM25 over the catalogue, NDCG@1000 of the targets,
// graded for ESCI): "raw-query", the query the shopper typed (the user's profile on ESCI data), and
// "last-title", the title of the user's last item before the held-out one. A baseline is left out when
// fewer than half the prompts have such a query. Empty without a retriever in the context.
std::vector<std::pair<std::string, RunMetrics>> run_eval_query_baselines(const Dataset& ds, const RewardContext& context,
                                                                         const std::vector<RecipePrompt>& prompts,
                                                                         const std::function<void(const std::string&)>& log = {});

}  // namespace rf
