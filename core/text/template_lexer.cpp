// The template lexer (see template_lexer.h). Whitespace control is resolved here, on the text runs
// around each tag, exactly as Jinja's lexer does it, so the rendered output needs no later trimming.
#include "text/template_lexer.h"

#include "text/unicode.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace rf::tmpl {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// Maps byte offsets to (line, column) for messages; columns count code points so they match an editor.
class PositionMap {
 public:
  explicit PositionMap(const std::string& s) : s_(s) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] == '\n') line_starts_.push_back(i + 1);
  }
  SourcePos at(size_t offset) const {
    offset = std::min(offset, s_.size());
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line = static_cast<size_t>(it - line_starts_.begin());  // 1-based
    size_t i = line_starts_[line - 1];
    int column = 1;
    while (i < offset) {
      int len = 1;
      text::utf8_decode(s_, i, len);
      i += static_cast<size_t>(len);
      ++column;
    }
    return {static_cast<int>(line), column};
  }

 private:
  const std::string& s_;
  std::vector<size_t> line_starts_;
};

class Lexer {
 public:
  Lexer(const std::string& source, const std::string& name, const TemplateOptions& options)
      : s_(source), name_(name), options_(options), positions_(source) {}

  std::vector<Token> run() {
    size_t i = 0;
    bool strip_leading = false;  // the previous tag ended with '-'
    for (;;) {
      const size_t open = find_open(i);
      size_t text_begin = i, text_end = open == std::string::npos ? s_.size() : open;
      if (strip_leading)
        while (text_begin < text_end && is_space(s_[text_begin])) ++text_begin;
      strip_leading = false;
      if (open == std::string::npos) {
        emit_text(text_begin, text_end);
        break;
      }
      const char kind = s_[open + 1];  // '{', '%' or '#'
      size_t k = open + 2;
      const bool minus = k < s_.size() && s_[k] == '-';
      const bool plus = k < s_.size() && s_[k] == '+';
      if (minus || plus) ++k;
      if (minus) {
        while (text_end > text_begin && is_space(s_[text_end - 1])) --text_end;
      } else if (kind != '{' && options_.lstrip_blocks && !plus) {
        lstrip_line(text_begin, text_end);
      }
      emit_text(text_begin, text_end);

      bool end_minus = false, end_plus = false;
      if (kind == '#') {
        const size_t close = s_.find("#}", k);
        if (close == std::string::npos) fail(open, "unclosed comment: expected '#}' to end the '{#' here");
        end_minus = close > k && s_[close - 1] == '-';
        end_plus = close > k && s_[close - 1] == '+';
        i = close + 2;
      } else {
        i = lex_tag(open, k, kind == '{', end_minus, end_plus);
      }
      if (end_minus) {
        strip_leading = true;
      } else if (kind != '{' && options_.trim_blocks && !end_plus) {
        if (i < s_.size() && s_[i] == '\n') ++i;
        else if (i + 1 < s_.size() && s_[i] == '\r' && s_[i + 1] == '\n') i += 2;
      }
    }
    Token end;
    end.kind = TokenKind::End;
    end.pos = positions_.at(s_.size());
    tokens_.push_back(end);
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(size_t offset, const std::string& message) const {
    const SourcePos p = positions_.at(offset);
    throw TemplateError(name_, p.line, p.column, message);
  }

  size_t find_open(size_t from) const {
    for (size_t i = s_.find('{', from); i != std::string::npos; i = s_.find('{', i + 1)) {
      if (i + 1 < s_.size() && (s_[i + 1] == '{' || s_[i + 1] == '%' || s_[i + 1] == '#')) return i;
    }
    return std::string::npos;
  }

  // lstrip_blocks: drop spaces/tabs between the start of the line and the tag, when that is all there is.
  void lstrip_line(size_t begin, size_t& end) const {
    size_t j = end;
    while (j > begin && (s_[j - 1] == ' ' || s_[j - 1] == '\t')) --j;
    const bool at_line_start = j == 0 || s_[j - 1] == '\n';
    if (at_line_start) end = j;
  }

  void emit_text(size_t begin, size_t end) {
    if (end <= begin) return;
    Token t;
    t.kind = TokenKind::Text;
    t.text = s_.substr(begin, end - begin);
    t.pos = positions_.at(begin);
    tokens_.push_back(std::move(t));
  }

  void push(TokenKind kind, size_t offset, std::string text) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.pos = positions_.at(offset);
    tokens_.push_back(std::move(t));
  }

  // Lexes the inside of `{{ }}` or `{% %}` starting at `k`; returns the offset after the closing marker.
  size_t lex_tag(size_t open, size_t k, bool is_var, bool& end_minus, bool& end_plus) {
    push(is_var ? TokenKind::VarBegin : TokenKind::BlockBegin, open, is_var ? "{{" : "{%");
    const char closer = is_var ? '}' : '%';
    int depth = 0;  // open '{' of dict literals: a '}' inside `{ }` is not the end of the tag
    size_t i = k;
    while (i < s_.size()) {
      const char c = s_[i];
      if (is_space(c)) {
        ++i;
        continue;
      }
      // The closing marker, optionally preceded by '-' or '+'.
      auto closes_at = [&](size_t at) { return at + 1 < s_.size() && s_[at] == closer && s_[at + 1] == '}'; };
      if (depth == 0 || !is_var) {
        if (closes_at(i)) {
          push(is_var ? TokenKind::VarEnd : TokenKind::BlockEnd, i, is_var ? "}}" : "%}");
          return i + 2;
        }
        if ((c == '-' || c == '+') && closes_at(i + 1)) {
          (c == '-' ? end_minus : end_plus) = true;
          push(is_var ? TokenKind::VarEnd : TokenKind::BlockEnd, i, is_var ? "}}" : "%}");
          return i + 3;
        }
      }
      if (is_name_start(c)) {
        size_t j = i + 1;
        while (j < s_.size() && is_name_char(s_[j])) ++j;
        push(TokenKind::Name, i, s_.substr(i, j - i));
        i = j;
      } else if (is_digit(c)) {
        i = lex_number(i);
      } else if (c == '"' || c == '\'') {
        i = lex_string(i);
      } else {
        static const char* const two[] = {"//", "**", "==", "!=", "<=", ">="};
        std::string op;
        for (const char* t : two)
          if (s_.compare(i, 2, t) == 0) op = t;
        if (op.empty() && std::strchr(".,:|()[]{}+-*/%~<>=", c) != nullptr && c != '\0') op = std::string(1, c);
        if (op.empty()) {
          int len = 1;
          const uint32_t cp = text::utf8_decode(s_, i, len);
          std::string shown;
          if (cp >= 0x20 && cp != 0x7F && cp != 0xFFFD) shown = "'" + s_.substr(i, static_cast<size_t>(len)) + "'";
          else {
            char buf[16];
            std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
            shown = buf;
          }
          fail(i, "unexpected character " + shown + " inside " + (is_var ? "'{{ }}'" : "'{% %}'"));
        }
        if (op == "{") ++depth;
        if (op == "}" && depth > 0) --depth;
        push(TokenKind::Operator, i, op);
        i += op.size();
      }
    }
    fail(open, std::string("unclosed '") + (is_var ? "{{" : "{%") + "': expected '" + (is_var ? "}}" : "%}") +
                   "' before the end of the template");
  }

  size_t lex_number(size_t i) {
    size_t j = i;
    while (j < s_.size() && is_digit(s_[j])) ++j;
    bool is_float = false;
    if (j + 1 < s_.size() && s_[j] == '.' && is_digit(s_[j + 1])) {
      is_float = true;
      ++j;
      while (j < s_.size() && is_digit(s_[j])) ++j;
    }
    if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
      size_t e = j + 1;
      if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
      if (e < s_.size() && is_digit(s_[e])) {
        is_float = true;
        j = e;
        while (j < s_.size() && is_digit(s_[j])) ++j;
      }
    }
    Token t;
    t.text = s_.substr(i, j - i);
    t.pos = positions_.at(i);
    errno = 0;
    if (!is_float) {
      const long long v = std::strtoll(t.text.c_str(), nullptr, 10);
      if (errno == ERANGE) is_float = true;  // too big for an integer: keep it as a float
      else {
        t.kind = TokenKind::Integer;
        t.int_value = v;
      }
    }
    if (is_float) {
      t.kind = TokenKind::Float;
      t.float_value = std::strtod(t.text.c_str(), nullptr);
      if (!std::isfinite(t.float_value)) fail(i, "number '" + t.text + "' is too large");
    }
    tokens_.push_back(std::move(t));
    return j;
  }

  size_t lex_string(size_t i) {
    const char quote = s_[i];
    std::string value;
    size_t j = i + 1;
    while (j < s_.size() && s_[j] != quote) {
      char c = s_[j];
      if (c == '\\' && j + 1 < s_.size()) {
        const char e = s_[j + 1];
        j += 2;
        switch (e) {
          case 'n': value += '\n'; break;
          case 't': value += '\t'; break;
          case 'r': value += '\r'; break;
          case '0': value += '\0'; break;
          case 'u': {
            uint32_t cp = 0;
            int n = 0;
            while (n < 4 && j < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[j]))) {
              const char h = s_[j];
              cp = cp * 16 + static_cast<uint32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
              ++j;
              ++n;
            }
            if (n != 4) fail(j - static_cast<size_t>(n) - 2, "'\\u' must be followed by 4 hex digits");
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
            text::utf8_append(value, cp);
            break;
          }
          default: value += e; break;  // \\ \' \" and any other escaped character stand for themselves
        }
        continue;
      }
      value += c;
      ++j;
    }
    if (j >= s_.size()) fail(i, std::string("unterminated string: expected a closing ") + quote);
    push(TokenKind::String, i, std::move(value));
    return j + 1;
  }

  const std::string& s_;
  const std::string& name_;
  const TemplateOptions& options_;
  PositionMap positions_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> template_lex(const std::string& source, const std::string& name, const TemplateOptions& options) {
  if (!options.keep_trailing_newline && !source.empty() && source.back() == '\n') {
    const size_t cut = source.size() >= 2 && source[source.size() - 2] == '\r' ? 2 : 1;
    const std::string trimmed = source.substr(0, source.size() - cut);
    return Lexer(trimmed, name, options).run();
  }
  return Lexer(source, name, options).run();
}

std::string token_describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::Text: return "text";
    case TokenKind::VarBegin: return "'{{'";
    case TokenKind::VarEnd: return "'}}'";
    case TokenKind::BlockBegin: return "'{%'";
    case TokenKind::BlockEnd: return "'%}'";
    case TokenKind::Name: return "'" + token.text + "'";
    case TokenKind::String: return "a string";
    case TokenKind::Integer:
    case TokenKind::Float: return "the number " + token.text;
    case TokenKind::Operator: return "'" + token.text + "'";
    case TokenKind::End: return "the end of the template";
  }
  return "?";
}

}  // namespace rf::tmpl
