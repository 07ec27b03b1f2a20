// Telling an allocation failure apart from other LibTorch errors, for the trainers: a run that runs out
// of memory stops with a checkpoint and a message naming the settings to lower (DESIGN.md §7), instead of
// failing with the allocator's text. Both the CUDA caching allocator ("CUDA out of memory. Tried to
// allocate ...") and the CPU allocator ("DefaultCPUAllocator: can't allocate memory: ...") count: the
// workbench trains on CPUs too, where a long max_length can ask for more than the machine has.
#pragma once

#include <cstdint>
#include <string>

namespace rf {

// Whether a c10::Error's what() (or any error text) reports a failed allocation.
bool out_of_memory_is(const std::string& what);

// "<trainer>: the device ran out of memory at step N; lower <advice>" — the message a run stops with.
std::string out_of_memory_message(const std::string& trainer, int64_t step, const std::string& advice);

}  // namespace rf
