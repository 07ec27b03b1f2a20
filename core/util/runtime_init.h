// Process-wide engine start-up: CPU thread count and the BLAS check. Called once by every executable.
#pragma once

#include <string>

namespace rf {

// Sets LibTorch's intra-op threads to the cores this process may use (unless OMP_NUM_THREADS is set;
// Debian's OpenMP build otherwise starts with 1) and returns a warning about the BLAS, or "".
// Keeps large freed blocks in the heap instead of returning them to the kernel (see the .cpp); runtime_init
// calls it, tests and benchmarks that train may call it too.
void runtime_malloc_tune();
std::string runtime_init();

int runtime_usable_cores();

// What runs the engine here, for a status bar: "CUDA (1 GPU)" when LibTorch sees a GPU, else
// "CPU (N threads)", followed by " · <BLAS name>" for the CPU's BLAS.
std::string runtime_device_summary();

}  // namespace rf
