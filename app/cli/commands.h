// The subcommands of recforge-cli. Each lives in its own cmd_<name>.cpp and takes the arguments that
// follow its name; it returns the process exit code and throws rf::Error for user-facing failures.
#pragma once

#include <cstdint>
#include <string>

namespace rf {
class SqliteDb;
struct RunRecord;
}  // namespace rf

namespace rf::cli {

int cmd_tokenize(int argc, char** argv);         // cmd_tokenize.cpp
int cmd_train_tokenizer(int argc, char** argv);  // cmd_train_tokenizer.cpp
int cmd_chat_format(int argc, char** argv);      // cmd_chat_format.cpp
int cmd_logits(int argc, char** argv);           // cmd_logits.cpp
int cmd_generate(int argc, char** argv);         // cmd_generate.cpp
int cmd_bench(int argc, char** argv);            // cmd_bench.cpp: dispatches to bench_* below
int cmd_demo(int argc, char** argv);             // cmd_demo.cpp
int cmd_info(int argc, char** argv);             // cmd_info.cpp: version, device, BLAS
int cmd_eval(int argc, char** argv);             // cmd_eval.cpp: baselines on a split
int cmd_eval_run(int argc, char** argv);         // cmd_eval_run.cpp: a run's checkpoint on held-out users (eval --project)
int cmd_sample_world(int argc, char** argv);     // cmd_sample_world.cpp: sample world + replay
int cmd_data(int argc, char** argv);             // cmd_data.cpp: import / list / stats / show-user
int cmd_retrieve(int argc, char** argv);         // cmd_retrieve.cpp: BM25 search over a catalogue
int cmd_parse(int argc, char** argv);            // cmd_parse.cpp: run a recipe's output parsers on a completion
int cmd_prompt(int argc, char** argv);           // cmd_prompt.cpp: render a recipe's prompt for a user
int cmd_traces(int argc, char** argv);           // cmd_traces.cpp: teacher traces for SFT (JSON lines)
int cmd_pretrain(int argc, char** argv);         // cmd_pretrain.cpp: a base model from scratch on a data set
int cmd_sft(int argc, char** argv);              // cmd_sft.cpp: supervised fine-tuning on prompt/completion JSONL
int cmd_grpo(int argc, char** argv);             // cmd_grpo.cpp: a GRPO run in a project (cli_run.h)
int cmd_resume(int argc, char** argv);           // cmd_grpo.cpp: continue a run from its last checkpoint
int cmd_runs(int argc, char** argv);             // cmd_runs.cpp: list the runs of a project's run store, or one run
int cmd_export(int argc, char** argv);           // cmd_export.cpp: one run's metrics, trajectories, ... as CSV / JSONL
int cmd_compare(int argc, char** argv);          // cmd_compare.cpp: two evaluations paired user by user

// Shared by runs and export (cmd_runs.cpp): the project's run store opened for reading (rf::Error when the
// project has none), and a run by id (rf::Error listing the ids that exist).
SqliteDb cli_open_run_store(const std::string& project_dir);
RunRecord cli_find_run(SqliteDb& db, int64_t run);

int bench_tokenizer(int argc, char** argv);  // bench_tokenizer.cpp
int bench_generate(int argc, char** argv);   // bench_generate.cpp
int bench_train(int argc, char** argv);      // bench_train.cpp
int bench_grpo(int argc, char** argv);       // bench_grpo.cpp
int bench_import(int argc, char** argv);     // bench_import.cpp
int bench_retrieve(int argc, char** argv);   // bench_retrieve.cpp: BM25 retriever throughput
int bench_reward(int argc, char** argv);     // bench_reward.cpp: reward scoring throughput

}  // namespace rf::cli
