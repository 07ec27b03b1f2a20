// Intra-op thread choice for CPU training (see cpu_threads.h).
#include "util/cpu_threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace rf {

namespace {

// OpenBLAS's own queries, looked up at run time (absent with other BLAS libraries).
int openblas_query(const char* symbol) {
  auto fn = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, symbol));
  return fn ? fn() : -1;
}

bool omp_waits_passively() {
  const char* p = std::getenv("OMP_WAIT_POLICY");
  if (p) {
    std::string s(p);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s == "passive") return true;
  }
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  return spin && std::string(spin) == "0";
}

}  // namespace

CpuThreadsInfo cpu_threads_info() {
  CpuThreadsInfo i;
  i.intra_op_threads = at::get_num_threads();
  const int parallel = openblas_query("openblas_get_parallel");  // 0 sequential, 1 pthreads, 2 OpenMP
  i.blas_parallel = parallel == 1 ? "pthreads" : parallel == 2 ? "openmp" : parallel == 0 ? "sequential" : "unknown";
  i.blas_threads = std::max(0, openblas_query("openblas_get_num_threads"));
  return i;
}

CpuThreadsGuard::CpuThreadsGuard(at::Device device, int requested) {
  previous_ = at::get_num_threads();
  info_ = cpu_threads_info();
  if (!device.is_cpu()) {
    info_.reason = "not a CPU device";
    return;
  }
  int want = previous_;
  if (requested > 0) {
    want = requested;
    info_.reason = "requested";
  } else if (info_.blas_parallel == "pthreads" && info_.blas_threads > 1 && !omp_waits_passively()) {
    want = 1;
    info_.reason = "auto: OpenBLAS runs its own pthreads pool and OpenMP workers would spin on its cores";
  } else {
    info_.reason = "auto: unchanged";
  }
  if (want != previous_) {
    at::set_num_threads(want);
    changed_ = true;
  }
  info_.intra_op_threads = at::get_num_threads();
}

CpuThreadsGuard::~CpuThreadsGuard() {
  if (changed_) at::set_num_threads(previous_);
}

}  // namespace rf
