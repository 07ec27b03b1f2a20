// Per-prompt decoding constraints (see run_constraint.h).
#include "engine/run_constraint.h"

#include "generate/list_answer_constraint.h"
#include "generate/tagged_blocks_constraint.h"

#include <algorithm>

namespace rf {

namespace {

// The rating scale the prompt showed (its context's dataset.rating_min / rating_max; 1 to 5 without).
std::vector<std::string> prompt_rating_choices(const RecipePrompt& p) {
  double low = 1, high = 5;
  if (p.context.contains("dataset")) {
    const auto& d = p.context["dataset"];
    if (d.contains("rating_min") && d["rating_min"].is_number()) low = d["rating_min"].get<double>();
    if (d.contains("rating_max") && d["rating_max"].is_number()) high = d["rating_max"].get<double>();
  }
  if (!(high > low)) low = 1, high = 5;
  return tagged_blocks_rating_choices(low, high, 0.5);
}

}  // namespace

std::unique_ptr<TokenConstraint> run_answer_constraint(RunModel& m, const Dataset& ds, const RecipePrompt& p, bool mentions,
                                                       int32_t max_new_tokens) {
  if (p.pool.empty()) {
    // Query and Rating: the preset's tagged blocks in order; a Rating answer is a number of its scale.
    if (p.tags.empty()) return nullptr;
    TaggedBlocksSpec spec;
    spec.tags = p.tags;
    if (p.answer == "rating") spec.choices = prompt_rating_choices(p);
    if (p.answer == "json_query") {  // {"query": "<words>"}: no quote, backslash or new line in the words
      spec.slot_open = "{\"query\": \"";
      spec.slot_close = "\"}";
      spec.slot_banned = "\"\\\n";
    }
    spec.end_ids = m.eos_ids;
    spec.prefix = p.prefill;
    spec.budget = max_new_tokens;
    return std::make_unique<TaggedBlocksConstraint>(run_model_token_texts(m), std::move(spec));
  }
  ListAnswerSpec spec;
  for (int32_t it : p.pool) spec.pool.push_back(ds.items[static_cast<size_t>(it)].id);
  spec.k = p.k;
  spec.end_ids = m.eos_ids;
  spec.prefix = p.prefill;
  spec.mentions = mentions;
  if (std::find(p.tags.begin(), p.tags.end(), "think") != p.tags.end()) spec.think_close = "</think>";
  spec.budget = max_new_tokens;
  return std::make_unique<ListAnswerConstraint>(run_model_token_texts(m), std::move(spec));
}

}  // namespace rf
