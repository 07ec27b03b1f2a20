// What the teacher-trace suites share: the sample world's data (sample_data/) imported once, and
// traces_generate's records collected into a vector.
#pragma once

#include "data/dataset.h"
#include "teacher/teacher_traces.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rf::test {

// sample_data/ as a generic import (300 items, 300 users, 1-5 stars), made on first use.
const Dataset& sample_dataset();
// Every record traces_generate writes, in order; the summary too when asked.
std::vector<nlohmann::json> traces_collect(const Dataset& ds, const TraceOptions& o, TraceSummary* summary = nullptr);
// Options with the recipe, users, seed and preset set and every other field at its default.
TraceOptions trace_options(const std::string& recipe, int users, uint64_t seed, const std::string& preset = "");

}  // namespace rf::test
