// The subcommands of recforge-cli. Each lives in its own cmd_<name>.cpp and takes the arguments that
// follow its name; it returns the process exit code and throws rf::Error for user-facing failures.
#pragma once

namespace rf::cli {

int cmd_tokenize(int argc, char** argv);         // cmd_tokenize.cpp
int cmd_train_tokenizer(int argc, char** argv);  // cmd_train_tokenizer.cpp
int cmd_chat_format(int argc, char** argv);      // cmd_chat_format.cpp
int cmd_logits(int argc, char** argv);           // cmd_logits.cpp
int cmd_generate(int argc, char** argv);         // cmd_generate.cpp
int cmd_bench(int argc, char** argv);            // cmd_bench.cpp: dispatches to bench_* below
int cmd_demo(int argc, char** argv);             // cmd_demo.cpp
int cmd_info(int argc, char** argv);             // cmd_info.cpp: version, device, BLAS

int bench_tokenizer(int argc, char** argv);  // bench_tokenizer.cpp
int bench_generate(int argc, char** argv);   // bench_generate.cpp
int bench_train(int argc, char** argv);      // bench_train.cpp

}  // namespace rf::cli
