// Allocation failures among LibTorch errors (see out_of_memory.h).
#include "train/out_of_memory.h"

#include <cstdint>

namespace rf {

bool out_of_memory_is(const std::string& what) {
  // CUDA (every LibTorch version), the CPU allocator, and std::bad_alloc's text when it is rethrown.
  for (const char* sign : {"out of memory", "can't allocate memory", "Cannot allocate memory", "std::bad_alloc"})
    if (what.find(sign) != std::string::npos) return true;
  return false;
}

std::string out_of_memory_message(const std::string& trainer, int64_t step, const std::string& advice) {
  return trainer + ": the device ran out of memory at step " + std::to_string(step) + "; lower " + advice;
}

}  // namespace rf
