// Teacher traces for SFT and cold start (issue 4): for a sample of users, the recipe's prompt rendered from
// its preset template (core/text/prompt_presets.h, core/data/prompt_context.h) and a completion written by
// a teacher, checked with the recipe's own parser and scored with its default reward (resources/rewards).
//
// Teachers:
//   offline (default)  List: a classic recommender (itemknn, or sasrec) ranks the candidate pool and the
//                      rule-based writer explains the ranking; Rating: the true rating, rationalised (RecOne);
//                      Query: a BM25 query built from the next item and checked on the retriever.
//   HTTP               any OpenAI-compatible endpoint (teacher_http.h); a completion that fails the parser
//                      is asked for again up to `retries` times, then the prompt is dropped.
// Which interaction a trace is about (`holdout`): "train" (default) = the user's last training interaction
// under leave-last-out, so SFT data never touches a validation or test item; "valid" or "test" = those.
// The trace's history is everything before it. Every choice is seeded: the same data, options and seed
// give the same traces, byte for byte.
#pragma once

#include "data/dataset.h"
#include "data/split.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rf {

struct TraceOptions {
  std::string recipe;               // "list", "query" or "rating"
  std::string preset;               // presets.json name; "" = the recipe's default (prompt_preset_default)
  int32_t users = 100;              // traces wanted, one per user (0 = every eligible user)
  uint64_t seed = 0;                // user sample, candidate pools, phrasing, the recommender's fit
  std::string holdout = "train";    // "train", "valid" or "test"
  std::string teacher = "itemknn";  // List recipe, offline: a recommender of core/eval/baseline_factory.h
  nlohmann::json teacher_params = nlohmann::json::object();
  int32_t k = 0;           // List: answer length (0 = the preset's)
  int32_t candidates = 0;  // List: pool size, target included (0 = the preset's)
  NegativeSampling sampling = NegativeSampling::Uniform;
  int32_t history_limit = 50;  // user.history entries in the context (the templates show the last 10)
  bool brief = false;          // List, offline: short reasoning (main interests, the first pick, the rest)
  // List, offline: the share of traces (0-100) that state a broad plan and answer with the recommender's
  // ranking re-ranked for variety (teacher_broaden.h, MMR over categories with broad_lambda); the others
  // state a focused plan. 0 = no plan stated (the writer's plain reasoning).
  int32_t broad_percent = 0;
  double broad_lambda = 0.5;
  // HTTP teacher (teacher_url non-empty).
  std::string teacher_url;  // e.g. http://127.0.0.1:8000/v1
  std::string teacher_model;
  int retries = 2;  // extra requests for a completion that fails the parser
  double temperature = 0.7;
  int max_tokens = 1024;
  int timeout_s = 300;
  bool verbose = false;  // progress on stderr
};

struct TraceSummary {
  int64_t eligible_users = 0;  // users with a history before the held-out interaction (and a rating, Rating)
  int64_t prompts = 0;         // prompts sent to the teacher
  int64_t written = 0;         // traces written
  int64_t parse_ok = 0;        // written traces that pass the recipe's parser
  double mean_reward = 0;      // over written traces
  double min_reward = 0;
  // Variety of wording (trace_variety): distinct first sentences / written, distinct 3-word openings,
  // distinct word bigrams / all bigrams.
  double distinct_first_sentences = 0;
  int64_t distinct_openings = 0;
  double distinct_2 = 0;
  // HTTP teacher only.
  int64_t accepted = 0;              // = written
  int64_t accepted_after_retry = 0;  // accepted on a second or later request
  int64_t retries = 0;               // extra requests sent
  int64_t dropped = 0;               // prompts with no parsable completion after every request
  double seconds = 0;

  nlohmann::json to_json() const;
};

// Called once per trace with its JSON object, in user order:
//   {user, recipe, preset, teacher, position, target, prompt, system, prefill, completion, answer,
//    reward, rewards {component: value}, parse_ok, ...recipe fields (candidates, k, plan, true_rating, ndcg)}
// `completion` is the assistant's whole message (for the Query preset it starts with the prefill).
using TraceSink = std::function<void(const nlohmann::json&)>;

// rf::Error for a bad option (unknown recipe, teacher, holdout, preset), a data set the recipe cannot use
// (no ratings for Rating, too few items for the pool, no eligible user) or an unreachable HTTP teacher.
TraceSummary traces_generate(const Dataset& ds, const TraceOptions& options, const TraceSink& sink);

struct TraceVariety {
  double distinct_first_sentences = 0;  // distinct / count
  int64_t distinct_openings = 0;        // distinct first three words
  double distinct_2 = 0;                // distinct word bigrams / all word bigrams
};

// The first sentence is read from the first tag's content (<think>, <analyze user>), up to . ! or ?.
TraceVariety trace_variety(const std::vector<std::string>& completions);

}  // namespace rf
