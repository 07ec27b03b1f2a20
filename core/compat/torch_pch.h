// Precompiled header: the heavy, stable headers every engine file uses (LibTorch, nlohmann_json,
// the standard library). Listed once here so a clean build parses them once per target.
#pragma once

#include <torch/types.h>
#include <torch/utils.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>
