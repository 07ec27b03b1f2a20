// Evaluating a run's model again after training (`recforge-cli eval --project P --run ID`): one of its
// checkpoints (or, at step 0, the model it started from) answers the held-out prompts of the run's config
// the way the run's own evaluations do (run_eval.h: the same users, pools, decoding and metrics), so with
// the run's config unchanged it reproduces the run's evaluation at that step; with eval.* changed (more
// users, the validation split, another k) it measures the same model on other questions. Nothing is
// written to the run store: the run's own evaluations stay the record of the run.
#pragma once

#include "data/sample_world.h"
#include "engine/run_config.h"
#include "engine/run_eval.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace rf {

struct RunEvaluateOptions {
  int64_t step = -1;                  // the checkpoint of this step; -1 = the run's last; 0 = the starting model
  bool baselines = false;             // also score the config's classic baselines on the same prompts
  const SampleWorld* world = nullptr;  // List recipe on the sample world: true satisfaction
  int threads = 0;                    // CPU intra-op threads (0 = automatic)
  std::function<void(const std::string&)> log;  // one line per stage (may be empty)
};

struct RunEvaluation {
  int64_t run = 0;
  int64_t step = 0;
  std::string model_dir;  // the checkpoint folder, or the run's starting model at step 0
  int64_t prompts = 0;
  double seconds = 0;     // the model's answers
  RunMetrics model;
  RunMetricRows rows;     // the model's per-prompt values (run_eval.h), in prompt order: for paired comparisons
  std::vector<std::pair<std::string, RunMetrics>> baselines;
};

// `config`: the run's config as stored, or with changes (validated here). rf::Error names a run, step or
// checkpoint folder that is not there, listing the steps that are.
RunEvaluation run_evaluate(const std::string& project_dir, int64_t run, const RunConfig& config, const RunEvaluateOptions& options);

// `config` with the model of `other` (model.*, device, dtype): run B's model asked run A's questions, so
// that the two evaluations pair prompt by prompt (the prompts follow data.*, eval.*, the template, the
// rewards and the seed, all A's).
RunConfig run_config_with_model_of(const RunConfig& config, const RunConfig& other);

}  // namespace rf
