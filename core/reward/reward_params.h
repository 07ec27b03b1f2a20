// Reads a component's JSON parameters with checks, so a configuration mistake is reported as
// "<where>.<field>: <what was expected>" instead of being silently ignored: every read names its key, and
// finish() rejects keys nobody read (typos such as "wieght").
#pragma once

#include <nlohmann/json.hpp>

#include <limits>
#include <set>
#include <string>
#include <vector>

namespace rf {

class ParamReader {
 public:
  // `j` must be an object or null (null = every parameter at its default).
  ParamReader(const nlohmann::json& j, std::string where);

  double number(const std::string& key, double fallback, double min = -std::numeric_limits<double>::infinity(),
                double max = std::numeric_limits<double>::infinity());
  // A number or null (null / absent -> NaN, meaning "not set").
  double optional_number(const std::string& key);
  int integer(const std::string& key, int fallback, int min = std::numeric_limits<int>::min(),
              int max = std::numeric_limits<int>::max());
  bool boolean(const std::string& key, bool fallback);
  // A string; when `allowed` is not empty it must be one of them.
  std::string text(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed = {});
  std::vector<std::string> texts(const std::string& key, const std::vector<std::string>& fallback);
  // The raw value (nullptr when absent), marked as read.
  const nlohmann::json* raw(const std::string& key);
  bool has(const std::string& key) const;

  // Throws rf::Error for a key that was never read.
  void finish() const;

  std::string field(const std::string& key) const { return where_ + "." + key; }
  const std::string& where() const { return where_; }

 private:
  const nlohmann::json* find(const std::string& key);
  const nlohmann::json& j_;
  std::string where_;
  std::set<std::string> read_;
};

// "<where>: expected <what>, found <type name>" as rf::Error.
[[noreturn]] void param_fail(const std::string& where, const std::string& message);
std::string param_type_name(const nlohmann::json& j);

}  // namespace rf
