// The public entry points of the template language (template.h): TemplateError, template_parse (lexer +
// parser) and template_load, plus the message helpers every stage shares: how an expression is shown
// ("user.history[-1].title") and the "did you mean ...?" suggestions.
#include "text/template.h"

#include "text/template_lexer.h"
#include "text/template_parser.h"
#include "util/file_io.h"

#include <algorithm>
#include <cctype>

namespace rf {

TemplateError::TemplateError(std::string name, int line, int column, std::string message)
    : Error((name.empty() ? std::string() : name + ": ") + "line " + std::to_string(line) + ", column " +
            std::to_string(column) + ": " + message),
      name_(std::move(name)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

}  // namespace rf

namespace rf::tmpl {

std::string expr_describe(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Name: return e.name;
    case ExprKind::Attr: {
      const std::string base = expr_describe(*e.args[0]);
      bool plain = !e.name.empty() && !(e.name[0] >= '0' && e.name[0] <= '9');
      for (char c : e.name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
      return plain ? base + "." + e.name : base + "['" + e.name + "']";
    }
    case ExprKind::Index: {
      const Expr& i = *e.args[1];
      if (i.kind == ExprKind::Literal) return expr_describe(*e.args[0]) + "[" + i.value.dump() + "]";
      return expr_describe(*e.args[0]) + "[" + expr_describe(i) + "]";
    }
    case ExprKind::Slice: return expr_describe(*e.args[0]) + "[...]";
    case ExprKind::Literal: return e.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    case ExprKind::Filter: return expr_describe(*e.args[0]) + " | " + e.name;
    case ExprKind::Method: return expr_describe(*e.args[0]) + "." + e.name + "()";
    case ExprKind::Call: return e.name + "()";
    default: return "the expression";
  }
}

std::string spelling_suggest(const std::string& word, const std::vector<std::string>& candidates) {
  // Levenshtein distance with a cap: within 1 edit for short words, 2 for longer ones, ignoring case.
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string w = lower(word);
  if (w.size() > 64) return "";
  const size_t cap = w.size() <= 4 ? 1 : 2;
  std::string best;
  size_t best_d = cap + 1;
  for (const auto& cand : candidates) {
    const std::string c = lower(cand);
    if (c.size() > 64 || (c.size() > w.size() ? c.size() - w.size() : w.size() - c.size()) > cap) continue;
    std::vector<size_t> prev(c.size() + 1), row(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= w.size(); ++i) {
      row[0] = i;
      for (size_t j = 1; j <= c.size(); ++j)
        row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (w[i - 1] == c[j - 1] ? 0 : 1)});
      std::swap(prev, row);
    }
    if (prev[c.size()] < best_d && prev[c.size()] > 0) {
      best_d = prev[c.size()];
      best = cand;
    } else if (prev[c.size()] == 0 && cand != word) {  // differs only in case
      best_d = 0;
      best = cand;
    }
  }
  return best;
}

}  // namespace rf::tmpl

namespace rf {

Template template_parse(const std::string& source, const std::string& name, const TemplateOptions& options) {
  const std::vector<tmpl::Token> tokens = tmpl::template_lex(source, name, options);
  Template t;
  t.name_ = name;
  t.options_ = options;
  t.ast_ = tmpl::template_parse_tokens(tokens, name);
  return t;
}

Template template_load(const std::string& path, const TemplateOptions& options) {
  const std::string source = file_read_all(path);
  std::string name = path;
  const size_t slash = name.find_last_of('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  return template_parse(source, name, options);
}

}  // namespace rf
