// Helpers shared by the test suites: fixture paths and JSON/tensor conversions.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <string>

namespace rf::test {

inline std::string fixture_path(const std::string& relative) { return std::string(RECFORGE_FIXTURES_DIR) + "/" + relative; }

nlohmann::json fixture_json(const std::string& relative);

// A nested JSON array of numbers -> float32 tensor of the same shape.
at::Tensor json_to_tensor(const nlohmann::json& j);

// A JSON array of token ids -> (1, T) int64 tensor, the shape the model's forward takes.
at::Tensor json_ids_tensor(const nlohmann::json& ids);

double max_abs_diff(const at::Tensor& a, const at::Tensor& b);

}  // namespace rf::test
