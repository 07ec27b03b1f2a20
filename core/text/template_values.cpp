// Values in templates: how they print, compare and combine (the binary operators). Semantics follow
// Python/Jinja where that is well defined (integer vs float division, floor modulo, `and`/`or` returning
// an operand, "in" on strings/lists/mappings); anything else is a TemplateError naming both types, and
// every string or list an operator builds is size-checked before it is built.
#include "text/template_render.h"

#include "text/unicode.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

namespace rf::tmpl {

namespace {

bool is_numeric(const json& v) { return v.is_number() || v.is_boolean(); }

std::string python_repr_string(const std::string& s) {
  const bool use_double = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = use_double ? '"' : '\'';
  std::string out(1, q);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == static_cast<unsigned char>(q)) out += std::string("\\") + q;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += q;
  return out;
}

// Lists and objects with ", " and ": " between their parts, as Python's repr() writes them (python: quotes
// as Python picks them, True / None) or as compact JSON (tojson).
void write_nested(const json& v, bool python, std::string& out) {
  auto write_leaf = [&](const json& x) {
    if (python) out += x.is_string() ? python_repr_string(x.get_ref<const std::string&>()) : value_to_string(x);
    else out += x.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& x : v) {
      if (!first) out += ", ";
      first = false;
      write_nested(x, python, out);
    }
    out += ']';
  } else if (v.is_object()) {
    out += '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out += ", ";
      first = false;
      write_leaf(json(it.key()));
      out += ": ";
      write_nested(it.value(), python, out);
    }
    out += '}';
  } else {
    write_leaf(v);
  }
}

// a op b on int64, or nullopt on overflow (the caller falls back to doubles).
std::optional<int64_t> int_op(char op, int64_t a, int64_t b) {
  int64_t r = 0;
  bool overflow = false;
  if (op == '+') overflow = __builtin_add_overflow(a, b, &r);
  else if (op == '-') overflow = __builtin_sub_overflow(a, b, &r);
  else overflow = __builtin_mul_overflow(a, b, &r);
  if (overflow) return std::nullopt;
  return r;
}

std::optional<int64_t> int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) {
      if (__builtin_mul_overflow(result, base, &result)) return std::nullopt;
    }
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) return std::nullopt;
  }
  return result;
}

}  // namespace

std::string value_to_string(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return v.get_ref<const std::string&>();
    case json::value_t::null: return "None";
    case json::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case json::value_t::number_float: {
      const double d = v.get<double>();
      if (std::isnan(d)) return "nan";
      if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
      return v.dump();
    }
    case json::value_t::array:
    case json::value_t::object: {
      std::string out;
      write_nested(v, true, out);
      return out;
    }
    default: return "";
  }
}

bool json_truthy(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return false;
    case json::value_t::boolean: return v.get<bool>();
    case json::value_t::number_integer: return v.get<int64_t>() != 0;
    case json::value_t::number_unsigned: return v.get<uint64_t>() != 0;
    case json::value_t::number_float: return v.get<double>() != 0.0;
    case json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object: return !v.empty();
    default: return true;
  }
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "none";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "a mapping";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return "a value";
  }
}

bool is_integer(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  return v.is_number_integer() || v.is_boolean();
}

double as_double(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_number()) return v.get<double>();
  return 0.0;
}

int64_t as_int(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                          : static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isnan(d)) return 0;
    if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
    if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
  }
  return 0;
}

std::optional<int> json_compare(const json& a, const json& b, bool fold_case) {
  if (is_numeric(a) && is_numeric(b)) {
    if (is_integer(a) && is_integer(b)) {
      const int64_t x = as_int(a), y = as_int(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const double x = as_double(a), y = as_double(b);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const std::string& x = a.get_ref<const std::string&>();
    const std::string& y = b.get_ref<const std::string&>();
    if (!fold_case) return x < y ? -1 : (x > y ? 1 : 0);
    const size_t n = std::min(x.size(), y.size());
    for (size_t i = 0; i < n; ++i) {
      const int cx = std::tolower(static_cast<unsigned char>(x[i])), cy = std::tolower(static_cast<unsigned char>(y[i]));
      if (cx != cy) return cx < cy ? -1 : 1;
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_array() && b.is_array()) {
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
      const auto c = json_compare(a[i], b[i], fold_case);
      if (!c) return std::nullopt;
      if (*c != 0) return c;
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }
  if (a.is_null() && b.is_null()) return 0;
  return std::nullopt;
}

bool json_equal(const json& a, const json& b) {
  if (is_numeric(a) && is_numeric(b)) {
    const auto c = json_compare(a, b);
    return c && *c == 0;
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!json_equal(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !json_equal(it.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

int64_t utf8_length(const std::string& s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size();) {
    int len = 1;
    text::utf8_decode(s, i, len);
    i += static_cast<size_t>(len);
    ++n;
  }
  return n;
}

std::string json_dump(const json& v, int indent) {
  if (indent >= 0) return v.dump(indent, ' ', false, json::error_handler_t::replace);
  std::string out;
  write_nested(v, false, out);
  return out;
}

Value Renderer::eval_binary(const Expr& e) {
  const std::string& op = e.name;
  if (op == "and" || op == "or") {  // Python: the deciding operand itself, not a boolean
    Value l = eval(*e.args[0]);
    const bool t = truthy(l);
    if ((op == "and") != t) return l;
    return eval(*e.args[1]);
  }
  Value lv = eval(*e.args[0]);
  require(lv);
  Value rv = eval(*e.args[1]);
  require(rv);
  const json& a = lv.get();
  const json& b = rv.get();
  auto mismatch = [&]() -> Value {
    fail(e.pos, "cannot apply '" + op + "' to " + type_name(a) + " and " + type_name(b));
  };

  if (op == "==") return Value::owned(json_equal(a, b));
  if (op == "!=") return Value::owned(!json_equal(a, b));
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    const auto c = json_compare(a, b);
    if (!c) fail(e.pos, "cannot compare " + type_name(a) + " with " + type_name(b) + " using '" + op + "'");
    const bool r = op == "<" ? *c < 0 : op == "<=" ? *c <= 0 : op == ">" ? *c > 0 : *c >= 0;
    return Value::owned(r);
  }
  if (op == "in" || op == "not in") {
    bool found = false;
    if (b.is_string()) {
      if (!a.is_string()) fail(e.pos, "'in' on a string needs a string on the left, not " + type_name(a));
      spend(static_cast<int64_t>(b.get_ref<const std::string&>().size()) / 16 + 1, e.pos);
      found = b.get_ref<const std::string&>().find(a.get_ref<const std::string&>()) != std::string::npos;
    } else if (b.is_array()) {
      spend(static_cast<int64_t>(b.size()), e.pos);
      for (const auto& x : b)
        if (json_equal(a, x)) {
          found = true;
          break;
        }
    } else if (b.is_object()) {
      found = a.is_string() && b.contains(a.get_ref<const std::string&>());
    } else {
      fail(e.pos, "'" + op + "' needs a string, list or mapping on the right, not " + type_name(b));
    }
    return Value::owned(op == "in" ? found : !found);
  }
  if (op == "~") {
    std::string s = value_to_string(a);
    const std::string t = value_to_string(b);
    check_size(static_cast<int64_t>(s.size() + t.size()), e.pos, "the string built by '~'");
    spend(static_cast<int64_t>(s.size() + t.size()) / 16 + 1, e.pos);
    s += t;
    return Value::owned(std::move(s));
  }
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      check_size(static_cast<int64_t>(a.get_ref<const std::string&>().size() + b.get_ref<const std::string&>().size()),
                 e.pos, "the string built by '+'");
      return Value::owned(a.get<std::string>() + b.get<std::string>());
    }
    if (a.is_array() && b.is_array()) {
      check_size(static_cast<int64_t>(a.size() + b.size()), e.pos, "the list built by '+'");
      spend(static_cast<int64_t>(a.size() + b.size()), e.pos);
      json out = lv.take();
      for (const auto& x : b) out.push_back(x);
      return Value::owned(std::move(out));
    }
  }
  if (op == "*") {
    // Repetition: "ab" * 3, [x] * 3.
    const json* seq = (a.is_string() || a.is_array()) ? &a : ((b.is_string() || b.is_array()) ? &b : nullptr);
    const json* count = seq == &a ? &b : &a;
    if (seq != nullptr) {
      if (!is_integer(*count)) return mismatch();
      const int64_t n = std::max<int64_t>(0, as_int(*count));
      const int64_t unit = seq->is_string() ? static_cast<int64_t>(seq->get_ref<const std::string&>().size())
                                            : static_cast<int64_t>(seq->size());
      if (unit > 0 && n > limits().max_value_size / unit + 1) check_size(limits().max_value_size + 1, e.pos, "the repetition");
      check_size(unit * n, e.pos, "the repetition");
      spend(unit * n / (seq->is_string() ? 16 : 1) + 1, e.pos);
      if (seq->is_string()) {
        std::string out;
        for (int64_t i = 0; i < n; ++i) out += seq->get_ref<const std::string&>();
        return Value::owned(std::move(out));
      }
      json out = json::array();
      for (int64_t i = 0; i < n; ++i)
        for (const auto& x : *seq) out.push_back(x);
      return Value::owned(std::move(out));
    }
  }
  if (!is_numeric(a) || !is_numeric(b)) {
    if (op == "%" && a.is_string()) fail(e.pos, "'%' formatting of strings is not supported; join with '~' instead");
    return mismatch();
  }
  const bool ints = is_integer(a) && is_integer(b);
  if (op == "+" || op == "-" || op == "*") {
    if (ints)
      if (auto r = int_op(op[0], as_int(a), as_int(b))) return Value::owned(*r);
    const double x = as_double(a), y = as_double(b);
    return Value::owned(op == "+" ? x + y : op == "-" ? x - y : x * y);
  }
  if (op == "/") {
    if (as_double(b) == 0.0) fail(e.pos, "division by zero");
    return Value::owned(as_double(a) / as_double(b));
  }
  if (op == "//" || op == "%") {
    if (as_double(b) == 0.0) fail(e.pos, op == "%" ? "modulo by zero" : "division by zero");
    if (ints) {
      const int64_t x = as_int(a), y = as_int(b);
      if (y == -1) {
        if (op == "%") return Value::owned(int64_t{0});
        if (x == std::numeric_limits<int64_t>::min()) return Value::owned(-as_double(a));
        return Value::owned(-x);
      }
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return Value::owned(op == "//" ? q : m);
    }
    const double x = as_double(a), y = as_double(b);
    if (op == "//") return Value::owned(std::floor(x / y));
    double m = std::fmod(x, y);
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    return Value::owned(m);
  }
  if (op == "**") {
    if (ints && as_int(b) >= 0)
      if (auto r = int_pow(as_int(a), as_int(b))) return Value::owned(*r);
    return Value::owned(std::pow(as_double(a), as_double(b)));
  }
  return mismatch();
}

}  // namespace rf::tmpl
