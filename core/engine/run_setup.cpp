// A run's data, prompts and folders (see run_setup.h).
#include "engine/run_setup.h"

#include "data/dataset_store.h"
#include "util/error.h"

#include <filesystem>

namespace rf {

namespace fs = std::filesystem;

std::string run_sample_model_dir(const std::string& project_dir) { return (fs::path(project_dir) / "models" / "base").string(); }

std::string run_checkpoints_dir(const std::string& project_dir, int64_t run) {
  return (fs::path(project_dir) / "checkpoints" / ("run-" + std::to_string(run))).string();
}

std::string run_model_source_dir(const std::string& project_dir, const RunConfig& c) {
  if (c.model.source == "hf" || !c.model.path.empty()) {
    if (!fs::is_regular_file(fs::path(c.model.path) / "config.json"))
      throw Error("model.path: '" + c.model.path + "' is not a Hugging Face model folder (no config.json)");
    return c.model.path;
  }
  const std::string dir = run_sample_model_dir(project_dir);
  if (!fs::is_regular_file(fs::path(dir) / "config.json"))
    throw Error("model.source: \"sample\" needs the project's base model in " + dir +
                "; make it with: recforge-cli pretrain --data " + project_dir + " --out " + dir);
  return dir;
}

std::unique_ptr<RunData> run_data_open(const std::string& project_dir, const RunConfig& c) {
  auto d = std::make_unique<RunData>();
  d->ds = dataset_open(project_dir, c.data.dataset, ImportOptions{});
  d->split = c.data.split == "temporal" ? split_temporal(d->ds, c.data.valid_from, c.data.test_from) : split_leave_last_out(d->ds);
  if (c.recipe == "query") d->index = std::make_unique<Bm25Index>(bm25_index_build(d->ds));
  d->context = reward_context_build(d->ds, nullptr, d->index.get());
  return d;
}

RecipePromptOptions run_prompt_options(const RunConfig& c, const std::string& holdout, int32_t users) {
  RecipePromptOptions o;
  o.recipe = c.recipe;
  o.preset = c.prompt_template.preset;
  o.template_file = c.prompt_template.file;
  o.holdout = holdout;
  o.users = users;
  o.seed = static_cast<uint64_t>(c.seed);
  o.pool_size = c.data.pool_size;
  o.k = c.recipe == "list" ? c.eval.k : 0;
  o.sampling = c.data.negative_sampling == "popularity" ? NegativeSampling::Popularity : NegativeSampling::Uniform;
  return o;
}

}  // namespace rf
