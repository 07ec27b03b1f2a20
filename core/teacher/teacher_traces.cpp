// Generates teacher traces (teacher_traces.h): takes the recipe's prompts from recipe_prompts.h (the
// users, held-out interactions, pools and wording the trainers use), asks the offline teacher
// (recommender + rule-based writer) or the HTTP teacher for a completion, checks it with the recipe's
// parser and scores it with the recipe's default reward.
#include "teacher/teacher_traces.h"
#include "teacher/recipe_prompts.h"

#include "data/prompt_context.h"
#include "eval/baseline_factory.h"
#include "retrieval/bm25_index.h"
#include "retrieval/retrieval_reward.h"
#include "reward/reward_composite.h"
#include "reward/reward_presets.h"
#include "teacher/teacher_broaden.h"
#include "teacher/teacher_http.h"
#include "teacher/teacher_query.h"
#include "teacher/teacher_writers.h"
#include "text/prompt_presets.h"
#include "text/template.h"
#include "util/error.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>
#include <random>

namespace rf {

namespace {

using nlohmann::json;

json reward_config_for(const std::string& recipe, const PromptItemStats& stats) {
  json config = reward_preset_for_recipe(recipe_from_name(recipe, "traces --recipe"));
  // The data's own rating scale (MovieLens has half stars from 0.5), as the rating template shows it.
  if (recipe == "rating" && !std::isnan(stats.rating_min) && stats.rating_max > stats.rating_min) {
    config["parse"]["rating_min"] = stats.rating_min;
    config["parse"]["rating_max"] = stats.rating_max;
  }
  return config;
}

}  // namespace

json TraceSummary::to_json() const {
  json j = {{"eligible_users", eligible_users},
            {"prompts", prompts},
            {"written", written},
            {"parse_ok", parse_ok},
            {"parse_pass_rate", written > 0 ? static_cast<double>(parse_ok) / static_cast<double>(written) : 0.0},
            {"mean_reward", mean_reward},
            {"min_reward", min_reward},
            {"distinct_first_sentences", distinct_first_sentences},
            {"distinct_openings", distinct_openings},
            {"distinct_2", distinct_2},
            {"seconds", seconds}};
  j["http"] = {
      {"accepted", accepted}, {"accepted_after_retry", accepted_after_retry}, {"retries", retries}, {"dropped", dropped}};
  return j;
}

TraceSummary traces_generate(const Dataset& ds, const TraceOptions& o, const TraceSink& sink) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.recipe != "list" && o.recipe != "query" && o.recipe != "rating")
    throw Error("traces: the recipe must be list, query or rating" +
                (o.recipe.empty() ? std::string() : ", not '" + o.recipe + "'"));
  if (o.holdout != "train" && o.holdout != "valid" && o.holdout != "test")
    throw Error("traces: the held-out interaction must be train, valid or test, not '" + o.holdout + "'");
  const bool http = !o.teacher_url.empty();
  if (http) {
    http_url_parse(o.teacher_url);  // fail on a bad URL before any work
    if (o.teacher_model.empty()) throw Error("traces: --teacher-url needs --teacher-model (the model name the server knows)");
    if (o.retries < 0 || o.retries > 100) throw Error("traces: the retries must be in 0..100");
  } else if (o.recipe == "list") {
    recommender_create(o.teacher, o.teacher_params);  // an unknown name or parameter throws before any work
  }
  if (o.users < 0) throw Error("traces: the number of users must be >= 0");
  if (o.candidates < 0 || o.candidates > ds.item_count())
    throw Error("traces: the pool size must be 1.." + std::to_string(ds.item_count()) + " (0 = the preset's)");
  if (o.broad_percent < 0 || o.broad_percent > 100) throw Error("traces: the share of broad plans must be 0..100 (percent)");
  if (o.broad_percent > 0 && (o.recipe != "list" || http))
    throw Error("traces: broad plans are written by the offline List teacher only (not with --recipe " + o.recipe +
                (http ? " and an HTTP teacher" : "") + ")");
  if (!(o.broad_lambda >= 0.0 && o.broad_lambda <= 1.0)) throw Error("traces: the broad plan's lambda must be in [0, 1]");
  if (ds.items.empty() || ds.interactions.empty())
    throw Error("traces: dataset '" + ds.name + "' has no items or no interactions");

  // A preset named by the caller is checked before any work, in the traces' own words.
  if (!o.preset.empty()) {
    const PromptPreset preset = prompt_preset_load(o.preset, "traces");
    const std::string r = preset.preset.value("recipe", "");
    if (r != o.recipe) throw Error("traces: preset '" + o.preset + "' is for the " + r + " recipe, not " + o.recipe);
  }

  const Split split = split_leave_last_out(ds);
  const PromptItemStats stats = prompt_item_stats_build(ds, prompt_train_interactions(ds, split));
  if (o.recipe == "rating" && std::isnan(stats.rating_min))
    throw Error("traces: the rating recipe needs rated interactions; dataset '" + ds.name +
                "' has no ratings in its training part");

  // The prompts exactly as the trainers and the evaluation build them (recipe_prompts.h): the same users,
  // held-out interactions, candidate pools and wording for the same seed, so SFT learns the prompts GRPO
  // and the evaluation will show.
  TraceSummary sum;
  const RecipePromptOptions po{.recipe = o.recipe,
                               .preset = o.preset,
                               .holdout = o.holdout,
                               .users = o.users,
                               .seed = o.seed,
                               .k = o.k,
                               .pool_size = o.candidates,
                               .sampling = o.sampling,
                               .history_limit = o.history_limit};
  std::vector<RecipePrompt> prompts;
  try {
    prompts = recipe_prompts_build(ds, split, po, &sum.eligible_users);
  } catch (const Error& e) {
    const std::string what = e.what();
    throw Error("traces: " + what +
                (what.find("no user has a history") != std::string::npos ? " (users need 3+ interactions for leave-last-out)" : ""));
  }

  // The recipe's reward, and what it needs.
  RewardComposite reward(reward_config_for(o.recipe, stats), "traces reward");
  std::unique_ptr<Bm25Index> index;
  if (o.recipe == "query") index = std::make_unique<Bm25Index>(bm25_index_build(ds));
  const auto rctx = reward_context_build(ds, nullptr, index.get());

  // List recipe, offline: the recommender's scores for every chosen user's history.
  std::vector<std::vector<float>> scores;
  if (o.recipe == "list" && !http) {
    auto model = recommender_create(o.teacher, o.teacher_params);
    FitData fd;
    fd.ds = &ds;
    fd.split = &split;
    fd.seed = o.seed;
    fd.verbose = o.verbose;
    model->fit(fd);
    const auto histories = dataset_user_histories(ds);
    std::vector<int32_t> users;
    std::vector<std::vector<int32_t>> seqs;
    for (const RecipePrompt& p : prompts) {
      users.push_back(p.user);
      std::vector<int32_t> items;
      const auto& h = histories[static_cast<size_t>(p.user)];
      for (int64_t i = 0; i < p.position; ++i) items.push_back(ds.interactions[static_cast<size_t>(h[static_cast<size_t>(i)])].item);
      seqs.push_back(std::move(items));
    }
    model->score(users, seqs, scores);
  }
  ChatEndpoint endpoint;
  endpoint.url = o.teacher_url;
  endpoint.model = o.teacher_model;
  endpoint.temperature = o.temperature;
  endpoint.max_tokens = o.max_tokens;
  endpoint.timeout_s = o.timeout_s;

  std::vector<std::string> completions;
  double reward_sum = 0;
  for (size_t ui = 0; ui < prompts.size(); ++ui) {
    const RecipePrompt& rp = prompts[ui];
    const int32_t u = rp.user;
    const json& context = rp.context;
    const std::string& prompt = rp.prompt;
    const std::string& system = rp.system;
    const std::string& prefill = rp.prefill;
    const double true_rating = rp.true_rating;
    RewardInput input = recipe_prompt_reward_input(rp, rctx.get());

    json record = {{"user", ds.users[static_cast<size_t>(u)].id},
                   {"recipe", o.recipe},
                   {"preset", rp.preset},
                   {"position", rp.position + 1},
                   {"target", ds.items[static_cast<size_t>(rp.target)].id},
                   {"prompt", prompt},
                   {"system", system},
                   {"prefill", prefill}};
    PhraseRng rng(phrase_seed(o.seed, u));
    std::string completion;
    ++sum.prompts;
    if (http) {
      record["teacher"] = "http:" + o.teacher_model;
      std::vector<ChatMessage> messages;
      if (!system.empty()) messages.push_back({"system", system});
      messages.push_back({"user", prompt});
      bool ok = false;
      int attempts = 0;
      for (; attempts <= o.retries && !ok; ++attempts) {
        if (attempts > 0) ++sum.retries;
        completion = chat_complete(endpoint, messages);
        RewardInput probe = input;
        probe.completion = completion;
        reward_parse(probe, reward.recipe(), reward.parse_options());
        ok = probe.parsed.format_ok();
      }
      record["attempts"] = attempts;
      if (!ok) {
        ++sum.dropped;
        if (o.verbose)
          std::fprintf(stderr, "traces: user %s dropped after %d requests\n", ds.users[static_cast<size_t>(u)].id.c_str(),
                       attempts);
        continue;
      }
      ++sum.accepted;
      if (attempts > 1) ++sum.accepted_after_retry;
    } else if (o.recipe == "list") {
      record["teacher"] = o.teacher;
      const auto& s = scores[ui];
      std::vector<size_t> order(rp.pool.size());
      std::iota(order.begin(), order.end(), size_t{0});
      auto score_of = [&](size_t i) { return s[static_cast<size_t>(rp.pool[i])]; };
      // Best first; ties by training popularity, then pool order (stable).
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (score_of(a) != score_of(b)) return score_of(a) > score_of(b);
        return stats.interactions[static_cast<size_t>(rp.pool[a])] > stats.interactions[static_cast<size_t>(rp.pool[b])];
      });
      std::vector<size_t> ranked(order.begin(), order.begin() + rp.k);
      ListPlan plan = ListPlan::unstated;
      if (o.broad_percent > 0) {
        // Its own generator: the plan does not shift the phrasing of the traces around it.
        PhraseRng plan_rng(phrase_seed(o.seed ^ 0x9e3779b97f4a7c15ULL, u));
        plan = plan_rng.chance(o.broad_percent) ? ListPlan::broad : ListPlan::focused;
      }
      if (plan == ListPlan::broad) {
        std::vector<std::vector<std::string>> cats;
        for (int32_t item : rp.pool) {
          auto c = ds.items[static_cast<size_t>(item)].categories;
          std::sort(c.begin(), c.end());
          c.erase(std::unique(c.begin(), c.end()), c.end());
          cats.push_back(std::move(c));
        }
        ranked = list_rerank_mmr(order, cats, static_cast<size_t>(rp.k), o.broad_lambda);
      }
      std::vector<size_t> left_out;  // least relevant first
      for (auto it = order.rbegin(); it != order.rend(); ++it)
        if (std::find(ranked.begin(), ranked.end(), *it) == ranked.end()) left_out.push_back(*it);
      completion = teacher_write_list(context, ranked, left_out, rng, o.brief, plan);
      record["plan"] = plan == ListPlan::broad ? "broad" : plan == ListPlan::focused ? "focused" : "unstated";
    } else if (o.recipe == "rating") {
      record["teacher"] = "rationalised";
      completion = teacher_write_rating(context, true_rating, rng);
    } else {
      record["teacher"] = "bm25-query";
      const HistoryProfile profile = history_profile_build(context);
      const std::string shopper = rp.preset == "query_rewrite" ? context.value("query", std::string()) : std::string();
      const QueryPlan plan = teacher_query_plan(ds, rp.target, profile, *index, shopper, rng, rp.graded_targets);
      completion = teacher_write_query(context, plan, prefill, rng);
    }

    input.completion = completion;
    const RewardBreakdown b = reward.score(input);
    const ParsedCompletion& parsed = input.parsed;
    record["completion"] = completion;
    record["parse_ok"] = parsed.format_ok();
    record["reward"] = b.total;
    json terms = json::object();
    for (const auto& t : b.terms) terms[t.name] = t.value + 0.0;  // + 0.0: no "-0.0" in the JSON
    record["rewards"] = terms;
    if (o.recipe == "list") {
      json ids = json::array(), pool = json::array();
      for (int32_t i : parsed.items) ids.push_back(ds.items[static_cast<size_t>(i)].id);
      for (int32_t i : rp.pool) pool.push_back(ds.items[static_cast<size_t>(i)].id);
      record["answer"] = ids;
      record["candidates"] = pool;
      record["k"] = rp.k;
    } else if (o.recipe == "rating") {
      record["answer"] = std::isnan(parsed.rating) ? json(nullptr) : json(parsed.rating);
      record["true_rating"] = true_rating;
    } else {
      record["answer"] = parsed.query;
      record["target_rank"] = parsed.best_rank;
      record["ndcg"] = parsed.ndcg;
    }
    if (parsed.format_ok()) ++sum.parse_ok;
    reward_sum += b.total;
    sum.min_reward = sum.written == 0 ? b.total : std::min(sum.min_reward, b.total);
    ++sum.written;
    completions.push_back(completion);
    sink(record);
    if (o.verbose && (sum.written % 100 == 0))
      std::fprintf(stderr, "traces: %lld written\n", static_cast<long long>(sum.written));
  }
  sum.mean_reward = sum.written > 0 ? reward_sum / static_cast<double>(sum.written) : 0.0;
  const TraceVariety v = trace_variety(completions);
  sum.distinct_first_sentences = v.distinct_first_sentences;
  sum.distinct_openings = v.distinct_openings;
  sum.distinct_2 = v.distinct_2;
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace rf
