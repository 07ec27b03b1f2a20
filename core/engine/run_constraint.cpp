// Per-prompt decoding constraints (see run_constraint.h).
#include "engine/run_constraint.h"

#include "generate/list_answer_constraint.h"

#include <algorithm>

namespace rf {

std::unique_ptr<TokenConstraint> run_answer_constraint(RunModel& m, const Dataset& ds, const RecipePrompt& p, bool mentions,
                                                       int32_t max_new_tokens) {
  if (p.pool.empty()) return nullptr;
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
