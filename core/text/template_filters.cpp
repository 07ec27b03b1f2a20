// The template filters (`x | truncate(80)`, `xs | last(10)`, ...): each a Callable with declared parameters,
// so the parser can check calls and misspellings before anything renders. Tests, methods and functions are
// in template_builtins.cpp. docs/templates.md lists them all; keep the two in step.
#include "text/template_library.h"

#include "text/unicode.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

namespace rf::tmpl {

namespace {

const json& need_list(Renderer& r, const Expr& at, const Value& input) {
  return need(r, at, input, input.get().is_array(), "a list");
}

// A string input; numbers and the rest are printed first, as Jinja does for string filters.
std::string input_string(const Value& input) { return value_to_string(input.get()); }

// `item.a.b` / `item.0` by a dotted path; nullptr when a part is missing.
const json* attr_get(const json& item, const std::string& path) {
  const json* cur = &item;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit) && part.size() < 10) {
      const size_t i = std::stoul(part);
      if (i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

const json& attr_need(Renderer& r, const Expr& at, const json& item, const std::string& path, size_t index) {
  const json* v = attr_get(item, path);
  if (v == nullptr)
    r.fail(at.pos, quote(at.name) + ": item " + std::to_string(index + 1) + " (" + type_name(item) + ") has no attribute '" + path + "'");
  return *v;
}

// Sort keys must be all numbers, all strings, all lists or all none, so the comparison never fails midway.
void check_sortable(Renderer& r, const Expr& at, const std::vector<const json*>& keys) {
  auto kind = [](const json& v) { return v.is_number() || v.is_boolean() ? 0 : v.is_string() ? 1 : v.is_array() ? 2 : v.is_null() ? 3 : 4; };
  for (size_t i = 0; i < keys.size(); ++i) {
    if (kind(*keys[i]) == 4) r.fail(at.pos, quote(at.name) + ": cannot order " + type_name(*keys[i]));
    if (i > 0 && kind(*keys[i]) != kind(*keys[0]))
      r.fail(at.pos, quote(at.name) + ": cannot order " + type_name(*keys[0]) + " and " + type_name(*keys[i]) + " together");
  }
}

Value call_by_name(Renderer& r, const Expr& at, CallableKind kind, const std::string& name, Value input, const Extra& positional) {
  const Callable* c = callable_find(kind, name);
  if (c == nullptr) {
    const std::string guess = spelling_suggest(name, callable_names(kind));
    r.fail(at.pos, quote(at.name) + ": unknown " + (kind == CallableKind::Test ? "test " : "filter ") + quote(name) +
                       (guess.empty() ? "" : " — did you mean '" + guess + "'?"));
  }
  const std::string problem = callable_check(*c, positional.size(), {});
  if (!problem.empty()) r.fail(at.pos, quote(at.name) + ": " + quote(name) + " " + problem);
  Args args(c->params.size(), nullptr);
  Extra extra;
  for (size_t i = 0; i < positional.size(); ++i) (i < args.size() ? args[i] : extra.emplace_back()) = positional[i];
  if (!c->accepts_undefined && input.undefined) r.require(input);
  Expr callee;  // the callables dispatch on their own name, so they must see it rather than 'map' / 'select'
  callee.kind = at.kind;
  callee.pos = at.pos;
  callee.name = name;
  callee.callable = c;
  return c->fn(r, callee, input, args, extra, {});
}

// ---- filters --------------------------------------------------------------------------------------------------
RF_FN(f_abs) {
  RF_UNUSED;
  const json& v = need(r, at, input, input.get().is_number(), "a number");
  if (is_integer(v) && as_int(v) != INT64_MIN) return Value::owned(std::llabs(as_int(v)));
  return Value::owned(std::fabs(as_double(v)));
}
RF_FN(f_attr) {
  RF_UNUSED;
  const std::string path = arg_string(r, at, a, 0, "", "name");
  const json* v = attr_get(input.get(), path);
  if (v == nullptr) return Value::make_undefined(quote(path) + " is undefined on " + type_name(input.get()), at.pos);
  return input.part(*v);
}
RF_FN(f_case_lower) { RF_UNUSED; return Value::owned(case_map(input_string(input), 0)); }
RF_FN(f_case_upper) { RF_UNUSED; return Value::owned(case_map(input_string(input), 1)); }
RF_FN(f_case_title) { RF_UNUSED; return Value::owned(case_map(input_string(input), 2)); }
RF_FN(f_case_capitalize) { RF_UNUSED; return Value::owned(case_map(input_string(input), 3)); }
RF_FN(f_date) {
  RF_UNUSED;
  const json& v = need(r, at, input, input.get().is_number(), "a time in unix seconds");
  return Value::owned(format_date(r, at, as_double(v), arg_string(r, at, a, 0, "%Y-%m-%d", "format")));
}
RF_FN(f_default) {
  RF_UNUSED;
  const bool use_default = input.undefined || input.get().is_null() || (arg_bool(a, 1, false) && !json_truthy(input.get()));
  if (!use_default) return std::move(input);
  return Value::owned(arg(a, 0) != nullptr ? *arg(a, 0) : json(""));
}
RF_FN(f_first_last) {
  RF_UNUSED;
  const bool last = at.name == "last";
  const json& v = need(r, at, input, input.get().is_array() || input.get().is_string(), "a list or a string");
  const json* n_arg = arg(a, 0);
  if (v.is_string()) {
    const std::vector<std::string> chars = split_chars(v.get_ref<const std::string&>());
    const int64_t size = static_cast<int64_t>(chars.size());
    const int64_t n = n_arg ? std::clamp<int64_t>(arg_int(r, at, a, 0, 1, "n"), 0, size) : std::min<int64_t>(1, size);
    if (!n_arg && size == 0) return Value::make_undefined(quote(at.name) + " of an empty string is undefined", at.pos);
    std::string out;
    for (int64_t i = last ? size - n : 0; i < (last ? size : n); ++i) out += chars[static_cast<size_t>(i)];
    return Value::owned(std::move(out));
  }
  const int64_t size = static_cast<int64_t>(v.size());
  if (!n_arg) {
    if (size == 0) return Value::make_undefined(quote(at.name) + " of an empty list is undefined", at.pos);
    return input.part(v[last ? static_cast<size_t>(size - 1) : 0]);
  }
  const int64_t n = std::clamp<int64_t>(arg_int(r, at, a, 0, 1, "n"), 0, size);
  r.spend(n, at.pos);
  json out = json::array();
  for (int64_t i = last ? size - n : 0; i < (last ? size : n); ++i) out.push_back(v[static_cast<size_t>(i)]);
  return Value::owned(std::move(out));
}
RF_FN(f_float) {
  RF_UNUSED;
  const json& v = input.get();
  const double fallback = arg(a, 0) && arg(a, 0)->is_number() ? as_double(*arg(a, 0)) : 0.0;
  if (v.is_number() || v.is_boolean()) return Value::owned(as_double(v));
  if (v.is_string()) {
    const std::string s = strip_chars(v.get<std::string>(), nullptr, true, true);
    char* end = nullptr;
    errno = 0;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0) return Value::owned(d);
  }
  return Value::owned(fallback);
}
RF_FN(f_int) {
  RF_UNUSED;
  const json& v = input.get();
  const int64_t fallback = arg(a, 0) && is_integer(*arg(a, 0)) ? as_int(*arg(a, 0)) : 0;
  if (is_integer(v)) return Value::owned(as_int(v));
  if (v.is_number()) return Value::owned(as_int(v));
  if (v.is_string()) {
    const std::string s = strip_chars(v.get<std::string>(), nullptr, true, true);
    char* end = nullptr;
    errno = 0;
    const long long i = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0) return Value::owned(static_cast<int64_t>(i));
    errno = 0;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0 && std::isfinite(d)) return Value::owned(as_int(json(d)));
  }
  return Value::owned(fallback);
}
RF_FN(f_items) {
  RF_UNUSED;
  const json& v = need(r, at, input, input.get().is_object(), "a mapping");
  json out = json::array();
  for (auto it = v.begin(); it != v.end(); ++it) out.push_back(json::array({it.key(), it.value()}));
  r.spend(static_cast<int64_t>(out.size()), at.pos);
  return Value::owned(std::move(out));
}
RF_FN(f_join) {
  RF_UNUSED;
  const json& v = need(r, at, input, input.get().is_array() || input.get().is_string(), "a list");
  if (v.is_string()) return Value::owned(v);
  const std::string sep = value_to_string(arg(a, 0) ? *arg(a, 0) : json(""));
  const json* attribute = arg(a, 1);
  std::string out;
  size_t i = 0;
  for (const auto& x : v) {
    if (i > 0) out += sep;
    out += value_to_string(attribute && !attribute->is_null() ? attr_need(r, at, x, value_to_string(*attribute), i) : x);
    r.check_size(static_cast<int64_t>(out.size()), at.pos, "the joined string");
    ++i;
  }
  r.spend(static_cast<int64_t>(v.size() + out.size() / 16), at.pos);
  return Value::owned(std::move(out));
}
RF_FN(f_length) {
  RF_UNUSED;
  const json& v = input.get();
  if (v.is_string()) return Value::owned(utf8_length(v.get_ref<const std::string&>()));
  if (v.is_array() || v.is_object()) return Value::owned(static_cast<int64_t>(v.size()));
  r.fail(at.pos, quote(at.name) + " needs a string, list or mapping, not " + type_name(v));
}
RF_FN(f_list) {
  RF_UNUSED;
  const json& v = input.get();
  if (v.is_array()) return std::move(input);
  json out = json::array();
  if (v.is_string())
    for (auto& c : split_chars(v.get_ref<const std::string&>())) out.push_back(std::move(c));
  else if (v.is_object())
    for (auto it = v.begin(); it != v.end(); ++it) out.push_back(it.key());
  else
    r.fail(at.pos, quote(at.name) + " needs a string, list or mapping, not " + type_name(v));
  return Value::owned(std::move(out));
}
RF_FN(f_map) {
  RF_UNUSED;
  const json& v = need_list(r, at, input);
  json out = json::array();
  r.spend(static_cast<int64_t>(v.size()), at.pos);
  // As in Jinja, `attribute` and `default` are named only: positional arguments after the filter name go to
  // the filter (map('truncate', 20)).
  const json *attribute = nullptr, *fallback = nullptr;
  for (const auto& [key, value] : named) {
    if (key == "attribute") attribute = value;
    else if (key == "default") fallback = value;
    else r.fail(at.pos, "'map' has no argument '" + key + "' (its named arguments: attribute, default)");
  }
  if (attribute != nullptr && !attribute->is_null()) {
    if (arg(a, 0) != nullptr) r.fail(at.pos, "'map' takes a filter name or attribute=..., not both");
    const std::string path = value_to_string(*attribute);
    size_t i = 0;
    for (const auto& x : v) {
      const json* got = attr_get(x, path);
      if (got == nullptr && fallback == nullptr) attr_need(r, at, x, path, i);
      out.push_back(got ? *got : *fallback);
      ++i;
    }
    return Value::owned(std::move(out));
  }
  if (arg(a, 0) == nullptr || !arg(a, 0)->is_string())
    r.fail(at.pos, "'map' needs a filter name (map('upper')) or attribute=... (map(attribute='title'))");
  const std::string filter = arg(a, 0)->get<std::string>();
  for (const auto& x : v) out.push_back(call_by_name(r, at, CallableKind::Filter, filter, Value::borrowed(x), extra).take());
  return Value::owned(std::move(out));
}
RF_FN(f_min_max) {
  RF_UNUSED;
  const json& v = need_list(r, at, input);
  if (v.empty()) return Value::make_undefined(quote(at.name) + " of an empty list is undefined", at.pos);
  const json* attribute = arg(a, 0);
  const bool fold = !arg_bool(a, 1, false);
  std::vector<const json*> keys;
  for (size_t i = 0; i < v.size(); ++i)
    keys.push_back(attribute && !attribute->is_null() ? &attr_need(r, at, v[i], value_to_string(*attribute), i) : &v[i]);
  check_sortable(r, at, keys);
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    const int c = json_compare(*keys[i], *keys[best], fold).value_or(0);
    if (at.name == "max" ? c > 0 : c < 0) best = i;
  }
  return input.part(v[best]);
}
RF_FN(f_replace) {
  RF_UNUSED;
  return Value::owned(replace_all(r, at, input_string(input), arg_string(r, at, a, 0, "", "old"), arg_string(r, at, a, 1, "", "new"),
                                  arg_int(r, at, a, 2, -1, "count")));
}
RF_FN(f_reverse) {
  RF_UNUSED;
  const json& v = need(r, at, input, input.get().is_array() || input.get().is_string(), "a list or a string");
  if (v.is_string()) {
    std::vector<std::string> chars = split_chars(v.get_ref<const std::string&>());
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
    return Value::owned(std::move(out));
  }
  json out = json::array();
  for (auto it = v.rbegin(); it != v.rend(); ++it) out.push_back(*it);
  return Value::owned(std::move(out));
}
RF_FN(f_round) {
  RF_UNUSED;
  const json& v = need(r, at, input, input.get().is_number() || input.get().is_boolean(), "a number");
  const int64_t precision = std::clamp<int64_t>(arg_int(r, at, a, 0, 0, "precision"), -20, 20);
  const std::string method = arg_string(r, at, a, 1, "common", "method");
  if (is_integer(v) && !v.is_boolean() && precision >= 0) return Value::owned(as_int(v));  // as Python: round(7) is 7
  const double x = as_double(v), p = std::pow(10.0, static_cast<double>(precision));
  if (!std::isfinite(x) || !std::isfinite(x * p)) return Value::owned(x);
  double y;
  if (method == "common") y = std::round(x * p) / p;  // halves away from zero
  else if (method == "floor") y = std::floor(x * p) / p;
  else if (method == "ceil") y = std::ceil(x * p) / p;
  else r.fail(at.pos, "'round': method must be 'common', 'floor' or 'ceil', not '" + method + "'");
  return Value::owned(y);
}
RF_FN(f_select) {  // select / reject (a test on each item) and selectattr / rejectattr (on an attribute)
  RF_UNUSED;
  const json& v = need_list(r, at, input);
  const bool by_attr = at.name == "selectattr" || at.name == "rejectattr";
  const bool keep_when = at.name == "select" || at.name == "selectattr";
  const json* test = arg(a, by_attr ? 1 : 0);
  if (test != nullptr && !test->is_string()) r.fail(at.pos, quote(at.name) + ": the test must be named by a string");
  std::string path = by_attr ? arg_string(r, at, a, 0, "", "attribute") : "";
  json out = json::array();
  r.spend(static_cast<int64_t>(v.size()), at.pos);
  for (const auto& x : v) {
    Value subject = Value::borrowed(x);
    if (by_attr) {
      const json* got = attr_get(x, path);
      subject = got ? Value::borrowed(*got) : Value::make_undefined(quote(path) + " is undefined", at.pos);
    }
    bool ok;
    if (test == nullptr) {
      ok = subject.undefined ? false : json_truthy(subject.get());
    } else {
      ok = json_truthy(call_by_name(r, at, CallableKind::Test, test->get<std::string>(), std::move(subject), extra).get());
    }
    if (ok == keep_when) out.push_back(x);
  }
  return Value::owned(std::move(out));
}
RF_FN(f_sort) {
  RF_UNUSED;
  const json& v = need_list(r, at, input);
  const bool reverse = arg_bool(a, 0, false), fold = !arg_bool(a, 1, false);
  const json* attribute = arg(a, 2);
  std::vector<const json*> keys;
  for (size_t i = 0; i < v.size(); ++i)
    keys.push_back(attribute && !attribute->is_null() ? &attr_need(r, at, v[i], value_to_string(*attribute), i) : &v[i]);
  check_sortable(r, at, keys);
  std::vector<size_t> order(v.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  r.spend(static_cast<int64_t>(v.size()) * 20, at.pos);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const int c = json_compare(*keys[x], *keys[y], fold).value_or(0);
    return reverse ? c > 0 : c < 0;
  });
  json out = json::array();
  for (size_t i : order) out.push_back(v[i]);
  return Value::owned(std::move(out));
}
RF_FN(f_groupby) {
  RF_UNUSED;
  const json& v = need_list(r, at, input);
  const std::string path = arg_string(r, at, a, 0, "", "attribute");
  std::vector<const json*> keys;
  for (size_t i = 0; i < v.size(); ++i) {
    const json* k = attr_get(v[i], path);
    if (k == nullptr && arg(a, 1) == nullptr) attr_need(r, at, v[i], path, i);
    keys.push_back(k ? k : arg(a, 1));
  }
  check_sortable(r, at, keys);
  std::vector<size_t> order(v.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  r.spend(static_cast<int64_t>(v.size()) * 20, at.pos);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return json_compare(*keys[x], *keys[y]).value_or(0) < 0; });
  json out = json::array();
  for (size_t i : order) {
    if (out.empty() || !json_equal(out.back()["grouper"], *keys[i])) out.push_back(json{{"grouper", *keys[i]}, {"list", json::array()}});
    out.back()["list"].push_back(v[i]);
  }
  return Value::owned(std::move(out));
}
RF_FN(f_string) { RF_UNUSED; return Value::owned(input_string(input)); }
RF_FN(f_sum) {
  RF_UNUSED;
  const json& v = need_list(r, at, input);
  const json* attribute = arg(a, 0);
  json total = arg(a, 1) ? *arg(a, 1) : json(int64_t{0});
  bool ints = is_integer(total);
  int64_t isum = ints ? as_int(total) : 0;
  double dsum = as_double(total);
  for (size_t i = 0; i < v.size(); ++i) {
    const json& x = attribute && !attribute->is_null() ? attr_need(r, at, v[i], value_to_string(*attribute), i) : v[i];
    if (!x.is_number() && !x.is_boolean()) r.fail(at.pos, "'sum': item " + std::to_string(i + 1) + " is " + type_name(x) + ", not a number");
    if (ints && is_integer(x) && !__builtin_add_overflow(isum, as_int(x), &isum)) {
    } else {
      ints = false;
    }
    dsum += as_double(x);
  }
  r.spend(static_cast<int64_t>(v.size()), at.pos);
  return ints ? Value::owned(isum) : Value::owned(dsum);
}
RF_FN(f_tojson) {
  RF_UNUSED;
  const int64_t indent = std::clamp<int64_t>(arg_int(r, at, a, 0, -1, "indent"), -1, 16);
  r.spend(static_cast<int64_t>(input.get().size()), at.pos);
  std::string out = json_dump(input.get(), static_cast<int>(indent));
  r.check_size(static_cast<int64_t>(out.size()), at.pos, "the JSON text");
  return Value::owned(std::move(out));
}
RF_FN(f_trim) { RF_UNUSED; return Value::owned(strip_chars(input_string(input), arg(a, 0), true, true)); }
RF_FN(f_truncate) {
  RF_UNUSED;
  const std::string s = input_string(input);
  const int64_t length = arg_int(r, at, a, 0, 255, "length");
  if (length < 0) r.fail(at.pos, "'truncate': the length cannot be negative");
  const std::string end = arg_string(r, at, a, 1, "\u2026", "end");
  if (utf8_length(s) <= length) return Value::owned(s);
  const int64_t end_len = utf8_length(end);
  if (length <= end_len) return Value::owned(first_chars(s, length));
  return Value::owned(rstrip_space(first_chars(s, length - end_len)) + end);
}
RF_FN(f_truncate_words) {
  RF_UNUSED;
  const std::string s = input_string(input);
  const int64_t count = arg_int(r, at, a, 0, 0, "count");
  if (count < 0) r.fail(at.pos, "'truncate_words': the count cannot be negative");
  const std::vector<std::string> words = split_words(s);
  if (static_cast<int64_t>(words.size()) <= count) return Value::owned(s);
  std::string out;
  for (int64_t i = 0; i < count; ++i) out += (i > 0 ? " " : "") + words[static_cast<size_t>(i)];
  return Value::owned(out + arg_string(r, at, a, 1, "\u2026", "end"));
}
RF_FN(f_unique) {
  RF_UNUSED;
  const json& v = need_list(r, at, input);
  const bool fold = !arg_bool(a, 0, false);
  const json* attribute = arg(a, 1);
  std::unordered_set<std::string> seen;
  json out = json::array();
  for (size_t i = 0; i < v.size(); ++i) {
    const json& k = attribute && !attribute->is_null() ? attr_need(r, at, v[i], value_to_string(*attribute), i) : v[i];
    std::string key = k.is_number() ? json_dump(json(as_double(k))) : json_dump(k);
    if (fold && k.is_string()) key = case_map(key, 0);
    if (seen.insert(key).second) out.push_back(v[i]);
  }
  r.spend(static_cast<int64_t>(v.size()) * 4, at.pos);
  return Value::owned(std::move(out));
}
RF_FN(f_wordcount) { RF_UNUSED; return Value::owned(static_cast<int64_t>(split_words(input_string(input)).size())); }
RF_FN(f_indent) {
  RF_UNUSED;
  const json* w = arg(a, 0);
  const std::string pad = w && w->is_string() ? w->get<std::string>()
                                              : std::string(static_cast<size_t>(std::clamp<int64_t>(arg_int(r, at, a, 0, 4, "width"), 0, 100)), ' ');
  const bool first = arg_bool(a, 1, false), blank = arg_bool(a, 2, false);
  const std::string s = input_string(input);
  std::string out;
  size_t i = 0;
  bool first_line = true;
  while (i <= s.size()) {
    const size_t nl = s.find('\n', i);
    const std::string line = s.substr(i, nl == std::string::npos ? std::string::npos : nl - i);
    if ((first_line ? first : true) && (blank || !line.empty())) out += pad;
    out += line;
    first_line = false;
    if (nl == std::string::npos) break;
    out += '\n';
    i = nl + 1;
    r.check_size(static_cast<int64_t>(out.size()), at.pos, "the indented string");
  }
  return Value::owned(std::move(out));
}

}  // namespace

const std::vector<Callable>& filter_table() {
  using P = std::vector<const char*>;
  static const std::vector<Callable> filters = {
      {"abs", {}, 0, false, false, f_abs},
      {"attr", P{"name"}, 1, false, false, f_attr},
      {"capitalize", {}, 0, false, false, f_case_capitalize},
      {"count", {}, 0, false, false, f_length},
      {"d", P{"default_value", "boolean"}, 0, false, true, f_default},
      {"date", P{"format"}, 0, false, false, f_date},
      {"default", P{"default_value", "boolean"}, 0, false, true, f_default},
      {"first", P{"n"}, 0, false, false, f_first_last},
      {"float", P{"default"}, 0, false, false, f_float},
      {"groupby", P{"attribute", "default"}, 1, false, false, f_groupby},
      {"indent", P{"width", "first", "blank"}, 0, false, false, f_indent},
      {"int", P{"default"}, 0, false, false, f_int},
      {"items", {}, 0, false, false, f_items},
      {"join", P{"d", "attribute"}, 0, false, false, f_join},
      {"last", P{"n"}, 0, false, false, f_first_last},
      {"length", {}, 0, false, false, f_length},
      {"list", {}, 0, false, false, f_list},
      {"lower", {}, 0, false, false, f_case_lower},
      {"map", P{"filter"}, 0, true, false, f_map},  // variadic: filter arguments, attribute=, default=
      {"max", P{"attribute", "case_sensitive"}, 0, false, false, f_min_max},
      {"min", P{"attribute", "case_sensitive"}, 0, false, false, f_min_max},
      {"reject", P{"test"}, 0, true, false, f_select},
      {"rejectattr", P{"attribute", "test"}, 1, true, false, f_select},
      {"replace", P{"old", "new", "count"}, 2, false, false, f_replace},
      {"reverse", {}, 0, false, false, f_reverse},
      {"round", P{"precision", "method"}, 0, false, false, f_round},
      {"select", P{"test"}, 0, true, false, f_select},
      {"selectattr", P{"attribute", "test"}, 1, true, false, f_select},
      {"sort", P{"reverse", "case_sensitive", "attribute"}, 0, false, false, f_sort},
      {"string", {}, 0, false, false, f_string},
      {"sum", P{"attribute", "start"}, 0, false, false, f_sum},
      {"title", {}, 0, false, false, f_case_title},
      {"tojson", P{"indent"}, 0, false, false, f_tojson},
      {"trim", P{"chars"}, 0, false, false, f_trim},
      {"truncate", P{"length", "end"}, 0, false, false, f_truncate},
      {"truncate_words", P{"count", "end"}, 1, false, false, f_truncate_words},
      {"unique", P{"case_sensitive", "attribute"}, 0, false, false, f_unique},
      {"upper", {}, 0, false, false, f_case_upper},
      {"wordcount", {}, 0, false, false, f_wordcount},
  };
  return filters;
}

}  // namespace rf::tmpl
