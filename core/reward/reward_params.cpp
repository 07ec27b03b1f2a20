// Checked reading of JSON parameters: see reward_params.h.
#include "reward/reward_params.h"

#include "util/error.h"

#include <cmath>
#include <cstdio>

namespace rf {

using nlohmann::json;

void param_fail(const std::string& where, const std::string& message) { throw Error(where + ": " + message); }

namespace {

std::string bound_text(double x) {
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

}  // namespace

std::string param_type_name(const json& j) {
  if (j.is_number_integer() || j.is_number_unsigned()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_array()) return "a list";
  if (j.is_object()) return "an object";
  return "null";
}

ParamReader::ParamReader(const json& j, std::string where) : j_(j), where_(std::move(where)) {
  if (!j_.is_null() && !j_.is_object()) param_fail(where_, "expected an object, found " + param_type_name(j_));
}

bool ParamReader::has(const std::string& key) const { return j_.is_object() && j_.contains(key); }

const json* ParamReader::find(const std::string& key) {
  read_.insert(key);
  if (!j_.is_object()) return nullptr;
  const auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

const json* ParamReader::raw(const std::string& key) { return find(key); }

double ParamReader::number(const std::string& key, double fallback, double min, double max) {
  const json* v = find(key);
  if (!v) return fallback;
  if (!v->is_number()) param_fail(field(key), "expected a number, found " + param_type_name(*v));
  const double x = v->get<double>();
  if (!std::isfinite(x) || x < min || x > max)
    param_fail(field(key), "expected a number in [" + bound_text(min) + ", " + bound_text(max) + "], found " + v->dump());
  return x;
}

double ParamReader::optional_number(const std::string& key) {
  const json* v = find(key);
  if (!v || v->is_null()) return NAN;
  if (!v->is_number()) param_fail(field(key), "expected a number or null, found " + param_type_name(*v));
  const double x = v->get<double>();
  if (!std::isfinite(x)) param_fail(field(key), "expected a finite number");
  return x;
}

int ParamReader::integer(const std::string& key, int fallback, int min, int max) {
  const json* v = find(key);
  if (!v) return fallback;
  bool whole = v->is_number_integer() || v->is_number_unsigned();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    whole = std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 2e9;
  }
  if (!whole) param_fail(field(key), "expected an integer, found " + (v->is_number() ? v->dump() : param_type_name(*v)));
  const double x = v->get<double>();
  if (x < min || x > max)
    param_fail(field(key), "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], found " +
                               v->dump());
  return static_cast<int>(x);
}

bool ParamReader::boolean(const std::string& key, bool fallback) {
  const json* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) param_fail(field(key), "expected true or false, found " + param_type_name(*v));
  return v->get<bool>();
}

std::string ParamReader::text(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed) {
  const json* v = find(key);
  if (!v) return fallback;
  if (!v->is_string()) param_fail(field(key), "expected a string, found " + param_type_name(*v));
  std::string s = v->get<std::string>();
  if (allowed.empty()) return s;
  for (const std::string& a : allowed)
    if (a == s) return s;
  std::string list;
  for (size_t i = 0; i < allowed.size(); ++i) list += (i ? ", " : "") + allowed[i];
  param_fail(field(key), "'" + s + "' is not one of " + list);
}

std::vector<std::string> ParamReader::texts(const std::string& key, const std::vector<std::string>& fallback) {
  const json* v = find(key);
  if (!v) return fallback;
  if (!v->is_array()) param_fail(field(key), "expected a list of strings, found " + param_type_name(*v));
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string())
      param_fail(field(key) + "[" + std::to_string(i) + "]", "expected a string, found " + param_type_name((*v)[i]));
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

void ParamReader::finish() const {
  if (!j_.is_object()) return;
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (read_.count(it.key())) continue;
    std::string known;
    for (const std::string& k : read_) known += (known.empty() ? "" : ", ") + k;
    param_fail(field(it.key()), "unknown key (expected one of: " + (known.empty() ? std::string("none") : known) + ")");
  }
}

}  // namespace rf
