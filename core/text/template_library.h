// Shared by the template library's files (template_filters.cpp, template_builtins.cpp, template_text.cpp):
// the signature every filter, test, method and function has, argument helpers, and the text helpers
// (characters, words, letter case, dates) they are built from. Internal to core/text.
#pragma once

#include "text/template_render.h"

#include <string>
#include <vector>

namespace rf::tmpl {

using Named = std::vector<std::pair<std::string, const json*>>;
using Extra = std::vector<const json*>;

#define RF_FN(name) Value name(Renderer& r, const Expr& at, Value& input, const Args& a, const Extra& extra, const Named& named)
#define RF_UNUSED (void)r, (void)at, (void)input, (void)a, (void)extra, (void)named

inline std::string quote(const std::string& s) { return "'" + s + "'"; }

// ---- arguments (nullptr / none = not given) ----
inline const json* arg(const Args& a, size_t i) { return i < a.size() ? a[i] : nullptr; }
int64_t arg_int(Renderer& r, const Expr& at, const Args& a, size_t i, int64_t fallback, const char* what);
std::string arg_string(Renderer& r, const Expr& at, const Args& a, size_t i, const std::string& fallback, const char* what);
bool arg_bool(const Args& a, size_t i, bool fallback);
// The input, or an error "'<name>' needs <expected>, not <its type>" when !ok.
const json& need(Renderer& r, const Expr& at, const Value& input, bool ok, const char* expected);

// ---- text (template_text.cpp) ----
std::vector<std::string> split_chars(const std::string& s);  // code points, as UTF-8 strings
std::string first_chars(const std::string& s, int64_t n);      // the first n code points
bool is_ascii_space(char c);
std::string rstrip_space(std::string s);
std::vector<std::string> split_words(const std::string& s);    // on runs of ASCII whitespace
std::string case_map(std::string s, int mode);                 // 0 lower, 1 upper, 2 title, 3 capitalize (ASCII)
// Strips whitespace (chars == nullptr or none) or the given characters from the chosen ends.
std::string strip_chars(const std::string& s, const json* chars, bool left, bool right);
// Replaces `from` by `to` (count < 0: all), size-checked against the render's limits.
std::string replace_all(Renderer& r, const Expr& at, const std::string& s, const std::string& from, const std::string& to, int64_t count);
// strftime-like formatting of unix seconds in UTC (the directives docs/templates.md lists).
std::string format_date(Renderer& r, const Expr& at, double seconds, const std::string& format);

// The filters (template_filters.cpp); tests, methods and functions are in template_builtins.cpp.
const std::vector<Callable>& filter_table();

}  // namespace rf::tmpl
