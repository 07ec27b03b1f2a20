// The reward component interface (DESIGN.md §6): a small object with a type, a name, JSON parameters and
// `score(input) -> {value, one-line explanation}`. A RewardInput carries everything a component may need for
// ONE completion; the completion is parsed once (reward_parse.h) and the result shared by every component.
// Components never throw on model text (a broken answer is a low value with an explanation); they throw
// rf::Error only for a configuration that cannot work (e.g. a rating reward without a true rating).
#pragma once

#include "reward/reward_context.h"

#include <nlohmann/json_fwd.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace rf {

enum class Recipe { List, Query, Rating };

std::string recipe_name(Recipe r);            // "list", "query", "rating"
Recipe recipe_from_name(const std::string& name, const std::string& where);  // rf::Error naming `where`

// How the Query recipe's retrieval runs: NDCG cut-off k over the top `depth` documents, and the query
// parser's options (query_parse.h).
struct RetrievalSettings {
  int k = 1000;
  int depth = 1000;
  bool implicit_and = false;
  bool keep_stop_words = false;
  bool operator==(const RetrievalSettings&) const = default;
};

// The completion read once: its tags, its answer as the recipe expects it, and for the Query recipe the
// retrieval result (run once by reward_prepare, then read by the format and retrieval components).
struct ParsedCompletion {
  bool done = false;                      // reward_parse ran
  bool tags_ok = false;                   // required tags once each, in order, closed, non-empty
  std::vector<std::string> tag_problems;
  bool answer_found = false;              // the answer block (last <answer>, or <rate>) exists
  std::string answer;                     // its content, trimmed
  bool answer_ok = false;                 // the answer parses as the recipe expects
  std::vector<std::string> answer_problems;

  // List recipe: matched items in answer order (first occurrence only), and what was wrong.
  std::vector<int32_t> items;
  std::vector<int32_t> duplicates;        // items written more than once (once per extra copy)
  std::vector<int32_t> outside_pool;      // matched items not in the candidate pool
  int32_t unmatched = 0;                  // entries that matched no catalogue item
  int32_t entries = 0;                    // entries written, matched or not
  // Query recipe.
  std::string query;
  // Rating recipe: NaN when no rating parsed in range.
  double rating = NAN;

  // Query recipe, filled by reward_prepare / reward_retrieval.
  bool retrieval_done = false;
  RetrievalSettings retrieval_settings;   // what the stored result was computed with
  bool query_searchable = false;          // the query had searchable words
  double ndcg = 0;
  int best_rank = 0;
  int retrieved = 0;
  std::string retrieval_explanation;

  bool format_ok() const { return tags_ok && answer_ok; }
};

// Batch-level facts for the coverage component, filled by RewardComposite::score_batch.
struct RewardBatchView {
  const std::unordered_map<int32_t, int32_t>* item_counts = nullptr;  // item -> completions in the batch listing it
  const std::vector<uint8_t>* shown_before = nullptr;                 // (items) 1 when listed in an earlier batch
};

struct RewardInput {
  std::string completion;         // the assistant's text, including any prefill (e.g. "<think>") the prompt forced
  Recipe recipe = Recipe::List;   // set from the composite's configuration when it scores
  ParsedCompletion parsed;        // filled by reward_parse (the composite does it once per completion)

  std::vector<int32_t> targets;   // the user's held-out item(s) (item indices)
  std::map<int32_t, double> graded_targets;  // Query recipe: item -> gain (e.g. ESCI); empty = targets with gain 1
  std::vector<int32_t> pool;      // the candidate pool shown in the prompt (empty = no pool)
  int k = 10;                     // list length asked for; cut-off of accuracy metrics
  double true_rating = NAN;       // Rating recipe

  const RewardContext* context = nullptr;  // dataset, catalogue statistics, matcher, embeddings, retriever
  Bm25Index* retriever = nullptr;          // overrides context->retriever (score_batch sets per-thread clones)
  RewardBatchView batch;                   // coverage only

  const Dataset* dataset() const { return context ? context->dataset : nullptr; }
  Bm25Index* retriever_or_context() const { return retriever ? retriever : (context ? context->retriever : nullptr); }
};

struct RewardValue {
  double value = 0;
  std::string explanation;  // one line, e.g. "NDCG@10 0.631: target at rank 2"
};

class RewardComponent {
 public:
  virtual ~RewardComponent() = default;
  const std::string& type() const { return type_; }   // e.g. "accuracy"
  const std::string& name() const { return name_; }   // label in breakdowns; defaults to the type
  void set_name(std::string name) { name_ = std::move(name); }
  // Every parameter with its value (defaults filled in), as accepted by reward_component_make.
  virtual nlohmann::json params() const = 0;
  virtual RewardValue score(const RewardInput& input) const = 0;
  // Work shared with other components, done once per completion after parsing and before any score()
  // (the retrieval component runs the query here, so format can see whether anything was retrieved).
  virtual void prepare(RewardInput& /*input*/) const {}
  // true: reads input.batch (coverage), so score_batch must count the batch first.
  virtual bool uses_batch() const { return false; }

 protected:
  explicit RewardComponent(std::string type) : type_(type), name_(std::move(type)) {}

 private:
  std::string type_;
  std::string name_;
};

// Makes a component from its type and parameters (unknown keys or wrong types throw rf::Error naming
// `where`.<field>). Types: format, accuracy, rating, diversity, novelty, coverage, validity, length,
// retrieval, rules.
std::unique_ptr<RewardComponent> reward_component_make(const std::string& type, const nlohmann::json& params,
                                                       const std::string& where = "params");
std::vector<std::string> reward_component_types();

}  // namespace rf
