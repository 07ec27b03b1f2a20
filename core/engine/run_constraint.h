// The decoding constraint a run config asks for (`constrain_answer`), made for one recipe prompt. List:
// the answer grammar over the prompt's candidate pool and k, ending with the model's end-of-turn ids; when
// the preset's parser requires a "think" tag, "</think>" opens the answer at once, and a reasoning that
// runs long is closed in time for the answer to fit in `max_new_tokens`. Query and Rating (no pool): the
// preset's tags as blocks in order (tagged_blocks_constraint.h), each closed in time; a Rating answer is
// a number of the prompt's rating scale in steps of 0.5.
#pragma once

#include "data/dataset.h"
#include "engine/run_model.h"
#include "generate/token_constraint.h"
#include "teacher/recipe_prompts.h"

#include <memory>

namespace rf {

// Null when the prompt has neither a candidate pool nor tags: nothing to constrain.
// `mentions` (List): "[id]" in the reasoning must name distinct pool ids too (constrain_mentions).
std::unique_ptr<TokenConstraint> run_answer_constraint(RunModel& m, const Dataset& ds, const RecipePrompt& p, bool mentions,
                                                       int32_t max_new_tokens);

}  // namespace rf
