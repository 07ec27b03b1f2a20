// The template interpreter's internals, shared by template_render.cpp (statements and operators) and
// template_filters.cpp (filters, tests, methods, functions): the runtime Value, the per-render state with
// its limits, and the conversions every part uses (printing, truthiness, comparison, type names).
#pragma once

#include "text/template_parser.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rf::tmpl {

using json = nlohmann::json;

// A value during rendering: borrowed from the context / a variable (no copy) or owned, or undefined
// (with the message to report if it is used). `stable` borrowed values point into storage that cannot change
// until the render (or the enclosing loop) ends: the context, literals, the lists loops iterate. A loop over
// a stable list binds its variable by pointer instead of copying every item.
struct Value {
  const json* ref = nullptr;
  json own;
  bool stable = false;
  bool undefined = false;
  std::string undefined_message;
  SourcePos undefined_pos;

  const json& get() const { return ref != nullptr ? *ref : own; }
  json take() { return ref != nullptr ? *ref : std::move(own); }

  static Value borrowed(const json& j, bool stable = false) {
    Value v;
    v.ref = &j;
    v.stable = stable;
    return v;
  }
  static Value owned(json j) {
    Value v;
    v.own = std::move(j);
    return v;
  }
  static Value make_undefined(std::string message, SourcePos pos) {
    Value v;
    v.undefined = true;
    v.undefined_message = std::move(message);
    v.undefined_pos = pos;
    return v;
  }
  // A part of this value (an element, a field): borrowed when this is, else copied.
  Value part(const json& child) const { return ref != nullptr ? borrowed(child, stable) : owned(child); }
};

class Renderer;

// Arguments bound to a callable's parameters, in declaration order (nullptr = not given).
using Args = std::vector<const json*>;

struct Callable {
  const char* name;
  std::vector<const char*> params;  // in positional order; all may also be given by name
  int required = 0;                 // how many leading params are required
  bool variadic = false;            // extra positional / named arguments allowed (map, namespace)
  bool accepts_undefined = false;   // the input may be undefined (default, `is defined`)
  // Filter/Test/Method: `input` is the value filtered / tested / the method's object; Function: unused.
  // `extra` holds variadic positional args; `named` the variadic named ones.
  Value (*fn)(Renderer& r, const Expr& at, Value& input, const Args& args, const std::vector<const json*>& extra,
              const std::vector<std::pair<std::string, const json*>>& named);
};

class Renderer {
 public:
  Renderer(const std::string& name, const TemplateLimits& limits, const json& context);

  std::string render(const std::vector<Node>& body);

  // ---- services for filters and operators ----
  [[noreturn]] void fail(SourcePos pos, const std::string& message) const;
  // Counts elementary steps against TemplateLimits::max_work.
  void spend(int64_t steps, SourcePos pos);
  // Throws when a string or list built at `pos` would be larger than TemplateLimits::max_value_size.
  void check_size(int64_t size, SourcePos pos, const char* what) const;
  // Throws the undefined value's message (strict) or turns it into "" (lenient).
  void require(Value& v) const;
  const TemplateLimits& limits() const { return limits_; }
  const std::string& name() const { return name_; }

  Value eval(const Expr& e);
  bool truthy(Value& v);

 private:
  void render_nodes(const std::vector<Node>& body, std::string& out);
  void render_for(const Node& n, std::string& out);
  void render_set(const Node& n, std::string& out);
  void append(std::string& out, const std::string& s, SourcePos pos);

  Value lookup(const Expr& e);
  Value eval_attr(const Expr& e, Value base, const json& key);
  Value eval_slice(const Expr& e);
  Value eval_binary(const Expr& e);
  Value eval_call(const Expr& e, Value input, size_t first_arg);

  std::string name_;
  TemplateLimits limits_;
  const json& context_;
  // A variable: its own value (`set`), or a pointer to a stable value (a loop variable).
  struct Slot {
    json own;
    const json* ref = nullptr;
  };
  std::vector<std::map<std::string, Slot>> scopes_;  // innermost last; the context is below them all
  int64_t work_ = 0;
  int64_t iterations_ = 0;
  int64_t output_bytes_ = 0;  // across nested `set` captures too
};

// ---- conversions shared by operators and filters -----------------------------------------------------
// How a value prints: strings as they are, numbers as Python prints them (4.0, 3.5, 1e+20), true/false/none
// as True/False/None, lists and mappings in Python's notation.
std::string value_to_string(const json& v);
// Python truthiness: false, none, 0, "", [] and {} are false.
bool json_truthy(const json& v);
// "a string", "a number", "a list", "a mapping", "none", "a boolean".
std::string type_name(const json& v);
bool is_integer(const json& v);  // integer or boolean
// Numbers (and booleans) as double / int64.
double as_double(const json& v);
int64_t as_int(const json& v);
// -1/0/1, or nullopt when the two cannot be ordered (different kinds). Strings compare byte-wise
// (or case-insensitively with `fold_case`).
std::optional<int> json_compare(const json& a, const json& b, bool fold_case = false);
bool json_equal(const json& a, const json& b);
// Number of code points of a UTF-8 string.
int64_t utf8_length(const std::string& s);
// Compact JSON with ", " / ": " separators (Python's json.dumps), invalid UTF-8 replaced.
std::string json_dump(const json& v, int indent = -1);

}  // namespace rf::tmpl
