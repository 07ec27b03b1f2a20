// The template parser (see template_parser.h): recursive descent with Jinja's operator precedence,
//   cond (a if c else b) < or < and < not < comparisons < + - < ~ < * / // % < ** < unary - + < postfix
//   (.attr [i] [a:b] (call)) and filters / tests (`| f(...)`, `is t(...)`), which bind tightest.
#include "text/template_parser.h"

#include <algorithm>
#include <cctype>

namespace rf::tmpl {

namespace {

using ExprPtr = std::unique_ptr<Expr>;

std::string pos_text(SourcePos p) { return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column); }

const char* const kTags[] = {"for", "if", "set", "endfor", "endif", "endset", "else", "elif"};

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& name) : t_(tokens), name_(name) {}

  std::vector<Node> parse_template() {
    std::vector<Node> body = parse_body(nullptr);
    return body;
  }

 private:
  // An open block, for "is never closed" and "unexpected 'endif'" messages.
  struct OpenBlock {
    std::string tag;  // "for", "if", "set"
    SourcePos pos;
    std::vector<std::string> ends;  // tags that may end or continue it
  };

  [[noreturn]] void fail(SourcePos p, const std::string& message) const {
    throw TemplateError(name_, p.line, p.column, message);
  }

  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t ahead = 1) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
  void advance() {
    if (i_ + 1 < t_.size()) ++i_;
  }
  bool is_op(const char* op) const { return cur().kind == TokenKind::Operator && cur().text == op; }
  bool is_name(const char* n) const { return cur().kind == TokenKind::Name && cur().text == n; }
  bool accept_op(const char* op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  void expect_op(const char* op, const std::string& context) {
    if (!accept_op(op)) fail(cur().pos, "expected '" + std::string(op) + "' " + context + ", found " + token_describe(cur()));
  }
  std::string expect_name(const std::string& what) {
    if (cur().kind != TokenKind::Name) fail(cur().pos, "expected " + what + ", found " + token_describe(cur()));
    std::string n = cur().text;
    advance();
    return n;
  }
  void expect_block_end(const std::string& after) {
    if (cur().kind != TokenKind::BlockEnd)
      fail(cur().pos, "expected '%}' after " + after + ", found " + token_describe(cur()));
    advance();
  }

  struct DepthGuard {
    Parser& p;
    DepthGuard(Parser& parser, SourcePos pos) : p(parser) {
      if (++p.depth_ > kMaxNesting)
        p.fail(pos, "nesting deeper than " + std::to_string(kMaxNesting) + " levels (blocks, brackets and operators together)");
    }
    ~DepthGuard() { --p.depth_; }
  };

  // ---- statements --------------------------------------------------------------------------------------
  // Parses until the end of the template (open == nullptr) or a `{% name %}` with name in open->ends,
  // which is left unconsumed (i_ at its '{%').
  std::vector<Node> parse_body(const OpenBlock* open) {
    std::vector<Node> body;
    for (;;) {
      const Token& tok = cur();
      if (tok.kind == TokenKind::End) {
        if (open != nullptr)
          fail(open->pos, "'{% " + open->tag + " %}' is never closed: expected '{% " + open->ends.back() +
                              " %}' before the end of the template");
        return body;
      }
      if (tok.kind == TokenKind::Text) {
        Node n;
        n.kind = NodeKind::Text;
        n.pos = tok.pos;
        n.text = tok.text;
        body.push_back(std::move(n));
        advance();
        continue;
      }
      if (tok.kind == TokenKind::VarBegin) {
        Node n;
        n.kind = NodeKind::Output;
        n.pos = tok.pos;
        advance();
        if (cur().kind == TokenKind::VarEnd) fail(cur().pos, "empty '{{ }}': expected an expression");
        n.expr = parse_expression();
        if (cur().kind != TokenKind::VarEnd)
          fail(cur().pos, "expected '}}' after the expression, found " + token_describe(cur()));
        advance();
        body.push_back(std::move(n));
        continue;
      }
      if (tok.kind != TokenKind::BlockBegin) fail(tok.pos, "unexpected " + token_describe(tok));
      const Token& tag = peek();
      if (tag.kind != TokenKind::Name)
        fail(tag.pos, "expected a tag name (for, if, set, ...) after '{%', found " + token_describe(tag));
      if (open != nullptr && std::find(open->ends.begin(), open->ends.end(), tag.text) != open->ends.end()) return body;
      const SourcePos tag_pos = tok.pos;
      if (tag.text == "for" || tag.text == "if" || tag.text == "set") {
        DepthGuard guard(*this, tag_pos);
        advance();
        advance();
        if (tag.text == "for") body.push_back(parse_for(tag_pos));
        else if (tag.text == "if") body.push_back(parse_if(tag_pos));
        else body.push_back(parse_set(tag_pos));
        continue;
      }
      const std::string& t = tag.text;
      if (t == "endfor" || t == "endif" || t == "endset" || t == "else" || t == "elif") {
        std::string msg = "unexpected '" + t + "'";
        if (open == nullptr) msg += ": no block is open";
        else
          msg += ": the innermost open block is '" + open->tag + "' at " + pos_text(open->pos) + " (expected '" +
                 open->ends.back() + "')";
        fail(tag.pos, msg);
      }
      std::vector<std::string> known(std::begin(kTags), std::end(kTags));
      const std::string guess = spelling_suggest(t, known);
      fail(tag.pos, "unknown tag '" + t + "'" + (guess.empty() ? " (supported: for, if, set)" : " — did you mean '" + guess + "'?"));
    }
  }

  // At the '{%' of an end/continuation tag named `tag`: consumes `{% tag %}`.
  void consume_simple_tag(const std::string& tag) {
    advance();  // {%
    advance();  // the name
    expect_block_end("'" + tag + "'");
  }

  Node parse_for(SourcePos pos) {
    Node n;
    n.kind = NodeKind::For;
    n.pos = pos;
    n.targets.push_back(expect_name("a loop variable name after 'for'"));
    while (accept_op(",")) n.targets.push_back(expect_name("a loop variable name after ','"));
    for (const auto& v : n.targets)
      if (v == "loop") fail(pos, "'loop' is reserved for the loop's counters and cannot be a loop variable");
    if (!is_name("in")) fail(cur().pos, "expected 'in' after the loop variable, found " + token_describe(cur()));
    advance();
    n.expr = parse_or_expression();  // no `a if b else c` here: `if` starts the loop filter
    if (is_name("if")) {
      advance();
      n.condition = parse_or_expression();
    }
    expect_block_end("the 'for' header");
    OpenBlock open{"for", pos, {"else", "endfor"}};
    n.bodies.push_back(parse_body(&open));
    if (peek().text == "else") {
      consume_simple_tag("else");
      OpenBlock open_else{"for", pos, {"endfor"}};
      n.else_body = parse_body(&open_else);
    }
    consume_simple_tag("endfor");
    return n;
  }

  Node parse_if(SourcePos pos) {
    Node n;
    n.kind = NodeKind::If;
    n.pos = pos;
    n.conditions.push_back(parse_expression());
    expect_block_end("the 'if' condition");
    OpenBlock open{"if", pos, {"elif", "else", "endif"}};
    n.bodies.push_back(parse_body(&open));
    while (peek().text == "elif") {
      advance();
      advance();
      n.conditions.push_back(parse_expression());
      expect_block_end("the 'elif' condition");
      n.bodies.push_back(parse_body(&open));
    }
    if (peek().text == "else") {
      consume_simple_tag("else");
      OpenBlock open_else{"if", pos, {"endif"}};
      n.bodies.push_back(parse_body(&open_else));
    }
    consume_simple_tag("endif");
    return n;
  }

  Node parse_set(SourcePos pos) {
    Node n;
    n.kind = NodeKind::Set;
    n.pos = pos;
    n.targets.push_back(expect_name("a variable name after 'set'"));
    if (accept_op(".")) n.targets.push_back(expect_name("an attribute name after '.'"));
    if (n.targets[0] == "loop") fail(pos, "'loop' is reserved for the loop's counters");
    if (accept_op("=")) {
      n.expr = parse_expression();
      expect_block_end("the 'set' value");
      return n;
    }
    if (cur().kind != TokenKind::BlockEnd)
      fail(cur().pos, "expected '=' or '%}' after 'set " + n.targets[0] + "', found " + token_describe(cur()));
    if (n.targets.size() > 1) fail(pos, "a block 'set' assigns a plain variable, not an attribute");
    advance();
    OpenBlock open{"set", pos, {"endset"}};
    n.bodies.push_back(parse_body(&open));
    consume_simple_tag("endset");
    return n;
  }

  // ---- expressions -------------------------------------------------------------------------------------
  ExprPtr make(ExprKind kind, SourcePos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    return e;
  }
  ExprPtr binary(const std::string& op, ExprPtr l, ExprPtr r) {
    auto e = make(ExprKind::Binary, l->pos);
    e->name = op;
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  }

  ExprPtr parse_expression() {
    DepthGuard guard(*this, cur().pos);
    ExprPtr value = parse_or_expression();
    if (!is_name("if")) return value;
    advance();
    auto e = make(ExprKind::Cond, value->pos);
    e->args.push_back(std::move(value));
    e->args.push_back(parse_or_expression());
    if (is_name("else")) {
      advance();
      e->args.push_back(parse_expression());
    } else {
      e->args.push_back(nullptr);
    }
    return e;
  }

  ExprPtr parse_or_expression() {
    ExprPtr l = parse_and();
    while (is_name("or")) {
      advance();
      l = binary("or", std::move(l), parse_and());
    }
    return l;
  }

  ExprPtr parse_and() {
    ExprPtr l = parse_not();
    while (is_name("and")) {
      advance();
      l = binary("and", std::move(l), parse_not());
    }
    return l;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this, cur().pos);
      auto e = make(ExprKind::Unary, cur().pos);
      e->name = "not";
      advance();
      e->args.push_back(parse_not());
      return e;
    }
    return parse_compare();
  }

  // The comparison operator at the cursor ("" if none); consumes it.
  std::string accept_compare_op() {
    for (const char* op : {"==", "!=", "<", "<=", ">", ">="})
      if (accept_op(op)) return op;
    if (is_name("in")) {
      advance();
      return "in";
    }
    if (is_name("not") && peek().kind == TokenKind::Name && peek().text == "in") {
      advance();
      advance();
      return "not in";
    }
    return "";
  }

  ExprPtr parse_compare() {
    ExprPtr l = parse_math1();
    const SourcePos op_pos = cur().pos;
    std::string op = accept_compare_op();
    if (op.empty()) return l;
    l = binary(op, std::move(l), parse_math1());
    const SourcePos again = cur().pos;
    if (!accept_compare_op().empty())
      fail(again, "comparisons cannot be chained (after '" + op + "' at " + pos_text(op_pos) + "); join them with 'and'");
    return l;
  }

  ExprPtr parse_math1() {
    ExprPtr l = parse_concat();
    for (;;) {
      if (is_op("+") || is_op("-")) {
        const std::string op = cur().text;
        advance();
        l = binary(op, std::move(l), parse_concat());
      } else {
        return l;
      }
    }
  }

  ExprPtr parse_concat() {
    ExprPtr l = parse_math2();
    while (accept_op("~")) l = binary("~", std::move(l), parse_math2());
    return l;
  }

  ExprPtr parse_math2() {
    ExprPtr l = parse_pow();
    for (;;) {
      if (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
        const std::string op = cur().text;
        advance();
        l = binary(op, std::move(l), parse_pow());
      } else {
        return l;
      }
    }
  }

  ExprPtr parse_pow() {
    ExprPtr l = parse_unary(true);
    while (accept_op("**")) l = binary("**", std::move(l), parse_unary(true));
    return l;
  }

  ExprPtr parse_unary(bool with_filters) {
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      DepthGuard guard(*this, cur().pos);
      node = make(ExprKind::Unary, cur().pos);
      node->name = cur().text;
      advance();
      node->args.push_back(parse_unary(false));
      const Expr& operand = *node->args[0];
      if (operand.kind == ExprKind::Literal && operand.value.is_number() && node->name == "-") {
        // Fold `-1` so that `xs[-1]` reads as a literal index in messages.
        auto folded = make(ExprKind::Literal, node->pos);
        if (operand.value.is_number_float()) folded->value = -operand.value.get<double>();
        else if (operand.value.get<int64_t>() != INT64_MIN) folded->value = -operand.value.get<int64_t>();
        else folded->value = -operand.value.get<double>();
        node = std::move(folded);
      }
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filters) node = parse_filters(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    DepthGuard guard(*this, cur().pos);
    const Token& tok = cur();
    const SourcePos pos = tok.pos;
    switch (tok.kind) {
      case TokenKind::Name: {
        const std::string n = tok.text;
        advance();
        auto e = make(ExprKind::Literal, pos);
        if (n == "true" || n == "True") e->value = true;
        else if (n == "false" || n == "False") e->value = false;
        else if (n == "none" || n == "None") e->value = nullptr;
        else if (is_op("(")) return parse_call(n, pos);
        else {
          e->kind = ExprKind::Name;
          e->name = n;
        }
        return e;
      }
      case TokenKind::String: {
        auto e = make(ExprKind::Literal, pos);
        std::string s;
        while (cur().kind == TokenKind::String) {  // adjacent literals join, as in Python
          s += cur().text;
          advance();
        }
        e->value = std::move(s);
        return e;
      }
      case TokenKind::Integer: {
        auto e = make(ExprKind::Literal, pos);
        e->value = tok.int_value;
        advance();
        return e;
      }
      case TokenKind::Float: {
        auto e = make(ExprKind::Literal, pos);
        e->value = tok.float_value;
        advance();
        return e;
      }
      case TokenKind::Operator:
        if (tok.text == "(") {
          advance();
          ExprPtr inner = parse_expression();
          if (is_op(",")) {  // a tuple: treated as a list
            auto list = make(ExprKind::List, pos);
            list->args.push_back(std::move(inner));
            while (accept_op(",")) {
              if (is_op(")")) break;
              list->args.push_back(parse_expression());
            }
            inner = std::move(list);
          }
          expect_op(")", "to close the '(' at " + pos_text(pos));
          return inner;
        }
        if (tok.text == "[") {
          advance();
          auto list = make(ExprKind::List, pos);
          while (!is_op("]")) {
            list->args.push_back(parse_expression());
            if (!accept_op(",")) break;
          }
          expect_op("]", "to close the list opened at " + pos_text(pos));
          return list;
        }
        if (tok.text == "{") {
          advance();
          auto dict = make(ExprKind::Dict, pos);
          while (!is_op("}")) {
            dict->args.push_back(parse_expression());
            expect_op(":", "between a key and its value");
            dict->args.push_back(parse_expression());
            if (!accept_op(",")) break;
          }
          expect_op("}", "to close the mapping opened at " + pos_text(pos));
          return dict;
        }
        break;
      default: break;
    }
    fail(pos, "expected an expression, found " + token_describe(tok));
  }

  // Arguments between '(' and ')': positional first, then name=value.
  void parse_arguments(Expr& e, const std::string& what) {
    const SourcePos open = cur().pos;
    expect_op("(", "after " + what);
    while (!is_op(")")) {
      if (cur().kind == TokenKind::Name && peek().kind == TokenKind::Operator && peek().text == "=") {
        const std::string key = cur().text;
        const SourcePos kpos = cur().pos;
        advance();
        advance();
        for (const auto& kw : e.kwargs)
          if (kw.first == key) fail(kpos, "argument '" + key + "' is given twice");
        e.kwargs.emplace_back(key, parse_expression());
      } else {
        if (!e.kwargs.empty()) fail(cur().pos, "a positional argument cannot follow a named one");
        e.args.push_back(parse_expression());
      }
      if (!accept_op(",")) break;
    }
    expect_op(")", "to close the arguments opened at " + pos_text(open));
  }

  // Resolves the callable and checks the argument count; `skip` = leading args that are not arguments
  // (the filtered value, the method's object).
  void resolve(Expr& e, CallableKind kind, const char* what, size_t skip) {
    e.callable = callable_find(kind, e.name);
    if (e.callable == nullptr) {
      const std::string guess = spelling_suggest(e.name, callable_names(kind));
      fail(e.pos, std::string("unknown ") + what + " '" + e.name + "'" + (guess.empty() ? "" : " — did you mean '" + guess + "'?"));
    }
    std::vector<std::string> keys;
    for (const auto& kw : e.kwargs) keys.push_back(kw.first);
    const std::string problem = callable_check(*e.callable, e.args.size() - skip, keys);
    if (!problem.empty()) fail(e.pos, std::string(what) + " '" + e.name + "' " + problem);
  }

  ExprPtr parse_call(const std::string& fn, SourcePos pos) {
    auto e = make(ExprKind::Call, pos);
    e->name = fn;
    parse_arguments(*e, "'" + fn + "'");
    resolve(*e, CallableKind::Function, "function", 0);
    return e;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    for (;;) {
      if (is_op(".")) {
        advance();
        const Token& tok = cur();
        if (tok.kind == TokenKind::Integer) {  // xs.0 = xs[0]
          auto e = make(ExprKind::Index, node->pos);
          auto index = make(ExprKind::Literal, tok.pos);
          index->value = tok.int_value;
          advance();
          e->args.push_back(std::move(node));
          e->args.push_back(std::move(index));
          node = std::move(e);
          continue;
        }
        const SourcePos attr_pos = cur().pos;
        const std::string attr = expect_name("an attribute name after '.'");
        if (is_op("(")) {
          auto e = make(ExprKind::Method, attr_pos);
          e->name = attr;
          e->args.push_back(std::move(node));
          parse_arguments(*e, "'" + attr + "'");
          resolve(*e, CallableKind::Method, "method", 1);
          node = std::move(e);
        } else {
          auto e = make(ExprKind::Attr, node->pos);
          e->name = attr;
          e->value = attr;  // the key, ready for lookups
          e->args.push_back(std::move(node));
          node = std::move(e);
        }
      } else if (is_op("[")) {
        const SourcePos open = cur().pos;
        DepthGuard guard(*this, open);
        advance();
        ExprPtr parts[3];
        int colons = 0;
        if (!is_op(":")) parts[0] = parse_expression();
        while (colons < 2 && accept_op(":")) {
          ++colons;
          if (!is_op(":") && !is_op("]")) parts[colons] = parse_expression();
        }
        expect_op("]", "to close the '[' at " + pos_text(open));
        if (colons == 0) {
          if (!parts[0]) fail(open, "expected an index inside '[ ]'");
          const bool literal_key = parts[0]->kind == ExprKind::Literal && parts[0]->value.is_string();
          auto e = make(literal_key ? ExprKind::Attr : ExprKind::Index, node->pos);
          if (literal_key) {
            e->name = parts[0]->value.get<std::string>();
            e->value = e->name;
          }
          e->args.push_back(std::move(node));
          if (!literal_key) e->args.push_back(std::move(parts[0]));
          node = std::move(e);
        } else {
          auto e = make(ExprKind::Slice, node->pos);
          e->args.push_back(std::move(node));
          for (auto& p : parts) e->args.push_back(std::move(p));
          node = std::move(e);
        }
      } else if (is_op("(")) {
        fail(cur().pos, "only functions (range, namespace, ...) and methods (x.items(), ...) can be called");
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_filters(ExprPtr node) {
    for (;;) {
      if (is_op("|")) {
        advance();
        DepthGuard guard(*this, cur().pos);
        auto e = make(ExprKind::Filter, cur().pos);
        e->name = expect_name("a filter name after '|'");
        e->args.push_back(std::move(node));
        if (is_op("(")) parse_arguments(*e, "filter '" + e->name + "'");
        resolve(*e, CallableKind::Filter, "filter", 1);
        node = std::move(e);
      } else if (is_name("is")) {
        advance();
        DepthGuard guard(*this, cur().pos);
        auto e = make(ExprKind::Test, cur().pos);
        if (is_name("not")) {
          e->negated = true;
          advance();
          e->pos = cur().pos;
        }
        // `is none` / `is true`: the literal keywords name tests too.
        if (cur().kind != TokenKind::Name) fail(cur().pos, "expected a test name after 'is' (defined, none, ...), found " + token_describe(cur()));
        e->name = cur().text;
        if (e->name == "None") e->name = "none";
        if (e->name == "True") e->name = "true";
        if (e->name == "False") e->name = "false";
        advance();
        e->args.push_back(std::move(node));
        if (is_op("(")) parse_arguments(*e, "test '" + e->name + "'");
        resolve(*e, CallableKind::Test, "test", 1);
        node = std::move(e);
      } else {
        return node;
      }
    }
  }

  const std::vector<Token>& t_;
  const std::string& name_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

std::shared_ptr<const TemplateAst> template_parse_tokens(const std::vector<Token>& tokens, const std::string& name) {
  auto ast = std::make_shared<TemplateAst>();
  ast->body = Parser(tokens, name).parse_template();
  return ast;
}

}  // namespace rf::tmpl
