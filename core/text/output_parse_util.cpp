// Text helpers shared by the output parsers: UTF-8 clean-up, trimming, code fences, quoting model text in
// problem messages, and the two JSON repairs (trailing commas, single quotes) the parsers know about.
#include "text/output_parse_util.h"

#include "text/unicode.h"

#include <cstdio>

namespace rf::parse_util {

std::string utf8_clean(std::string_view s, size_t max_bytes, bool* cut) {
  size_t n = s.size();
  if (n > max_bytes) {
    n = max_bytes;
    // Back up to a lead byte so the cut does not leave half a character behind.
    for (int k = 0; k < 3 && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80; ++k) --n;
  }
  if (cut) *cut = n < s.size();
  std::string out;
  out.reserve(n);
  text::utf8_append_lossy(out, s.substr(0, n));
  return out;
}

std::string_view trim(std::string_view s) { return text::utf8_trim(s); }

bool is_blank(std::string_view s) { return trim(s).empty(); }

std::string_view strip_code_fence(std::string_view s, bool* outside) {
  if (outside) *outside = false;
  const size_t open = s.find("```");
  if (open == std::string_view::npos) return s;
  size_t body = open + 3;
  while (body < s.size() && ((s[body] | 0x20) >= 'a' && (s[body] | 0x20) <= 'z')) ++body;  // language: json, JSON
  const size_t close = s.find("```", body);
  const std::string_view inner = s.substr(body, close == std::string_view::npos ? std::string_view::npos : close - body);
  if (outside) {
    const bool after = close != std::string_view::npos && !is_blank(s.substr(close + 3));
    *outside = !is_blank(s.substr(0, open)) || after;
  }
  return trim(inner);
}

std::string quote_text(std::string_view s, size_t max_chars) {
  std::string out = "\"";
  size_t i = 0;
  for (; i < s.size() && out.size() < max_chars + 1; ++i) {
    const char c = s[i];
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  if (i < s.size()) {
    // Never end on half a character.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "…";
  }
  return out + "\"";
}

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

int json_depth(std::string_view s, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

bool json_strip_trailing_commas(std::string& s) {
  std::string out;
  out.reserve(s.size());
  bool in_string = false, changed = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) out += s[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == ',') {
      size_t j = i + 1;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) ++j;
      if (j < s.size() && (s[j] == '}' || s[j] == ']')) {
        changed = true;
        continue;
      }
    }
    out += c;
  }
  s.swap(out);
  return changed;
}

bool json_single_to_double_quotes(std::string& s) {
  std::string out;
  out.reserve(s.size() + 8);
  bool changed = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {  // copy a double-quoted string as it is
      out += c;
      for (++i; i < s.size(); ++i) {
        out += s[i];
        if (s[i] == '\\' && i + 1 < s.size()) out += s[++i];
        else if (s[i] == '"') break;
      }
      continue;
    }
    if (c != '\'') {
      out += c;
      continue;
    }
    changed = true;
    out += '"';
    for (++i; i < s.size() && s[i] != '\''; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        if (s[i + 1] == '\'') out += '\'';
        else out += s.substr(i, 2);
        ++i;
      } else if (s[i] == '"') {
        out += "\\\"";
      } else {
        out += s[i];
      }
    }
    out += '"';
  }
  s.swap(out);
  return changed;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace rf::parse_util
