// The small trainable test project (see sample_project.h).
#include "support/sample_project.h"

#include "data/dataset_store.h"
#include "engine/run_setup.h"
#include "engine/sample_project.h"
#include "teacher/pretrain_corpus.h"
#include "train/pretrain.h"

namespace rf::test {

std::string sample_data_dir() { return std::string(RECFORGE_FIXTURES_DIR) + "/../../sample_data"; }

void sample_project_make(const std::string& project_dir) {
  sample_project_ensure(project_dir, sample_data_dir());
  const Dataset ds = dataset_open(project_dir, "sample", ImportOptions{});
  PretrainOptions o;
  o.vocab_size = 512;
  o.hidden_size = 32;
  o.intermediate_size = 64;
  o.num_hidden_layers = 2;
  o.num_attention_heads = 2;
  o.num_key_value_heads = 1;
  o.max_position_embeddings = 256;
  o.seq_len = 64;
  o.batch = 8;
  o.steps = 20;
  o.lr = 1e-2;
  o.seed = 5;
  PretrainCorpusOptions co;
  co.seed = 5;
  pretrain_cached(pretrain_corpus_build(ds, co, {}), o, run_sample_model_dir(project_dir), false);
}

RunConfig sample_grpo_config(int steps, int save_steps) {
  RunConfig c = run_config_default();
  c.recipe = "list";
  c.trainer = "grpo";
  c.data.dataset = "sample";
  c.data.max_users = 40;
  c.device = "cpu";
  c.seed = 11;
  c.grpo.num_generations = 2;
  c.grpo.per_device_train_batch_size = 4;
  c.grpo.max_steps = steps;
  c.grpo.save_steps = save_steps;
  c.grpo.max_prompt_length = 96;
  c.grpo.max_completion_length = 12;
  c.grpo.learning_rate = 1e-3;
  c.grpo.lr_scheduler_type = "constant";
  c.grpo.beta = 0.0;
  c.eval.users = 2;
  return c;
}

}  // namespace rf::test
