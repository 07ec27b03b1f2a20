// The template parser: tokens (template_lexer.h) -> an immutable syntax tree of statements (text, output,
// if, for, set) and expressions. Filters, tests, methods and functions are resolved and their arguments
// checked here, so a misspelt filter is reported when the template is parsed, at its line and column,
// with a suggestion ("unknown filter 'upperr' — did you mean 'upper'?").
#pragma once

#include "text/template_lexer.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rf::tmpl {

// A filter, test, method or global function: defined in template_filters.cpp (struct in template_render.h).
struct Callable;
enum class CallableKind { Filter, Test, Method, Function };
const Callable* callable_find(CallableKind kind, const std::string& name);
std::vector<std::string> callable_names(CallableKind kind);
// "" when `positional` arguments plus the `keywords` fit the callable's parameters, else why not.
std::string callable_check(const Callable& callable, size_t positional, const std::vector<std::string>& keywords);

enum class ExprKind {
  Literal,  // value
  Name,     // a variable: name
  Attr,     // args[0].name   (also args[0][name] with a string literal); value = name as JSON
  Index,    // args[0][args[1]]
  Slice,    // args[0][args[1]:args[2]:args[3]]   (absent parts are nullptr)
  Unary,    // name ("-", "+", "not") args[0]
  Binary,   // args[0] name args[1]: or and == != < <= > >= in "not in" + - ~ * / // % **
  Cond,     // args[0] if args[1] else args[2] (args[2] may be nullptr)
  Filter,   // args[0] | name(args[1..], kwargs)
  Test,     // args[0] is [not] name(args[1..], kwargs)
  Method,   // args[0].name(args[1..], kwargs)
  Call,     // name(args..., kwargs): a global function
  List,     // [args...]
  Dict,     // {args[0]: args[1], args[2]: args[3], ...}
};

struct Expr {
  ExprKind kind = ExprKind::Literal;
  SourcePos pos;
  nlohmann::json value;
  std::string name;
  std::vector<std::unique_ptr<Expr>> args;
  std::vector<std::pair<std::string, std::unique_ptr<Expr>>> kwargs;
  const Callable* callable = nullptr;  // Filter, Test, Method, Call
  bool negated = false;                // Test: `is not`
};

enum class NodeKind { Text, Output, If, For, Set };

struct Node {
  NodeKind kind = NodeKind::Text;
  SourcePos pos;
  std::string text;                          // Text: the literal output
  std::unique_ptr<Expr> expr;                // Output; Set: the value (nullptr for `{% set x %}...{% endset %}`); For: the list
  std::vector<std::string> targets;          // For: loop variables (several = unpacking); Set: name [, attribute]
  std::unique_ptr<Expr> condition;           // For: `for x in xs if condition`
  std::vector<std::unique_ptr<Expr>> conditions;  // If: one per if/elif branch
  std::vector<std::vector<Node>> bodies;     // If: one per branch, plus a last one for else; For/Set: bodies[0]
  std::vector<Node> else_body;               // For: rendered when the loop ran zero times
};

}  // namespace rf::tmpl

namespace rf {

struct TemplateAst {
  std::vector<tmpl::Node> body;
};

}  // namespace rf

namespace rf::tmpl {

// Deepest nesting of blocks and expressions together: keeps the recursive parser and renderer within
// the stack on any input.
constexpr int kMaxNesting = 64;

std::shared_ptr<const TemplateAst> template_parse_tokens(const std::vector<Token>& tokens, const std::string& name);

// "user.history[-1].title": an expression as the user wrote it, for messages.
std::string expr_describe(const Expr& e);

// The closest of `candidates` to `word` by edit distance, or "" when none is close enough to suggest.
std::string spelling_suggest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rf::tmpl
