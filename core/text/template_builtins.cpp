// The template tests (`x is defined`), methods (`'a,b'.split(',')`, `d.items()`) and functions (`range`,
// `namespace`, `raise_exception`), and the lookup the parser uses for every callable (filters included):
// callable_find, callable_names, callable_check. docs/templates.md lists them all.
#include "text/template_library.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace rf::tmpl {

namespace {

// ---- tests --------------------------------------------------------------------------------------------------
RF_FN(t_defined) { RF_UNUSED; return Value::owned(at.name == "defined" ? !input.undefined : input.undefined); }
RF_FN(t_type) {
  RF_UNUSED;
  const json& v = input.get();
  const std::string& n = at.name;
  bool ok = false;
  if (n == "none") ok = v.is_null();
  else if (n == "boolean") ok = v.is_boolean();
  else if (n == "true") ok = v.is_boolean() && v.get<bool>();
  else if (n == "false") ok = v.is_boolean() && !v.get<bool>();
  else if (n == "number") ok = v.is_number();
  else if (n == "integer") ok = v.is_number_integer();
  else if (n == "float") ok = v.is_number_float();
  else if (n == "string") ok = v.is_string();
  else if (n == "mapping") ok = v.is_object();
  else if (n == "iterable" || n == "sequence") ok = v.is_array() || v.is_string() || v.is_object();
  else if (n == "lower") ok = v.is_string() && case_map(v.get<std::string>(), 0) == v.get<std::string>();
  else if (n == "upper") ok = v.is_string() && case_map(v.get<std::string>(), 1) == v.get<std::string>();
  return Value::owned(ok);
}
RF_FN(t_parity) {
  RF_UNUSED;
  const json& v = need(r, at, input, is_integer(input.get()) && !input.get().is_boolean(), "an integer");
  const int64_t x = as_int(v);
  if (at.name == "even") return Value::owned(x % 2 == 0);
  if (at.name == "odd") return Value::owned(x % 2 != 0);
  const int64_t d = arg_int(r, at, a, 0, 1, "num");
  if (d == 0) r.fail(at.pos, "'divisibleby': division by zero");
  return Value::owned(d == -1 || x % d == 0);
}
RF_FN(t_compare) {
  RF_UNUSED;
  const json& x = input.get();
  const json& y = *arg(a, 0);
  const std::string& n = at.name;
  if (n == "eq" || n == "equalto" || n == "==") return Value::owned(json_equal(x, y));
  if (n == "ne" || n == "!=") return Value::owned(!json_equal(x, y));
  const auto c = json_compare(x, y);
  if (!c) r.fail(at.pos, "cannot compare " + type_name(x) + " with " + type_name(y));
  if (n == "lt" || n == "lessthan" || n == "<") return Value::owned(*c < 0);
  if (n == "le" || n == "<=") return Value::owned(*c <= 0);
  if (n == "gt" || n == "greaterthan" || n == ">") return Value::owned(*c > 0);
  return Value::owned(*c >= 0);
}
RF_FN(t_in) {
  RF_UNUSED;
  const json& x = input.get();
  const json& seq = *arg(a, 0);
  if (seq.is_string()) return Value::owned(x.is_string() && seq.get<std::string>().find(x.get<std::string>()) != std::string::npos);
  if (seq.is_object()) return Value::owned(x.is_string() && seq.contains(x.get<std::string>()));
  if (!seq.is_array()) r.fail(at.pos, "'in' needs a string, list or mapping, not " + type_name(seq));
  for (const auto& y : seq)
    if (json_equal(x, y)) return Value::owned(true);
  return Value::owned(false);
}

// ---- methods (Python's str/dict methods that Hugging Face chat templates use) ------------------------------------
RF_FN(m_mapping) {
  RF_UNUSED;
  const json& v = need(r, at, input, input.get().is_object(), "a mapping");
  if (at.name == "get") {
    const json* key = arg(a, 0);
    if (key->is_string()) {
      auto it = v.find(key->get<std::string>());
      if (it != v.end()) return input.part(*it);
    }
    return Value::owned(arg(a, 1) ? *arg(a, 1) : json(nullptr));
  }
  json out = json::array();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (at.name == "keys") out.push_back(it.key());
    else if (at.name == "values") out.push_back(it.value());
    else out.push_back(json::array({it.key(), it.value()}));
  }
  return Value::owned(std::move(out));
}
RF_FN(m_string) {
  RF_UNUSED;
  const std::string& s = need(r, at, input, input.get().is_string(), "a string").get_ref<const std::string&>();
  const std::string& n = at.name;
  if (n == "lower") return Value::owned(case_map(s, 0));
  if (n == "upper") return Value::owned(case_map(s, 1));
  if (n == "title") return Value::owned(case_map(s, 2));
  if (n == "capitalize") return Value::owned(case_map(s, 3));
  if (n == "strip") return Value::owned(strip_chars(s, arg(a, 0), true, true));
  if (n == "lstrip") return Value::owned(strip_chars(s, arg(a, 0), true, false));
  if (n == "rstrip") return Value::owned(strip_chars(s, arg(a, 0), false, true));
  if (n == "startswith") return Value::owned(s.rfind(arg_string(r, at, a, 0, "", "prefix"), 0) == 0);
  if (n == "endswith") {
    const std::string suffix = arg_string(r, at, a, 0, "", "suffix");
    return Value::owned(s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0);
  }
  if (n == "replace")
    return Value::owned(replace_all(r, at, s, arg_string(r, at, a, 0, "", "old"), arg_string(r, at, a, 1, "", "new"), arg_int(r, at, a, 2, -1, "count")));
  if (n == "join") {
    const json* items = arg(a, 0);
    if (!items->is_array()) r.fail(at.pos, "'join' needs a list, not " + type_name(*items));
    std::string out;
    for (size_t i = 0; i < items->size(); ++i) {
      out += (i > 0 ? s : "") + value_to_string((*items)[i]);
      r.check_size(static_cast<int64_t>(out.size()), at.pos, "the joined string");
    }
    return Value::owned(std::move(out));
  }
  // split(sep=None, maxsplit=-1) as in Python.
  const json* sep = arg(a, 0);
  int64_t maxsplit = arg_int(r, at, a, 1, -1, "maxsplit");
  json out = json::array();
  r.spend(static_cast<int64_t>(s.size()) / 16 + 1, at.pos);
  if (sep == nullptr || sep->is_null()) {
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && is_ascii_space(s[i])) ++i;
      if (i >= s.size()) break;
      if (maxsplit == 0) {
        out.push_back(rstrip_space(s.substr(i)));
        break;
      }
      size_t j = i;
      while (j < s.size() && !is_ascii_space(s[j])) ++j;
      out.push_back(s.substr(i, j - i));
      --maxsplit;
      i = j;
    }
    return Value::owned(std::move(out));
  }
  const std::string d = arg_string(r, at, a, 0, "", "sep");
  if (d.empty()) r.fail(at.pos, "'split': the separator cannot be empty");
  size_t i = 0;
  for (size_t j = s.find(d); j != std::string::npos && maxsplit != 0; j = s.find(d, i), --maxsplit) {
    out.push_back(s.substr(i, j - i));
    i = j + d.size();
  }
  out.push_back(s.substr(i));
  return Value::owned(std::move(out));
}

// ---- functions ----------------------------------------------------------------------------------------------------
RF_FN(fn_range) {
  RF_UNUSED;
  int64_t start = 0, stop = arg_int(r, at, a, 0, 0, "start"), step = 1;
  if (arg(a, 1) != nullptr) {
    start = stop;
    stop = arg_int(r, at, a, 1, 0, "stop");
  }
  step = arg_int(r, at, a, 2, 1, "step");
  if (step == 0) r.fail(at.pos, "'range': the step cannot be zero");
  const double count = std::max(0.0, std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step)));
  r.check_size(count > 9e18 ? INT64_MAX : static_cast<int64_t>(count), at.pos, "the range");
  r.spend(static_cast<int64_t>(count), at.pos);
  json out = json::array();
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) {
    int64_t v;
    if (__builtin_mul_overflow(i, step, &v) || __builtin_add_overflow(start, v, &v)) break;
    if (step > 0 ? v >= stop : v <= stop) break;
    out.push_back(v);
  }
  return Value::owned(std::move(out));
}
RF_FN(fn_namespace) {
  RF_UNUSED;
  json out = json::object();
  for (const auto& kv : named) out[kv.first] = *kv.second;
  return Value::owned(std::move(out));
}
RF_FN(fn_raise) {
  RF_UNUSED;
  r.fail(at.pos, value_to_string(*arg(a, 0)));
}

using P = std::vector<const char*>;

const std::vector<Callable>& table(CallableKind kind) {
  static const std::vector<Callable> tests = {
      {"defined", {}, 0, false, true, t_defined},     {"undefined", {}, 0, false, true, t_defined},
      {"none", {}, 0, false, false, t_type},          {"boolean", {}, 0, false, false, t_type},
      {"true", {}, 0, false, false, t_type},          {"false", {}, 0, false, false, t_type},
      {"number", {}, 0, false, false, t_type},        {"integer", {}, 0, false, false, t_type},
      {"float", {}, 0, false, false, t_type},         {"string", {}, 0, false, false, t_type},
      {"mapping", {}, 0, false, false, t_type},       {"iterable", {}, 0, false, false, t_type},
      {"sequence", {}, 0, false, false, t_type},      {"lower", {}, 0, false, false, t_type},
      {"upper", {}, 0, false, false, t_type},         {"even", {}, 0, false, false, t_parity},
      {"odd", {}, 0, false, false, t_parity},         {"divisibleby", P{"num"}, 1, false, false, t_parity},
      {"eq", P{"other"}, 1, false, false, t_compare}, {"equalto", P{"other"}, 1, false, false, t_compare},
      {"==", P{"other"}, 1, false, false, t_compare}, {"ne", P{"other"}, 1, false, false, t_compare},
      {"!=", P{"other"}, 1, false, false, t_compare}, {"lt", P{"other"}, 1, false, false, t_compare},
      {"lessthan", P{"other"}, 1, false, false, t_compare}, {"<", P{"other"}, 1, false, false, t_compare},
      {"le", P{"other"}, 1, false, false, t_compare}, {"<=", P{"other"}, 1, false, false, t_compare},
      {"gt", P{"other"}, 1, false, false, t_compare}, {"greaterthan", P{"other"}, 1, false, false, t_compare},
      {">", P{"other"}, 1, false, false, t_compare},  {"ge", P{"other"}, 1, false, false, t_compare},
      {">=", P{"other"}, 1, false, false, t_compare}, {"in", P{"seq"}, 1, false, false, t_in},
  };
  static const std::vector<Callable> methods = {
      {"items", {}, 0, false, false, m_mapping},       {"keys", {}, 0, false, false, m_mapping},
      {"values", {}, 0, false, false, m_mapping},      {"get", P{"key", "default"}, 1, false, false, m_mapping},
      {"lower", {}, 0, false, false, m_string},        {"upper", {}, 0, false, false, m_string},
      {"title", {}, 0, false, false, m_string},        {"capitalize", {}, 0, false, false, m_string},
      {"strip", P{"chars"}, 0, false, false, m_string}, {"lstrip", P{"chars"}, 0, false, false, m_string},
      {"rstrip", P{"chars"}, 0, false, false, m_string}, {"startswith", P{"prefix"}, 1, false, false, m_string},
      {"endswith", P{"suffix"}, 1, false, false, m_string}, {"replace", P{"old", "new", "count"}, 2, false, false, m_string},
      {"join", P{"iterable"}, 1, false, false, m_string}, {"split", P{"sep", "maxsplit"}, 0, false, false, m_string},
  };
  static const std::vector<Callable> functions = {
      {"range", P{"start", "stop", "step"}, 1, false, false, fn_range},
      {"namespace", {}, 0, true, false, fn_namespace},
      {"dict", {}, 0, true, false, fn_namespace},
      {"raise_exception", P{"message"}, 1, false, false, fn_raise},
  };
  switch (kind) {
    case CallableKind::Filter: return filter_table();
    case CallableKind::Test: return tests;
    case CallableKind::Method: return methods;
    case CallableKind::Function: return functions;
  }
  return filter_table();
}

}  // namespace

const Callable* callable_find(CallableKind kind, const std::string& name) {
  for (const auto& c : table(kind))
    if (name == c.name) return &c;
  return nullptr;
}

std::vector<std::string> callable_names(CallableKind kind) {
  std::vector<std::string> out;
  for (const auto& c : table(kind))
    if (std::isalpha(static_cast<unsigned char>(c.name[0]))) out.emplace_back(c.name);
  return out;
}

std::string callable_check(const Callable& c, size_t positional, const std::vector<std::string>& keywords) {
  const size_t n = c.params.size();
  if (!c.variadic && positional > n)
    return n == 0 ? "takes no arguments (got " + std::to_string(positional) + ")"
                  : "takes at most " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + " (got " + std::to_string(positional) + ")";
  std::vector<bool> given(n, false);
  for (size_t i = 0; i < std::min(positional, n); ++i) given[i] = true;
  for (const auto& k : keywords) {
    size_t slot = 0;
    while (slot < n && k != c.params[slot]) ++slot;
    if (slot == n) {
      if (c.variadic) continue;
      std::string list;
      for (const char* p : c.params) list += (list.empty() ? "" : ", ") + std::string(p);
      return "has no argument '" + k + "'" + (list.empty() ? "" : " (its arguments: " + list + ")");
    }
    if (given[slot]) return "got the argument '" + k + "' twice";
    given[slot] = true;
  }
  for (int i = 0; i < c.required; ++i)
    if (!given[static_cast<size_t>(i)]) return "needs the argument '" + std::string(c.params[static_cast<size_t>(i)]) + "'";
  return "";
}

}  // namespace rf::tmpl
