// What every benchmark reports about the machine and the process beside its own numbers: the CPU model,
// peak memory, and CPU time (process and thread), which on a shared machine is the figure that does not
// depend on how much of the CPU other processes took.
#pragma once

#include <string>
#include <vector>

namespace rf::cli {

std::string bench_cpu_model();     // /proc/cpuinfo "model name", or "unknown"
double bench_peak_rss_mb();        // VmHWM of this process, MiB
double bench_process_cpu_s();      // CPU seconds of the whole process (all threads)
double bench_thread_cpu_s();       // CPU seconds of the calling thread
double bench_median(std::vector<double> v);  // 0 for an empty vector

}  // namespace rf::cli
