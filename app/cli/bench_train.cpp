// Placeholder until its issue part lands; replaced by the real benchmark.
#include "commands.h"
#include "util/error.h"
namespace rf::cli {
int bench_train(int, char**) { throw Error("this benchmark is not built yet"); }
}  // namespace rf::cli
