// The total reward of a recipe: total = Σ weight_k × component_k, with the breakdown kept per completion
// ({name, weight, value, weighted, explanation}) for the trajectory inspector and the per-component curves.
//
// Configuration (JSON; unknown keys and wrong types throw rf::Error naming the field):
//   {"name": "...", "description": "...", "recipe": "list" | "query" | "rating",
//    "parse": {"tags": [...], "answer_tag": "answer", "strict_outside": false, "rating_min": 1, "rating_max": 5},
//    "components": [{"type": "accuracy", "name": "ndcg", "weight": 1.0, "params": {...}}, ...]}
// to_json() writes the same form with every default filled in and the current weights, for the run config.
//
// Weights change while a run runs (the reward tuner): set_weight() may be called from any thread at any
// time. Each scoring call takes ONE snapshot of the weight table when it starts, so a change lands at the
// next step, never in the middle of a batch; every change is recorded as an event {step, name, old, new}.
#pragma once

#include "reward/reward_component.h"
#include "reward/reward_parse.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rf {

struct RewardTerm {
  std::string name;
  double weight = 0;
  double value = 0;
  double weighted = 0;  // weight × value
  std::string explanation;
};

struct RewardBreakdown {
  double total = 0;               // Σ weighted, in component order
  std::vector<RewardTerm> terms;  // one per component, in configuration order
};

struct WeightEvent {
  int64_t step = 0;        // the training step from which the new weight applies
  std::string component;
  double old_weight = 0;
  double new_weight = 0;
};

class RewardComposite {
 public:
  explicit RewardComposite(const nlohmann::json& config, const std::string& where = "reward config");
  ~RewardComposite();
  RewardComposite(const RewardComposite&) = delete;
  RewardComposite& operator=(const RewardComposite&) = delete;

  nlohmann::json to_json() const;
  Recipe recipe() const { return recipe_; }
  const RewardParseOptions& parse_options() const { return parse_; }
  size_t size() const { return components_.size(); }
  const RewardComponent& component(size_t i) const { return *components_.at(i); }
  std::vector<std::string> names() const;

  // --- weights (thread-safe) ---
  std::vector<double> weights() const;  // a snapshot, in component order
  double weight(const std::string& name) const;
  // Sets one weight (finite) and records the event; rf::Error names an unknown component.
  WeightEvent set_weight(const std::string& name, double weight, int64_t step);
  // Several at once, as one atomic change (a batch never sees half of it); one event per changed weight.
  std::vector<WeightEvent> set_weights(const std::map<std::string, double>& weights, int64_t step);
  std::vector<WeightEvent> weight_events() const;

  // --- scoring ---
  // Parses (unless reuse_parsed and input.parsed.done), prepares and scores one completion.
  RewardBreakdown score(RewardInput& input, bool reuse_parsed = false) const;
  // Scores a batch on `threads` threads (0: the hardware's count, at most one per completion). Every
  // completion is parsed once; coverage sees the whole batch; the batch uses one weight snapshot. Results
  // are in input order and identical for any thread count. With a retriever, each thread queries its own
  // clone (kept for later batches). After scoring, the batch's items join the run's "shown" set (coverage
  // scope "catalogue"). Calls must not overlap (one trainer drives it); set_weight may run meanwhile.
  std::vector<RewardBreakdown> score_batch(std::vector<RewardInput>& inputs, int threads = 0, bool reuse_parsed = false);
  // Forgets the items shown so far (coverage "catalogue") and the per-thread retriever clones.
  void reset_run_state();

 private:
  struct Clones;
  RewardBreakdown score_prepared(const RewardInput& in, const std::vector<double>& weights) const;
  std::shared_ptr<const std::vector<double>> weight_snapshot() const;

  std::string name_;
  std::string description_;
  Recipe recipe_ = Recipe::List;
  RewardParseOptions parse_;
  std::vector<std::unique_ptr<RewardComponent>> components_;
  bool uses_batch_ = false;

  mutable std::mutex weights_mu_;
  std::shared_ptr<const std::vector<double>> weights_;
  std::vector<WeightEvent> events_;

  std::mutex run_mu_;                // held for a whole score_batch
  std::vector<uint8_t> shown_;       // (items) listed in an earlier batch
  std::unique_ptr<Clones> clones_;   // per-thread retriever copies
};

}  // namespace rf
