// The template library's text helpers (see template_library.h): characters and words of UTF-8 strings,
// ASCII letter case, stripping, replacing, strftime-like dates, and the argument helpers.
#include "text/template_library.h"

#include "text/unicode.h"

#include <cmath>
#include <unordered_set>

namespace rf::tmpl {

int64_t arg_int(Renderer& r, const Expr& at, const Args& a, size_t i, int64_t fallback, const char* what) {
  const json* v = arg(a, i);
  if (v == nullptr || v->is_null()) return fallback;
  if (!is_integer(*v)) {
    if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>()) return as_int(*v);
    r.fail(at.pos, quote(at.name) + ": '" + what + "' must be an integer, not " + type_name(*v));
  }
  return as_int(*v);
}

std::string arg_string(Renderer& r, const Expr& at, const Args& a, size_t i, const std::string& fallback, const char* what) {
  const json* v = arg(a, i);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_string()) r.fail(at.pos, quote(at.name) + ": '" + what + "' must be a string, not " + type_name(*v));
  return v->get<std::string>();
}

bool arg_bool(const Args& a, size_t i, bool fallback) {
  const json* v = arg(a, i);
  return v == nullptr || v->is_null() ? fallback : json_truthy(*v);
}

const json& need(Renderer& r, const Expr& at, const Value& input, bool ok, const char* expected) {
  const json& v = input.get();
  if (!ok) r.fail(at.pos, quote(at.name) + " needs " + expected + ", not " + type_name(v));
  return v;
}

// A string input; numbers and the rest are printed first, as Jinja does for string filters.

std::vector<std::string> split_chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    int len = 1;
    text::utf8_decode(s, i, len);
    out.push_back(s.substr(i, static_cast<size_t>(len)));
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string first_chars(const std::string& s, int64_t n) {
  size_t i = 0;
  for (int64_t k = 0; k < n && i < s.size(); ++k) {
    int len = 1;
    text::utf8_decode(s, i, len);
    i += static_cast<size_t>(len);
  }
  return s.substr(0, i);
}

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string rstrip_space(std::string s) {
  while (!s.empty() && is_ascii_space(s.back())) s.pop_back();
  return s;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_ascii_space(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !is_ascii_space(s[j])) ++j;
    if (j > i) words.push_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

// `item.a.b` / `item.0` by a dotted path; nullptr when a part is missing.

std::string case_map(std::string s, int mode) {  // 0 lower, 1 upper, 2 title, 3 capitalize (ASCII letters)
  bool word_start = true;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const bool alpha = std::isalpha(c) != 0;
    if (mode == 0) s[i] = static_cast<char>(std::tolower(c));
    else if (mode == 1) s[i] = static_cast<char>(std::toupper(c));
    else if (mode == 2) s[i] = static_cast<char>(word_start ? std::toupper(c) : std::tolower(c));
    else s[i] = static_cast<char>(i == 0 ? std::toupper(c) : std::tolower(c));
    // Title case restarts after anything that is not a letter, digit or apostrophe, like Python's str.title.
    word_start = !(alpha || std::isdigit(c) || c == '\'' || c >= 0x80);
  }
  return s;
}

std::string strip_chars(const std::string& s, const json* chars, bool left, bool right) {
  std::unordered_set<uint32_t> set;
  if (chars != nullptr && chars->is_string()) {
    const std::string& c = chars->get_ref<const std::string&>();
    for (size_t i = 0; i < c.size();) {
      int len = 1;
      set.insert(text::utf8_decode(c, i, len));
      i += static_cast<size_t>(len);
    }
  }
  auto strip = [&](uint32_t cp) { return set.empty() && (chars == nullptr || chars->is_null()) ? text::is_white_space(cp) : set.count(cp) > 0; };
  size_t b = 0, e = s.size();
  while (left && b < e) {
    int len = 1;
    if (!strip(text::utf8_decode(s, b, len))) break;
    b += static_cast<size_t>(len);
  }
  while (right && e > b) {
    size_t p = e - 1;
    while (p > b && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
    int len = 1;
    if (!strip(text::utf8_decode(s, p, len)) || p + static_cast<size_t>(len) != e) break;
    e = p;
  }
  return s.substr(b, e - b);
}

std::string replace_all(Renderer& r, const Expr& at, const std::string& s, const std::string& from, const std::string& to, int64_t count) {
  if (from.empty()) return s;
  std::string out;
  size_t i = 0;
  int64_t done = 0;
  for (size_t j = s.find(from); j != std::string::npos && (count < 0 || done < count); j = s.find(from, i)) {
    out.append(s, i, j - i);
    out += to;
    i = j + from.size();
    ++done;
    r.check_size(static_cast<int64_t>(out.size()), at.pos, "the replaced string");
  }
  out.append(s, i, std::string::npos);
  r.check_size(static_cast<int64_t>(out.size()), at.pos, "the replaced string");
  return out;
}

// Days since 1970-01-01 -> civil date (Howard Hinnant's algorithm), valid for the whole int64 range we allow.
static void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

std::string format_date(Renderer& r, const Expr& at, double seconds, const std::string& format) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e14) r.fail(at.pos, "'date': " + value_to_string(json(seconds)) + " is not a usable time");
  const int64_t t = static_cast<int64_t>(std::floor(seconds));
  const int64_t days = (t >= 0 ? t : t - 86399) / 86400;
  const int64_t secs = t - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const int H = static_cast<int>(secs / 3600), M = static_cast<int>(secs / 60 % 60), S = static_cast<int>(secs % 60);
  static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
  static const char* const kDays[] = {"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"};
  const int weekday = static_cast<int>(((days % 7) + 7) % 7);  // 1970-01-01 was a Thursday
  const int64_t jan1 = days - static_cast<int64_t>(d) + 1 - [&] {
    static const int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return kCum[m - 1] + (leap && m > 2 ? 1 : 0);
  }();
  auto pad = [](int64_t v, int width) {
    std::string s = std::to_string(v < 0 ? -v : v);
    while (static_cast<int>(s.size()) < width) s.insert(0, "0");
    return (v < 0 ? "-" : "") + s;
  };
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      out += format[i];
      continue;
    }
    const char c = format[++i];
    switch (c) {
      case 'Y': out += std::to_string(y); break;
      case 'y': out += pad(((y % 100) + 100) % 100, 2); break;
      case 'm': out += pad(m, 2); break;
      case 'd': out += pad(d, 2); break;
      case 'e': out += (d < 10 ? " " : "") + std::to_string(d); break;
      case 'H': out += pad(H, 2); break;
      case 'I': out += pad(H % 12 == 0 ? 12 : H % 12, 2); break;
      case 'p': out += H < 12 ? "AM" : "PM"; break;
      case 'M': out += pad(M, 2); break;
      case 'S': out += pad(S, 2); break;
      case 'j': out += pad(days - jan1 + 1, 3); break;
      case 'B': out += kMonths[m - 1]; break;
      case 'b': out += std::string(kMonths[m - 1]).substr(0, 3); break;
      case 'A': out += kDays[weekday]; break;
      case 'a': out += std::string(kDays[weekday]).substr(0, 3); break;
      case 'F': out += std::to_string(y) + "-" + pad(m, 2) + "-" + pad(d, 2); break;
      case 'T': out += pad(H, 2) + ":" + pad(M, 2) + ":" + pad(S, 2); break;
      case 's': out += std::to_string(t); break;
      case 'z': out += "+0000"; break;
      case 'Z': out += "UTC"; break;
      case '%': out += '%'; break;
      default:
        r.fail(at.pos, std::string("'date': unsupported directive %") + c +
                           " (supported: %Y %y %m %d %e %H %I %p %M %S %j %B %b %A %a %F %T %s %z %Z %%)");
    }
  }
  return out;
}

}  // namespace rf::tmpl
