// The template interpreter (see template_render.h): walks the syntax tree, evaluating expressions to
// Values that borrow from the context where they can (rendering one prompt copies little), with every
// loop, string and list bounded by TemplateLimits. template_render() turns anything unexpected into a
// TemplateError, so no input can escape as a crash.
#include "text/template_render.h"

#include "text/unicode.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rf::tmpl {

namespace {

constexpr int kMaxValueDepth = 64;  // nesting of lists/mappings a template may build

// Depth of nested containers, stopping early past `limit`.
int json_depth(const json& v, int limit) {
  if (limit <= 0 || !v.is_structured()) return 0;
  int d = 0;
  for (const auto& x : v) {
    d = std::max(d, json_depth(x, limit - 1));
    if (d >= limit - 1) break;
  }
  return d + 1;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

Renderer::Renderer(const std::string& name, const TemplateLimits& limits, const json& context)
    : name_(name), limits_(limits), context_(context) {}

void Renderer::fail(SourcePos pos, const std::string& message) const {
  throw TemplateError(name_, pos.line, pos.column, message);
}

void Renderer::spend(int64_t steps, SourcePos pos) {
  work_ += std::max<int64_t>(steps, 0);
  if (work_ > limits_.max_work)
    fail(pos, "the template does too much work (more than " + std::to_string(limits_.max_work) +
                  " steps, TemplateLimits::max_work): is a loop or filter running over something huge?");
}

void Renderer::check_size(int64_t size, SourcePos pos, const char* what) const {
  if (size > limits_.max_value_size)
    fail(pos, std::string(what) + " would be larger than " + std::to_string(limits_.max_value_size) +
                  " (TemplateLimits::max_value_size)");
}

void Renderer::require(Value& v) const {
  if (!v.undefined) return;
  if (limits_.strict_undefined) fail(v.undefined_pos, v.undefined_message);
  v = Value::owned("");
}

bool Renderer::truthy(Value& v) {
  if (v.undefined && !limits_.strict_undefined) return false;
  require(v);
  return json_truthy(v.get());
}

std::string Renderer::render(const std::vector<Node>& body) {
  scopes_.emplace_back();  // the template's own variables (`set` at the top level)
  std::string out;
  render_nodes(body, out);
  return out;
}

void Renderer::append(std::string& out, const std::string& s, SourcePos pos) {
  output_bytes_ += static_cast<int64_t>(s.size());
  if (output_bytes_ > limits_.max_output_bytes)
    fail(pos, "the output is larger than " + std::to_string(limits_.max_output_bytes) +
                  " bytes (TemplateLimits::max_output_bytes)");
  out += s;
}

void Renderer::render_nodes(const std::vector<Node>& body, std::string& out) {
  for (const Node& n : body) {
    spend(1, n.pos);
    switch (n.kind) {
      case NodeKind::Text: append(out, n.text, n.pos); break;
      case NodeKind::Output: {
        Value v = eval(*n.expr);
        require(v);
        const json& j = v.get();
        if (j.is_string()) append(out, j.get_ref<const std::string&>(), n.pos);
        else append(out, value_to_string(j), n.pos);
        break;
      }
      case NodeKind::If: {
        size_t branch = 0;
        for (; branch < n.conditions.size(); ++branch) {
          Value c = eval(*n.conditions[branch]);
          if (truthy(c)) break;
        }
        if (branch < n.bodies.size()) render_nodes(n.bodies[branch], out);
        break;
      }
      case NodeKind::For: render_for(n, out); break;
      case NodeKind::Set: render_set(n, out); break;
    }
  }
}

void Renderer::render_for(const Node& n, std::string& out) {
  Value seq = eval(*n.expr);
  require(seq);
  // The items, as pointers into a list that stays unchanged while the loop runs: the stable list itself
  // (the context, another loop's list), or `owned`, a copy this frame keeps (a variable the body may reassign,
  // a filter's result, the keys of a mapping, the characters of a string).
  json owned;
  const json* list = nullptr;
  const json& src = seq.get();
  if (src.is_array()) {
    if (seq.ref != nullptr && seq.stable) {
      list = seq.ref;
    } else {
      spend(static_cast<int64_t>(src.size()), n.pos);
      owned = seq.take();
      list = &owned;
    }
  } else if (src.is_object()) {  // a mapping iterates over its keys, as in Python
    owned = json::array();
    for (auto it = src.begin(); it != src.end(); ++it) owned.push_back(it.key());
    list = &owned;
  } else if (src.is_string()) {  // a string iterates over its characters
    owned = json::array();
    const std::string& s = src.get_ref<const std::string&>();
    for (size_t i = 0; i < s.size();) {
      int len = 1;
      text::utf8_decode(s, i, len);
      owned.push_back(s.substr(i, static_cast<size_t>(len)));
      i += static_cast<size_t>(len);
    }
    list = &owned;
  } else if (src.is_null()) {
    fail(n.expr->pos, quote(expr_describe(*n.expr)) + " is none, which cannot be looped over");
  } else {
    fail(n.expr->pos, quote(expr_describe(*n.expr)) + " is " + type_name(src) + ", which cannot be looped over");
  }
  spend(static_cast<int64_t>(list->size()), n.pos);

  scopes_.emplace_back();
  auto bind = [&](const json& item) {
    auto& scope = scopes_.back();
    if (n.targets.size() == 1) {
      scope[n.targets[0]].ref = &item;
      return;
    }
    if (!item.is_array() || item.size() != n.targets.size())
      fail(n.pos, "cannot unpack " + type_name(item) + (item.is_array() ? " of " + std::to_string(item.size()) + " items" : "") +
                      " into " + std::to_string(n.targets.size()) + " loop variables");
    for (size_t k = 0; k < n.targets.size(); ++k) scope[n.targets[k]].ref = &item[k];
  };
  auto count_iteration = [&] {
    if (++iterations_ > limits_.max_loop_iterations)
      fail(n.pos, "more than " + std::to_string(limits_.max_loop_iterations) + " loop iterations (TemplateLimits::max_loop_iterations)");
  };

  std::vector<const json*> items;
  items.reserve(list->size());
  for (const json& item : *list) {
    if (n.condition) {  // `for x in xs if cond`: filtered first, so loop.length counts what is looped over
      count_iteration();
      bind(item);
      Value c = eval(*n.condition);
      if (!truthy(c)) continue;
    }
    items.push_back(&item);
  }

  const int64_t length = static_cast<int64_t>(items.size());
  // `loop` is built once and updated in place: a fresh mapping per iteration would dominate small bodies.
  json& loop = scopes_.back()["loop"].own;
  loop = json{{"index", 1}, {"index0", 0}, {"revindex", length}, {"revindex0", length - 1}, {"first", true},
              {"last", length == 1}, {"length", length}};
  json* fields[6] = {&loop["index"], &loop["index0"], &loop["revindex"], &loop["revindex0"], &loop["first"], &loop["last"]};
  for (int64_t i = 0; i < length; ++i) {
    count_iteration();
    bind(*items[static_cast<size_t>(i)]);
    *fields[0] = i + 1;
    *fields[1] = i;
    *fields[2] = length - i;
    *fields[3] = length - i - 1;
    *fields[4] = i == 0;
    *fields[5] = i == length - 1;
    render_nodes(n.bodies[0], out);
  }
  scopes_.pop_back();
  if (length == 0) render_nodes(n.else_body, out);
}

void Renderer::render_set(const Node& n, std::string& out) {
  (void)out;
  json value;
  if (n.expr) {
    Value v = eval(*n.expr);
    require(v);
    value = v.take();
  } else {  // {% set x %}...{% endset %}: the body's output
    std::string captured;
    render_nodes(n.bodies[0], captured);
    value = std::move(captured);
  }
  // A loop can nest a value one level deeper on every pass ({% set x = dict(a=x) %}); printing or copying
  // it would then recurse without bound, so assignments are capped like literals.
  if (json_depth(value, kMaxValueDepth) >= kMaxValueDepth - 1)
    fail(n.pos, "the value nests deeper than " + std::to_string(kMaxValueDepth) + " levels");
  if (n.targets.size() == 1) {
    Slot& slot = scopes_.back()[n.targets[0]];
    slot.own = std::move(value);
    slot.ref = nullptr;
    return;
  }
  // `set ns.attr = value`: changes the mapping in the scope that holds it (how a loop passes a value out).
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = it->find(n.targets[0]);
    if (found == it->end()) continue;
    Slot& slot = found->second;
    if (slot.ref != nullptr || !slot.own.is_object())
      fail(n.pos, "cannot set '" + n.targets[1] + "' on '" + n.targets[0] + "', which is " +
                      (slot.ref != nullptr ? "a loop variable" : type_name(slot.own)) + " (use namespace() to make a mapping)");
    slot.own[n.targets[1]] = std::move(value);
    return;
  }
  fail(n.pos, "'" + n.targets[0] + "' is not a variable of the template (the context cannot be changed); "
              "create it first with {% set " + n.targets[0] + " = namespace() %}");
}

// ---- expressions -----------------------------------------------------------------------------------------

Value Renderer::lookup(const Expr& e) {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = it->find(e.name);
    if (found == it->end()) continue;
    // A loop variable points into a list that outlives the loop body; a `set` variable can be reassigned.
    if (found->second.ref != nullptr) return Value::borrowed(*found->second.ref, true);
    return Value::borrowed(found->second.own, false);
  }
  if (context_.is_object()) {
    auto found = context_.find(e.name);
    if (found != context_.end()) return Value::borrowed(*found, true);
  }
  std::vector<std::string> names;
  for (const auto& scope : scopes_)
    for (const auto& kv : scope) names.push_back(kv.first);
  if (context_.is_object())
    for (auto it = context_.begin(); it != context_.end(); ++it) names.push_back(it.key());
  const std::string guess = spelling_suggest(e.name, names);
  return Value::make_undefined(quote(e.name) + " is undefined" + (guess.empty() ? "" : " — did you mean '" + guess + "'?"), e.pos);
}

Value Renderer::eval_attr(const Expr& e, Value base, const json& key) {
  if (base.undefined) return base;  // report the first undefined part
  const json& b = base.get();
  // Messages are built only on the failure paths: attribute access is the hot path of every prompt.
  auto undefined = [&]() { return quote(expr_describe(e)) + " is undefined"; };
  if (b.is_object() && key.is_string()) {
    auto found = b.find(key.get_ref<const std::string&>());
    if (found != b.end()) return base.part(*found);
    std::vector<std::string> keys;
    for (auto it = b.begin(); it != b.end(); ++it) keys.push_back(it.key());
    const std::string guess = spelling_suggest(key.get<std::string>(), keys);
    return Value::make_undefined(undefined() + (guess.empty() ? "" : " — did you mean '" + guess + "'?"), e.pos);
  }
  if ((b.is_array() || b.is_string()) && is_integer(key) && !key.is_boolean()) {
    const int64_t size = b.is_array() ? static_cast<int64_t>(b.size()) : utf8_length(b.get_ref<const std::string&>());
    int64_t i = as_int(key);
    if (i < 0) i += size;
    if (i < 0 || i >= size)
      return Value::make_undefined(undefined() + " (index " + std::to_string(as_int(key)) + " is outside " + type_name(b) +
                                       " of " + std::to_string(size) + (b.is_array() ? " items)" : " characters)"),
                                   e.pos);
    if (b.is_array()) return base.part(b[static_cast<size_t>(i)]);
    const std::string& s = b.get_ref<const std::string&>();
    size_t at = 0;
    for (int64_t k = 0; k < i; ++k) {
      int len = 1;
      text::utf8_decode(s, at, len);
      at += static_cast<size_t>(len);
    }
    int len = 1;
    text::utf8_decode(s, at, len);
    return Value::owned(s.substr(at, static_cast<size_t>(len)));
  }
  const std::string base_shown = expr_describe(*e.args[0]);
  std::string why;
  if (b.is_null()) {
    why = quote(base_shown) + " is none";
  } else if (key.is_string()) {
    why = quote(base_shown) + " is " + type_name(b) + ", which has no attributes";
    if (callable_find(CallableKind::Filter, key.get<std::string>()) != nullptr)
      why += "; did you mean '" + base_shown + " | " + key.get<std::string>() + "'?";
  } else {
    why = type_name(b) + " cannot be indexed with " + type_name(key);
  }
  return Value::make_undefined(undefined() + " (" + why + ")", e.pos);
}

Value Renderer::eval_slice(const Expr& e) {
  Value base = eval(*e.args[0]);
  require(base);
  const json& b = base.get();
  int64_t bound[3] = {0, 0, 1};
  bool given[3] = {false, false, false};
  for (int k = 0; k < 3; ++k) {
    if (!e.args[k + 1]) continue;
    Value v = eval(*e.args[k + 1]);
    require(v);
    if (v.get().is_null()) continue;
    if (!is_integer(v.get())) fail(e.args[k + 1]->pos, "slice bounds must be integers, not " + type_name(v.get()));
    bound[k] = as_int(v.get());
    given[k] = true;
  }
  if (!b.is_array() && !b.is_string()) fail(e.pos, quote(expr_describe(*e.args[0])) + " is " + type_name(b) + ", which cannot be sliced");
  const int64_t step = given[2] ? bound[2] : 1;
  if (step == 0) fail(e.pos, "slice step cannot be zero");
  // Python's slice semantics, with negative indices counted from the end.
  std::vector<std::string> chars;
  if (b.is_string()) {
    const std::string& s = b.get_ref<const std::string&>();
    for (size_t i = 0; i < s.size();) {
      int len = 1;
      text::utf8_decode(s, i, len);
      chars.push_back(s.substr(i, static_cast<size_t>(len)));
      i += static_cast<size_t>(len);
    }
  }
  const int64_t size = b.is_array() ? static_cast<int64_t>(b.size()) : static_cast<int64_t>(chars.size());
  auto clamp = [&](int64_t i, bool is_given, bool is_start) {
    if (!is_given) return step > 0 ? (is_start ? 0 : size) : (is_start ? size - 1 : -1);
    if (i < 0) i += size;
    if (step > 0) return std::clamp<int64_t>(i, 0, size);
    return std::clamp<int64_t>(i, -1, size - 1);
  };
  const int64_t start = clamp(bound[0], given[0], true), stop = clamp(bound[1], given[1], false);
  spend(size, e.pos);
  if (b.is_array()) {
    json out = json::array();
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(b[static_cast<size_t>(i)]);
    return Value::owned(std::move(out));
  }
  std::string out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out += chars[static_cast<size_t>(i)];
  return Value::owned(std::move(out));
}

Value Renderer::eval_call(const Expr& e, Value input, size_t first_arg) {
  const Callable& c = *e.callable;
  std::vector<Value> held;  // keeps the argument values alive while the callable runs
  held.reserve(e.args.size() - first_arg + e.kwargs.size());
  Args args(c.params.size(), nullptr);
  std::vector<const json*> extra;
  std::vector<std::pair<std::string, const json*>> named;
  for (size_t k = first_arg; k < e.args.size(); ++k) {
    held.push_back(eval(*e.args[k]));
    require(held.back());
  }
  for (const auto& kw : e.kwargs) {
    held.push_back(eval(*kw.second));
    require(held.back());
  }
  size_t h = 0;
  for (size_t k = first_arg; k < e.args.size(); ++k, ++h) {
    const size_t slot = k - first_arg;
    if (slot < args.size()) args[slot] = &held[h].get();
    else extra.push_back(&held[h].get());
  }
  for (const auto& kw : e.kwargs) {
    const json* value = &held[h++].get();
    size_t slot = 0;
    while (slot < c.params.size() && kw.first != c.params[slot]) ++slot;
    if (slot < c.params.size()) args[slot] = value;
    else named.emplace_back(kw.first, value);
  }
  for (int k = 0; k < c.required; ++k)
    if (args[static_cast<size_t>(k)] == nullptr) fail(e.pos, quote(e.name) + " needs the argument '" + c.params[static_cast<size_t>(k)] + "'");
  if (!c.accepts_undefined) require(input);
  return c.fn(*this, e, input, args, extra, named);
}

Value Renderer::eval(const Expr& e) {
  spend(1, e.pos);
  switch (e.kind) {
    case ExprKind::Literal: return Value::borrowed(e.value, true);
    case ExprKind::Name: return lookup(e);
    case ExprKind::Attr: return eval_attr(e, eval(*e.args[0]), e.value);  // e.value: the name, as JSON
    case ExprKind::Index: {
      Value base = eval(*e.args[0]);
      Value key = eval(*e.args[1]);
      require(key);
      const json k = key.get();
      if (!base.undefined && base.get().is_object() && !k.is_string())
        fail(e.args[1]->pos, "a mapping's keys are strings; " + quote(expr_describe(*e.args[1])) + " is " + type_name(k));
      if (!k.is_string() && !is_integer(k))
        fail(e.args[1]->pos, "an index must be an integer or a string, not " + type_name(k));
      return eval_attr(e, std::move(base), k);
    }
    case ExprKind::Slice: return eval_slice(e);
    case ExprKind::Unary: {
      Value v = eval(*e.args[0]);
      if (e.name == "not") return Value::owned(!truthy(v));
      require(v);
      const json& x = v.get();
      if (!x.is_number() && !x.is_boolean())
        fail(e.pos, "cannot apply unary '" + e.name + "' to " + type_name(x));
      if (e.name == "+") return Value::owned(x.is_boolean() ? json(as_int(x)) : x);
      if (is_integer(x) && as_int(x) != std::numeric_limits<int64_t>::min()) return Value::owned(-as_int(x));
      return Value::owned(-as_double(x));
    }
    case ExprKind::Binary: return eval_binary(e);
    case ExprKind::Cond: {
      Value c = eval(*e.args[1]);
      if (truthy(c)) return eval(*e.args[0]);
      if (e.args[2]) return eval(*e.args[2]);
      return Value::owned("");
    }
    case ExprKind::Filter:
    case ExprKind::Test:
    case ExprKind::Method: {
      Value input = eval(*e.args[0]);
      Value out = eval_call(e, std::move(input), 1);
      if (e.kind == ExprKind::Test && e.negated) return Value::owned(!json_truthy(out.get()));
      return out;
    }
    case ExprKind::Call: return eval_call(e, Value::owned(nullptr), 0);
    case ExprKind::List: {
      json out = json::array();
      for (const auto& item : e.args) {
        Value v = eval(*item);
        require(v);
        out.push_back(v.take());
      }
      if (json_depth(out, kMaxValueDepth) >= kMaxValueDepth - 1)
        fail(e.pos, "the list nests deeper than " + std::to_string(kMaxValueDepth) + " levels");
      return Value::owned(std::move(out));
    }
    case ExprKind::Dict: {
      json out = json::object();
      for (size_t k = 0; k + 1 < e.args.size(); k += 2) {
        Value key = eval(*e.args[k]);
        require(key);
        if (!key.get().is_string()) fail(e.args[k]->pos, "mapping keys must be strings, not " + type_name(key.get()));
        Value v = eval(*e.args[k + 1]);
        require(v);
        out[key.get().get<std::string>()] = v.take();
      }
      if (json_depth(out, kMaxValueDepth) >= kMaxValueDepth - 1)
        fail(e.pos, "the mapping nests deeper than " + std::to_string(kMaxValueDepth) + " levels");
      return Value::owned(std::move(out));
    }
  }
  fail(e.pos, "unknown expression");
}

}  // namespace rf::tmpl

namespace rf {

std::string template_render(const Template& tmpl, const nlohmann::json& context, const TemplateLimits& limits) {
  if (tmpl.empty()) return "";
  tmpl::Renderer r(tmpl.name(), limits, context);
  try {
    return r.render(tmpl.ast()->body);
  } catch (const TemplateError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw TemplateError(tmpl.name(), 1, 1, "out of memory while rendering");
  } catch (const std::exception& e) {
    // A json type error or similar that a check missed: still a clean error, never a crash.
    throw TemplateError(tmpl.name(), 1, 1, std::string("internal error while rendering: ") + e.what());
  }
}

}  // namespace rf
