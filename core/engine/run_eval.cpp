// Evaluating a run's model and the classic baselines on the same held-out prompts (see run_eval.h).
#include "engine/run_eval.h"

#include "data/prompt_context.h"
#include "engine/run_constraint.h"
#include "eval/baseline_factory.h"
#include "eval/mean_difference.h"
#include "eval/metrics.h"
#include "generate/generate.h"
#include "retrieval/bm25_index.h"
#include "retrieval/retrieval_reward.h"
#include "util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace rf {

double run_metric(const RunMetrics& m, const std::string& name) {
  for (const auto& [k, v] : m)
    if (k == name) return v;
  return NAN;
}

RunEvalOptions run_eval_options(const RunConfig& c) {
  RunEvalOptions o;
  o.max_new_tokens = c.grpo.max_completion_length;
  o.max_prompt_length = c.grpo.max_prompt_length;
  o.greedy = c.eval.greedy;
  o.temperature = c.grpo.temperature;
  o.top_p = c.grpo.top_p;
  o.seed = static_cast<uint64_t>(c.seed);
  o.constrain_answer = c.constrain_answer;
  o.constrain_mentions = c.constrain_mentions;
  return o;
}

ModelAnswers run_eval_model_answers(RunModel& m, const std::vector<RecipePrompt>& prompts, RewardComposite& reward,
                                    const RewardContext& context, const RunEvalOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  ModelAnswers out;
  out.completions.resize(prompts.size());
  out.tokens.resize(prompts.size());
  out.token_ids.resize(prompts.size());
  out.logprobs.resize(prompts.size());
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, o.batch));
  for (size_t start = 0; start < prompts.size(); start += batch) {
    const size_t end = std::min(prompts.size(), start + batch);
    std::vector<std::vector<int64_t>> ids;
    for (size_t i = start; i < end; ++i)
      ids.push_back(run_model_prompt_ids(m, prompts[i].system, prompts[i].prompt, prompts[i].prefill, o.max_prompt_length));
    GenerateOptions g;
    g.max_new_tokens = o.max_new_tokens;
    g.sampling.do_sample = !o.greedy;
    g.sampling.temperature = o.temperature;
    g.sampling.top_p = o.top_p;
    g.eos_ids = m.eos_ids;
    g.stop_strings = prompts[start].stop;  // one preset per run, so one set of stop strings per batch
    g.decode = [&m](const std::vector<int64_t>& t) { return run_model_decode(m, t); };
    g.seed = o.seed + start;
    g.pad_id = m.pad_id;
    if (o.constrain_answer)
      g.constraint = [&](size_t row) { return run_answer_constraint(m, *context.dataset, prompts[start + row], o.constrain_mentions,
                                                                  static_cast<int32_t>(o.max_new_tokens)); };
    const auto results = generate(*m.model, ids, g);
    for (size_t i = start; i < end; ++i) {
      out.completions[i] = prompts[i].prefill + run_model_decode(m, results[i - start].tokens);
      out.tokens[i] = static_cast<int64_t>(results[i - start].tokens.size());
      out.token_ids[i] = results[i - start].tokens;
      out.logprobs[i] = results[i - start].logprobs;
    }
  }
  std::vector<RewardInput> inputs;
  inputs.reserve(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    inputs.push_back(recipe_prompt_reward_input(prompts[i], &context));
    inputs.back().completion = out.completions[i];
  }
  out.rewards = reward.score_batch(inputs);
  for (auto& in : inputs) out.parsed.push_back(std::move(in.parsed));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

RunMetrics run_eval_list_metrics(const RewardContext& context, const std::vector<RecipePrompt>& prompts,
                                 const std::vector<std::vector<int32_t>>& lists, int k, const SampleWorld* world,
                                 RunMetricRows* rows) {
  if (lists.size() != prompts.size()) throw Error("run_eval_list_metrics: one list per prompt");
  const Dataset& ds = *context.dataset;
  const RewardCatalogue& cat = context.catalogue;
  double recall = 0, ndcg = 0, ilad = 0, novelty = 0, satisfaction = 0;
  std::vector<double> ilads, recalls, ndcgs;  // per list: the standard error, paired comparisons
  int64_t with_novelty = 0, with_world = 0;
  std::vector<std::vector<int32_t>> cut(lists.size());
  for (size_t i = 0; i < lists.size(); ++i) {
    cut[i].assign(lists[i].begin(), lists[i].begin() + std::min<std::ptrdiff_t>(k, static_cast<std::ptrdiff_t>(lists[i].size())));
    recalls.push_back(metric_recall_at(cut[i], prompts[i].targets, k));
    ndcgs.push_back(metric_ndcg_at(cut[i], prompts[i].targets, k));
    recall += recalls.back();
    ndcg += ndcgs.back();
    std::vector<std::vector<int32_t>> cats;
    for (int32_t it : cut[i]) cats.push_back(cat.category_ids[static_cast<size_t>(it)]);
    ilads.push_back(list_ilad_jaccard(cats));
    ilad += ilads.back();
    if (!cut[i].empty()) {
      novelty += list_novelty_normalised(cut[i], cat.popularity, cat.total_interactions);
      ++with_novelty;
    }
    if (world) {
      const int32_t wu = world->dataset.user_find(ds.users[static_cast<size_t>(prompts[i].user)].id);
      std::vector<int32_t> wl;
      for (int32_t it : cut[i]) {
        const int32_t wi = world->dataset.item_find(ds.items[static_cast<size_t>(it)].id);
        if (wi >= 0) wl.push_back(wi);
      }
      // An empty or unreadable answer satisfies nobody: it counts as 0.
      if (wu >= 0) {
        satisfaction += wl.empty() ? 0.0 : sample_world_score_list(*world, wu, wl).mean_satisfaction;
        ++with_world;
      }
    }
  }
  const double n = std::max<double>(1.0, static_cast<double>(lists.size()));
  const std::string ks = std::to_string(k);
  RunMetrics m = {{"recall@" + ks, recall / n},
                  {"ndcg@" + ks, ndcg / n},
                  {"ilad", ilad / n},
                  {"ilad_se", mean_standard_error(ilads)},
                  {"novelty", with_novelty ? novelty / static_cast<double>(with_novelty) : 0.0},
                  {"coverage", catalogue_coverage(cut, ds.item_count())}};
  if (world) m.emplace_back("satisfaction", with_world ? satisfaction / static_cast<double>(with_world) : NAN);
  if (rows) {
    (*rows)["recall@" + ks] = std::move(recalls);
    (*rows)["ndcg@" + ks] = std::move(ndcgs);
    (*rows)["ilad"] = std::move(ilads);
  }
  return m;
}

std::vector<std::vector<int32_t>> run_eval_baseline_lists(const Recommender& model, const Dataset& ds,
                                                          const std::vector<RecipePrompt>& prompts, int k) {
  const auto sequences = dataset_user_item_sequences(ds);
  std::vector<int32_t> users;
  std::vector<std::vector<int32_t>> histories;
  for (const RecipePrompt& p : prompts) {
    users.push_back(p.user);
    const auto& s = sequences[static_cast<size_t>(p.user)];
    histories.emplace_back(s.begin(), s.begin() + std::min<std::ptrdiff_t>(p.position, static_cast<std::ptrdiff_t>(s.size())));
  }
  std::vector<std::vector<float>> scores;
  model.score(users, histories, scores);
  std::vector<std::vector<int32_t>> out(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    std::vector<int32_t> pool = prompts[i].pool;
    const auto& sc = scores[i];
    std::stable_sort(pool.begin(), pool.end(), [&](int32_t a, int32_t b) {
      return sc[static_cast<size_t>(a)] > sc[static_cast<size_t>(b)];
    });
    if (static_cast<int>(pool.size()) > k) pool.resize(static_cast<size_t>(k));
    out[i] = std::move(pool);
  }
  return out;
}

RunMetrics run_eval_answers_metrics(const std::string& recipe, const RewardContext& context,
                                    const std::vector<RecipePrompt>& prompts, const ModelAnswers& a, int k,
                                    const SampleWorld* world, double rating_mid, RunMetricRows* rows) {
  const double n = std::max<double>(1.0, static_cast<double>(prompts.size()));
  double format = 0, reward = 0, tokens = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    format += a.parsed[i].format_ok() ? 1.0 : 0.0;
    reward += a.rewards[i].total;
    tokens += static_cast<double>(a.tokens[i]);
  }
  RunMetrics m;
  if (rows) rows->clear();  // the last evaluation's rows, not every evaluation's
  if (recipe == "list") {
    std::vector<std::vector<int32_t>> lists;
    for (const auto& p : a.parsed) lists.push_back(p.items);
    m = run_eval_list_metrics(context, prompts, lists, k, world, rows);
  } else if (recipe == "rating") {
    std::vector<double> pred, truth;
    for (size_t i = 0; i < prompts.size(); ++i) {
      pred.push_back(std::isnan(a.parsed[i].rating) ? rating_mid : a.parsed[i].rating);
      truth.push_back(prompts[i].true_rating);
    }
    m = {{"mae", rating_mae(pred, truth)}, {"rmse", rating_rmse(pred, truth)}};
    if (rows) {
      std::vector<double>& err = (*rows)["abs_error"];
      for (size_t i = 0; i < pred.size(); ++i) err.push_back(std::abs(pred[i] - truth[i]));
    }
  } else {
    double ndcg = 0;
    for (const auto& p : a.parsed) ndcg += p.ndcg;
    m = {{"ndcg", ndcg / n}};
    if (rows)
      for (const auto& p : a.parsed) (*rows)["ndcg"].push_back(p.ndcg);
  }
  m.emplace_back("format", format / n);
  m.emplace_back("reward", reward / n);
  m.emplace_back("completion_tokens", tokens / n);
  return m;
}

}  // namespace rf

namespace rf {

std::vector<std::pair<std::string, RunMetrics>> run_eval_query_baselines(const Dataset& ds, const RewardContext& context,
                                                                         const std::vector<RecipePrompt>& prompts,
                                                                         const std::function<void(const std::string&)>& log) {
  std::vector<std::pair<std::string, RunMetrics>> out;
  if (!context.retriever || prompts.empty()) return out;
  const auto sequences = dataset_user_item_sequences(ds);
  // The query a shopper typed (ESCI keeps it as the user's profile), or — Rec-R1's simplest history
  // query — the title of the last item before the held-out one.
  auto raw_query = [&](const RecipePrompt& p) {
    return p.preset == "query_rewrite" ? ds.users[static_cast<size_t>(p.user)].profile : std::string();
  };
  auto last_title = [&](const RecipePrompt& p) -> std::string {
    const auto& s = sequences[static_cast<size_t>(p.user)];
    if (p.position <= 0 || p.position > static_cast<int64_t>(s.size())) return "";
    return ds.items[static_cast<size_t>(s[static_cast<size_t>(p.position - 1)])].title;
  };
  const std::vector<std::pair<std::string, std::function<std::string(const RecipePrompt&)>>> makers = {
      {"raw-query", raw_query}, {"last-title", last_title}};
  for (const auto& [name, make] : makers) {
    const auto t0 = std::chrono::steady_clock::now();
    double ndcg = 0;
    int64_t with_query = 0;
    for (const RecipePrompt& p : prompts) {
      const std::string q = make(p);
      if (q.empty()) continue;
      ++with_query;
      const std::map<int32_t, double> gains = p.graded_targets.empty() ? retrieval_binary_gains(p.targets) : p.graded_targets;
      ndcg += retrieval_reward(*context.retriever, q, gains).value;
    }
    if (with_query * 2 < static_cast<int64_t>(prompts.size())) continue;  // not this data's kind of query
    out.emplace_back(name, RunMetrics{{"ndcg", ndcg / static_cast<double>(prompts.size())}});
    if (log)
      log("baseline " + name + " scored in " +
          std::to_string(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()).substr(0, 5) + " s");
  }
  return out;
}

std::vector<std::pair<std::string, RunMetrics>> run_eval_baselines(
    const std::string& recipe, const Dataset& ds, const Split& split, const RewardContext& context,
    const std::vector<RecipePrompt>& prompts, std::vector<std::string> names, int k, uint64_t seed,
    const SampleWorld* world, const std::function<void(const std::string&)>& log, std::map<std::string, RunMetricRows>* rows) {
  std::vector<std::pair<std::string, RunMetrics>> out;
  if (recipe == "query") return run_eval_query_baselines(ds, context, prompts, log);
  if (names.empty())
    names = recipe == "rating" ? std::vector<std::string>{"global-mean", "user-mean", "item-mean", "biased-mf"}
                               : std::vector<std::string>{"pop", "itemknn", "sasrec"};
  for (const std::string& name : names) {
    const auto t0 = std::chrono::steady_clock::now();
    if (recipe == "rating") {
      auto model = rating_predictor_create(name);
      model->fit(ds, prompt_train_interactions(ds, split), seed);
      std::vector<double> pred, truth;
      for (const RecipePrompt& p : prompts) {
        pred.push_back(model->predict(p.user, p.targets.front()));
        truth.push_back(p.true_rating);
      }
      out.emplace_back(model->name(), RunMetrics{{"mae", rating_mae(pred, truth)}, {"rmse", rating_rmse(pred, truth)}});
      if (rows) {
        std::vector<double>& err = (*rows)[model->name()]["abs_error"];
        for (size_t i = 0; i < pred.size(); ++i) err.push_back(std::abs(pred[i] - truth[i]));
      }
    } else {
      auto model = recommender_create(name);
      FitData fd;
      fd.ds = &ds;
      fd.split = &split;
      fd.seed = seed;
      model->fit(fd);
      RunMetricRows* r = rows ? &(*rows)[model->name()] : nullptr;
      out.emplace_back(model->name(), run_eval_list_metrics(context, prompts, run_eval_baseline_lists(*model, ds, prompts, k), k, world, r));
    }
    if (log)
      log("baseline " + out.back().first + " fitted and scored in " +
          std::to_string(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()).substr(0, 5) + " s");
  }
  return out;
}

}  // namespace rf
