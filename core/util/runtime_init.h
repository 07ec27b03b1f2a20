// Process-wide engine start-up: CPU thread count and the BLAS check. Called once by every executable.
#pragma once

#include <string>

namespace rf {

// Sets LibTorch's intra-op threads to the cores this process may use (unless OMP_NUM_THREADS is set;
// Debian's OpenMP build otherwise starts with 1) and returns a warning about the BLAS, or "".
std::string runtime_init();

int runtime_usable_cores();

}  // namespace rf
