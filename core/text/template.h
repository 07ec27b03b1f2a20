// The prompt-template language: a Jinja-like language people write by hand in the template designer
// (`{{ user.history[-1].title }}`, `{% for h in user.history | last(10) %}`, filters, whitespace control).
// A template is parsed once (errors name line and column) and rendered many times against a JSON context;
// rendering is thread-safe on a shared Template. The full reference is docs/templates.md.
//
// Rendering never crashes and never hangs on any template or context: output size, loop iterations, value
// sizes, total work and nesting depth are capped (TemplateLimits), and every failure is a TemplateError
// carrying the template's name, the line and column (1-based, columns in characters) and a message.
// Undefined variables are errors by default ("strict"), so a typo is caught in the editor instead of
// silently producing an empty string; `x is defined` and `x | default(...)` test for them.
#pragma once

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace rf {

class TemplateError : public Error {
 public:
  // what() reads "<name>: line L, column C: <message>" (or without the name when it is "").
  TemplateError(std::string name, int line, int column, std::string message);

  const std::string& template_name() const { return name_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }  // without name and location

 private:
  std::string name_;
  int line_, column_;
  std::string message_;
};

struct TemplateOptions {
  // Jinja's trim_blocks: the first newline after a block tag ({% %}) or a comment is removed.
  bool trim_blocks = true;
  // Jinja's lstrip_blocks: spaces and tabs before a block tag or comment at the start of a line are removed.
  // Together they make a tag on its own line leave no trace in the output.
  bool lstrip_blocks = true;
  // Jinja drops a single newline at the very end of the template (the one editors add); true keeps it.
  bool keep_trailing_newline = false;
};

// Limits that keep a hand-written (or fuzzed) template from exhausting memory or time.
struct TemplateLimits {
  int64_t max_output_bytes = 1 << 20;        // the rendered text
  int64_t max_loop_iterations = 100000;      // all loop bodies of one render together
  int64_t max_value_size = 1 << 20;          // bytes of one string, elements of one list
  int64_t max_work = 50'000'000;             // elementary steps (items copied, compared, bytes built)
  bool strict_undefined = true;              // false: an undefined value prints as "" and is falsy
};

struct TemplateAst;  // template_parser.h

class Template {
 public:
  Template() = default;
  const std::string& name() const { return name_; }
  const TemplateOptions& options() const { return options_; }
  const TemplateAst* ast() const { return ast_.get(); }
  bool empty() const { return !ast_; }

 private:
  friend Template template_parse(const std::string&, const std::string&, const TemplateOptions&);
  std::string name_;
  TemplateOptions options_;
  std::shared_ptr<const TemplateAst> ast_;  // immutable once parsed: copies share it
};

// Parses `source`; `name` (a file name, "list.jinja") is only used in messages. Throws TemplateError.
Template template_parse(const std::string& source, const std::string& name, const TemplateOptions& options = {});

// Renders against `context` (a JSON object whose keys are the top-level variables). Throws TemplateError.
std::string template_render(const Template& tmpl, const nlohmann::json& context, const TemplateLimits& limits = {});

// Reads a template file and parses it (file errors are rf::Error naming the path).
Template template_load(const std::string& path, const TemplateOptions& options = {});

}  // namespace rf
