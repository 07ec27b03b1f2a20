// A small generated corpus of recommendation-style sentences for the headless demo: readers with
// tastes, the titles they finished, and what they picked next. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rf::cli {

std::vector<std::string> demo_corpus_make(int lines, uint64_t seed);

}  // namespace rf::cli
