// Rating answers (the Rating recipe, RecZero's <rate> block): one number in [min, max], written as "4",
// "4.5", "4/5", "4 out of 5", "Rating: 4 stars". The number after '/' or "out of" is the scale, not a
// second rating; any other different number makes the answer ambiguous ("between 3 and 4").
#include "text/output_parse.h"
#include "text/output_parse_util.h"

#include <cmath>
#include <cstdlib>

namespace rf {

namespace {

using parse_util::number_text;
using parse_util::quote_text;

constexpr size_t kMaxNumbers = 64;

struct Number {
  double value = 0;
  size_t begin = 0, end = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Decimal numbers in s: "4", "4.5", ".5", "-1" (a sign only where it cannot be a dash between numbers:
// "3-4" is two numbers). Digits glued to letters ("R2D2", "B00ABC") are words, not numbers; "4stars" is 4.
std::vector<Number> numbers_in(std::string_view s) {
  std::vector<Number> out;
  for (size_t i = 0; i < s.size() && out.size() < kMaxNumbers;) {
    const bool dot_start = s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]) && (i == 0 || !is_digit(s[i - 1]));
    if (!is_digit(s[i]) && !dot_start) {
      ++i;
      continue;
    }
    if (i > 0 && is_letter(s[i - 1])) {  // inside a word ("v2", or "x.5": the '.' is passed over, then "5" is a word)
      ++i;
      while (i < s.size() && (is_digit(s[i]) || is_letter(s[i]))) ++i;
      continue;
    }
    size_t begin = i;
    const bool negative = i > 0 && s[i - 1] == '-' && (i < 2 || !(is_digit(s[i - 2]) || is_letter(s[i - 2])));
    if (negative) --begin;
    size_t j = i;
    while (j < s.size() && is_digit(s[j]) && j - i < 24) ++j;
    if (j + 1 < s.size() && s[j] == '.' && is_digit(s[j + 1]))
      for (++j; j < s.size() && is_digit(s[j]) && j - i < 48; ++j) {
      }
    const std::string digits(s.substr(begin, j - begin));
    out.push_back({std::strtod(digits.c_str(), nullptr), begin, j});
    while (j < s.size() && is_digit(s[j])) ++j;  // the rest of an absurdly long number
    i = j;
  }
  return out;
}

// Index of the number used as the scale right after numbers[k] ("4/5", "4 / 5", "4 out of 5"), or -1.
int scale_after(std::string_view s, const std::vector<Number>& numbers, size_t k) {
  if (k + 1 >= numbers.size()) return -1;
  std::string_view between = parse_util::trim(s.substr(numbers[k].end, numbers[k + 1].begin - numbers[k].end));
  const std::string lower = parse_util::ascii_lower(between);
  if (lower == "/" || lower == "out of" || lower == "of") return static_cast<int>(k + 1);
  return -1;
}

}  // namespace

RatingAnswer output_parse_rating(const std::string& text, double min, double max) {
  RatingAnswer out;
  bool cut = false;
  const std::string clean = parse_util::utf8_clean(text, parse_util::kMaxAnswerBytes, &cut);
  if (cut) out.problems.push_back("the rating is longer than 64 KiB; only its start was read");
  const std::string_view s = parse_util::trim(clean);
  if (s.empty()) {
    out.problems.push_back("the rating is empty");
    return out;
  }
  const std::vector<Number> numbers = numbers_in(s);
  std::vector<double> values;  // distinct ratings, in order
  std::vector<double> scales;
  std::vector<bool> is_scale(numbers.size(), false);
  for (size_t k = 0; k < numbers.size(); ++k) {
    if (is_scale[k]) continue;
    if (const int sc = scale_after(s, numbers, k); sc >= 0) {
      is_scale[static_cast<size_t>(sc)] = true;
      scales.push_back(numbers[static_cast<size_t>(sc)].value);
    }
    bool seen = false;
    for (const double v : values) seen = seen || v == numbers[k].value;
    if (!seen) values.push_back(numbers[k].value);
  }
  if (values.empty()) {
    out.problems.push_back("no number in the rating: " + quote_text(s));
    return out;
  }
  if (values.size() > 1) {
    std::string list;
    for (size_t i = 0; i < values.size() && i < 5; ++i) list += (i ? ", " : "") + number_text(values[i]);
    if (values.size() > 5) list += ", …";
    out.problems.push_back("several different numbers in the rating (" + list + "); expected one: " + quote_text(s));
    return out;
  }
  out.value = values.front();
  for (const double scale : scales) {
    if (scale != max) {
      out.problems.push_back("the rating is given on a scale of " + number_text(scale) + "; expected a number in [" +
                             number_text(min) + ", " + number_text(max) + "]");
      return out;
    }
  }
  if (!(out.value >= min && out.value <= max)) {
    out.problems.push_back("the rating " + number_text(out.value) + " is outside [" + number_text(min) + ", " +
                           number_text(max) + "]");
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace rf
