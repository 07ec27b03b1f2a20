// Thread count and BLAS check at start-up.
#include "util/runtime_init.h"

#include "util/blas_info.h"

#include <ATen/Parallel.h>
#include <sched.h>

#include <cstdlib>
#include <thread>

namespace rf {

int runtime_usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

std::string runtime_init() {
  if (!std::getenv("OMP_NUM_THREADS")) at::set_num_threads(runtime_usable_cores());
  return blas_info_warning(blas_info_detect());
}

}  // namespace rf
