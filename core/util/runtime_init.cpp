// Thread count and BLAS check at start-up.
#include "util/runtime_init.h"

#include "util/blas_info.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <malloc.h>
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

void runtime_malloc_tune() {
#ifdef __GLIBC__
  // Training frees and re-allocates the same multi-megabyte activations every step. With glibc's defaults
  // each of them is an mmap + munmap (or a heap trim), and the kernel zeroes fresh pages on every touch:
  // SFT on the sample model spent more time in the kernel than in user code. Keeping large blocks in the
  // heap and never trimming it makes a step ~3x faster (docs/benchmarks.md); memory stays at its peak.
  mallopt(M_MMAP_MAX, 0);  // no mmap for big blocks (M_MMAP_THRESHOLD tops out at 32 MB, below a logits chunk)
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
  // One arena for every thread. With a second thread in the process (the run store's writer), glibc's
  // per-thread arenas (heaps of at most 64 MB, trimmed with madvise) brought the page faults back: a GRPO
  // step went from 3.2 s to 5.8-6.6 s with 3.5x the minor faults. One arena: +5 % (docs/benchmarks.md).
  mallopt(M_ARENA_MAX, 1);
#endif
}

std::string runtime_init() {
  runtime_malloc_tune();
  if (!std::getenv("OMP_NUM_THREADS")) at::set_num_threads(runtime_usable_cores());
  return blas_info_warning(blas_info_detect());
}

std::string runtime_device_summary() {
  std::string out;
  if (torch::cuda::is_available()) {
    const size_t n = torch::cuda::device_count();
    out = "CUDA (" + std::to_string(n) + (n == 1 ? " GPU)" : " GPUs)");
  } else {
    out = "CPU (" + std::to_string(at::get_num_threads()) + " threads)";
  }
  return out + " · BLAS " + blas_info_detect().name;
}

}  // namespace rf
