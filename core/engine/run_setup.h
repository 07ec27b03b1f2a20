// What every run of a project shares before training starts: where its files live, the data set and split
// the config names, the Query recipe's BM25 index, the reward context, the prompt options of the recipe,
// and the model folder the config starts from. One place, so SFT, GRPO and evaluation read the data and
// word the prompts the same way.
//   <project>/models/base                 the sample base model (`recforge-cli pretrain`), model.source "sample"
//   <project>/checkpoints/run-<id>/       a run's checkpoints (checkpoint-<step>/, each a Hugging Face folder
//                                         or PEFT adapters, plus optimizer and trainer state)
#pragma once

#include "data/dataset.h"
#include "data/split.h"
#include "engine/run_config.h"
#include "retrieval/bm25_index.h"
#include "reward/reward_context.h"
#include "teacher/recipe_prompts.h"

#include <cstdint>
#include <memory>
#include <string>

namespace rf {

struct RunData {
  Dataset ds;
  Split split;
  std::unique_ptr<Bm25Index> index;         // Query recipe only
  std::unique_ptr<RewardContext> context;   // points into ds and index: keep RunData where it is
};

std::string run_sample_model_dir(const std::string& project_dir);
std::string run_checkpoints_dir(const std::string& project_dir, int64_t run);
// The folder the config's model starts from (rf::Error names model.path / the missing sample model).
std::string run_model_source_dir(const std::string& project_dir, const RunConfig& c);

// Loads the data set (data.dataset, "" = the project's only one), splits it and builds the reward context.
std::unique_ptr<RunData> run_data_open(const std::string& project_dir, const RunConfig& c);

// The recipe prompt options of the config for a held-out part ("train" for training, eval.split for
// evaluation) and a number of users (0 = all).
RecipePromptOptions run_prompt_options(const RunConfig& c, const std::string& holdout, int32_t users);

}  // namespace rf
