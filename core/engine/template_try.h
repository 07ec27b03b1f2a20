// The template designer's engine side (DESIGN.md §8.2): the prompt one user would get under a template
// being edited — rendered through the same recipe_prompts_build the trainers use, so what is previewed is
// what trains — its token count under a model's tokenizer and chat format, and "Try it": N answers sampled
// from a model for that prompt, parsed and scored by a run config's reward, with no training.
#pragma once

#include "engine/run_config.h"
#include "engine/run_model.h"
#include "engine/run_setup.h"
#include "teacher/recipe_prompts.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rf {

// The prompt of user `user_id` (the id as in the data) under config `c` (recipe, preset, pool size, k,
// seed), with `template_source` replacing the preset's template when not empty, holding out the user's
// `holdout` ("train" | "valid" | "test") interaction. TemplateError for an error in the template (line and
// column), rf::Error naming the user when they have no such held-out interaction.
RecipePrompt template_try_prompt(const RunData& d, const RunConfig& c, const std::string& template_source,
                                 const std::string& user_id, const std::string& holdout);

struct TemplateTryPreview {
  std::string text;           // what the model reads: system + prompt in the chat format, generation prompt, prefill
  int64_t tokens = 0;         // its length in the model's tokens
  int64_t kept_tokens = 0;    // after left truncation at grpo.max_prompt_length
  std::string chat;           // "chatml", "llama3" or "" (plain text)
};

// `m` may hold only the tokenizer (run_model_load_tokenizer).
TemplateTryPreview template_try_preview(const RunModel& m, const RecipePrompt& p, int64_t max_prompt_length);

struct TemplateTryAnswer {
  std::string completion;           // prefill + generated text
  nlohmann::json parsed;            // as a stored trajectory's (engine/answer_json.h), with "targets" (ids)
  nlohmann::json rewards;           // the breakdown, [{name, weight, value, weighted, explanation}, ...]
  double total = 0;
  int64_t tokens = 0;               // generated
  std::vector<std::string> pieces;  // each generated token's text (special tokens as written)
  std::vector<float> logprobs;      // each generated token's log-probability as sampled
};

// N answers sampled with the config's GRPO sampling (temperature, top_p, max_completion_length) and seed
// `seed`, scored with the config's rewards against the prompt's held-out targets.
std::vector<TemplateTryAnswer> template_try_answers(RunModel& m, const RunData& d, const RunConfig& c, const RecipePrompt& p,
                                                    int n, uint64_t seed);

}  // namespace rf
