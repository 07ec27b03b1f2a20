// Checks shared by the classic baselines: their hyper-parameters from a JSON object (`--params` in the
// CLI; unknown keys and values of the wrong type are errors naming the model, the key and what was
// expected), and the data handed to fit() / score().
#pragma once

#include "eval/recommender.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace rf {

// Throws unless `params` is null or an object whose keys are all in `allowed`.
inline void params_check(const nlohmann::json& params, const std::string& model, const std::vector<std::string>& allowed) {
  if (params.is_null()) return;
  if (!params.is_object()) throw Error(model + ": params must be a JSON object, got " + params.dump());
  for (const auto& [key, value] : params.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw Error(model + ": unknown parameter '" + key + "' (expected " + (list.empty() ? "none" : list) + ")");
  }
}

inline double params_number(const nlohmann::json& params, const std::string& model, const std::string& key, double fallback) {
  if (params.is_null() || !params.contains(key)) return fallback;
  const auto& v = params.at(key);
  if (!v.is_number()) throw Error(model + ": parameter '" + key + "' must be a number, got " + v.dump());
  return v.get<double>();
}

inline int64_t params_int(const nlohmann::json& params, const std::string& model, const std::string& key, int64_t fallback) {
  if (params.is_null() || !params.contains(key)) return fallback;
  const auto& v = params.at(key);
  if (!v.is_number_integer()) throw Error(model + ": parameter '" + key + "' must be an integer, got " + v.dump());
  return v.get<int64_t>();
}

// Throws unless `data` points at a dataset and a split made for it.
inline void fit_data_check(const FitData& data, const std::string& model) {
  if (!data.ds || !data.split) throw Error(model + ": fit needs a dataset and a split");
  if (data.split->users.size() != data.ds->users.size())
    throw Error(model + ": the split has " + std::to_string(data.split->users.size()) + " users but the dataset has " +
                std::to_string(data.ds->users.size()));
}

// Throws unless every item of `items` is a catalogue index.
inline void items_check(const std::vector<int32_t>& items, int32_t n_items, const std::string& model, const char* what) {
  for (int32_t i : items)
    if (i < 0 || i >= n_items)
      throw Error(model + ": " + what + " holds item index " + std::to_string(i) + ", outside the catalogue (" +
                  std::to_string(n_items) + " items)");
}

}  // namespace rf
