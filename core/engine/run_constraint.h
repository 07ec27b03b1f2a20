// The decoding constraint a run config asks for (`constrain_answer`), made for one recipe prompt: the
// List answer grammar over the prompt's candidate pool and k, ending with the model's end-of-turn ids.
// When the preset's parser requires a "think" tag, "</think>" opens the answer at once, and a reasoning
// that runs long is closed in time for the answer to fit in `max_new_tokens`.
#pragma once

#include "data/dataset.h"
#include "engine/run_model.h"
#include "generate/token_constraint.h"
#include "teacher/recipe_prompts.h"

#include <memory>

namespace rf {

// Null when the prompt has no candidate pool (Query and Rating prompts): nothing to constrain.
// `mentions`: "[id]" in the reasoning must name distinct pool ids too (constrain_mentions).
std::unique_ptr<TokenConstraint> run_answer_constraint(RunModel& m, const Dataset& ds, const RecipePrompt& p, bool mentions,
                                                       int32_t max_new_tokens);

}  // namespace rf
