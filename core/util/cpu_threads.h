// CPU threading for training steps (the language-model trainers and the torch baselines). LibTorch's
// elementwise kernels run on an OpenMP pool and its matmuls on the BLAS; with OpenBLAS built on
// pthreads the two pools are separate, and OpenMP's
// workers spin-wait after every parallel region on the very cores OpenBLAS's workers need next. On a
// 2-core machine that contention costs about half the step time (docs/benchmarks.md, "Training step"; a
// SASRec baseline step on a busy 2-core VM took 5x the CPU time with 2 intra-op threads as with 1). The
// guard below picks the intra-op thread count for the duration of training and restores it after:
//   - "auto": 1 OpenMP thread when OpenBLAS runs its own pthreads pool and OpenMP workers would
//     spin (OMP_WAIT_POLICY is not PASSIVE); the BLAS then has the cores for the matmuls, which are
//     most of the work. Otherwise the count is left alone.
//   - an explicit count: used as is.
// On many-core machines, OMP_WAIT_POLICY=PASSIVE in the environment (read at process start) keeps the
// elementwise kernels parallel without the contention; "auto" then changes nothing.
#pragma once

#include <torch/types.h>

#include <string>

namespace rf {

struct CpuThreadsInfo {
  int intra_op_threads = 1;  // LibTorch (OpenMP) threads in use
  int blas_threads = 0;      // OpenBLAS's own pool (0 when unknown or not OpenBLAS)
  std::string blas_parallel;  // "pthreads", "openmp", "sequential" or "unknown"
  std::string reason;         // why the count was chosen
};

CpuThreadsInfo cpu_threads_info();

class CpuThreadsGuard {
 public:
  // requested: 0 = auto, > 0 = that many intra-op threads. CUDA devices: nothing changes.
  CpuThreadsGuard(at::Device device, int requested = 0);
  ~CpuThreadsGuard();
  CpuThreadsGuard(const CpuThreadsGuard&) = delete;
  CpuThreadsGuard& operator=(const CpuThreadsGuard&) = delete;

  const CpuThreadsInfo& info() const { return info_; }

 private:
  int previous_ = 0;
  bool changed_ = false;
  CpuThreadsInfo info_;
};

}  // namespace rf
