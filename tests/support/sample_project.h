// A project for tests that train: the shipped sample world's data imported as data set "sample" and a
// two-layer base model (BPE 512, hidden 32) pretrained on its text for 20 steps into models/base — enough
// for runs to start, write every kind of row and finish in seconds.
#pragma once

#include "engine/run_config.h"

#include <string>

namespace rf::test {

// The repository's sample_data/ folder.
std::string sample_data_dir();
// Makes `project_dir` such a project (the import and the model are reused when already there).
void sample_project_make(const std::string& project_dir);
// A GRPO config of the List recipe on that project small enough for a test: 2 prompts x 2 completions of
// at most 12 tokens per step, β = 0, a constant learning rate of 1e-3, seed 11.
RunConfig sample_grpo_config(int steps, int save_steps);

}  // namespace rf::test
