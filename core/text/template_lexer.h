// The template lexer: splits a template's source into text runs and the tokens inside `{{ }}` and
// `{% %}` tags, dropping comments `{# #}` and applying whitespace control (`{%-`, `-%}`, `{{-`, `-}}`,
// `{%+` / `+%}` to opt out of lstrip/trim) and the trim_blocks / lstrip_blocks options, so the parser sees
// text that is already exactly what will be output.
#pragma once

#include "text/template.h"

#include <string>
#include <vector>

namespace rf::tmpl {

struct SourcePos {
  int line = 1, column = 1;  // 1-based; columns count characters (UTF-8 code points)
};

enum class TokenKind {
  Text,        // literal output
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,        // identifiers and keywords (for, in, and, true, ...)
  String,      // a quoted literal; `text` holds the unescaped value
  Integer,
  Float,
  Operator,    // . , : | ( ) [ ] { } + - * / // % ** ~ == != < <= > >= =
  End,         // end of the source
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  SourcePos pos;
  int64_t int_value = 0;
  double float_value = 0;
};

// Throws TemplateError (named `name`) for an unclosed tag or comment, an unterminated string, or a
// character that cannot start a token.
std::vector<Token> template_lex(const std::string& source, const std::string& name, const TemplateOptions& options);

// "'{{'", "'endfor'", "a string", "the end of the template": how a token is named in error messages.
std::string token_describe(const Token& token);

}  // namespace rf::tmpl
