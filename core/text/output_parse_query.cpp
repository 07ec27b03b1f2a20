// Search-query answers (the Query recipe, Rec-R1): the "query" string of a JSON object. Tolerated and
// noted: a ```json fence, words around the object, trailing commas. Refused with a reason: no JSON object,
// single-quoted JSON (Rec-R1's json.loads refuses it too), a missing or non-string or empty "query".
#include "text/output_parse.h"
#include "text/output_parse_util.h"

#include <nlohmann/json.hpp>

namespace rf {

namespace {

using parse_util::quote_text;

constexpr size_t kMaxObjects = 8;
constexpr int kMaxDepth = 32;

struct ObjectSpan {
  size_t begin = 0;
  size_t end = 0;  // one past '}'; std::string_view::npos when the object is never closed
};

// Top-level {...} spans of s, skipping braces inside double-quoted strings.
std::vector<ObjectSpan> object_spans(std::string_view s) {
  std::vector<ObjectSpan> out;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size() && out.size() <= kMaxObjects; ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"' && depth > 0) in_string = true;
    else if (c == '{') {
      if (depth++ == 0) out.push_back({i, std::string_view::npos});
    } else if (c == '}' && depth > 0) {
      if (--depth == 0) out.back().end = i + 1;
    }
  }
  return out;
}

struct Parsed {
  nlohmann::json value;
  bool ok = false;
  bool trailing_comma = false;
  bool single_quotes = false;
  std::string failure;
};

Parsed parse_object(std::string_view text) {
  Parsed p;
  if (parse_util::json_depth(text, kMaxDepth) > kMaxDepth) {
    p.failure = "the JSON nests more than " + std::to_string(kMaxDepth) + " levels deep";
    return p;
  }
  p.value = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!p.value.is_discarded()) return p.ok = true, p;
  std::string repaired(text);
  p.trailing_comma = parse_util::json_strip_trailing_commas(repaired);
  if (p.trailing_comma) {
    p.value = nlohmann::json::parse(repaired, nullptr, false);
    if (!p.value.is_discarded()) return p.ok = true, p;
  }
  p.single_quotes = parse_util::json_single_to_double_quotes(repaired);
  if (p.single_quotes) {
    p.trailing_comma = parse_util::json_strip_trailing_commas(repaired) || p.trailing_comma;
    p.value = nlohmann::json::parse(repaired, nullptr, false);
    if (!p.value.is_discarded()) return p.ok = true, p;
  }
  p.single_quotes = p.trailing_comma = false;
  p.failure = "the answer is not valid JSON: " + quote_text(text);
  return p;
}

std::string key_list(const nlohmann::json& object) {
  std::string keys;
  for (const auto& [key, value] : object.items()) keys += (keys.empty() ? "" : ", ") + quote_text(key, 30);
  return keys.empty() ? "none" : keys;
}

}  // namespace

QueryAnswer output_parse_query(const std::string& answer) {
  QueryAnswer out;
  bool cut = false;
  const std::string clean = parse_util::utf8_clean(answer, parse_util::kMaxAnswerBytes, &cut);
  if (cut) out.problems.push_back("the answer is longer than 64 KiB; only its start was read");
  const std::string_view trimmed = parse_util::trim(clean);
  if (trimmed.empty()) {
    out.problems.push_back("the answer is empty (expected {\"query\": \"...\"})");
    return out;
  }
  bool around_fence = false;
  const std::string_view body = parse_util::strip_code_fence(trimmed, &around_fence);
  const std::vector<ObjectSpan> spans = object_spans(body);
  if (spans.empty()) {
    out.problems.push_back("the answer is not a JSON object (expected {\"query\": \"...\"}): " + quote_text(body));
    return out;
  }

  const Parsed* chosen = nullptr;
  size_t chosen_span = 0, with_query = 0;
  std::vector<Parsed> parsed;
  parsed.reserve(spans.size());
  std::string first_failure, first_fields;
  for (size_t i = 0; i < spans.size() && i < kMaxObjects; ++i) {
    const ObjectSpan& span = spans[i];
    if (span.end == std::string_view::npos) {
      if (first_failure.empty()) first_failure = "the JSON object is not closed: " + quote_text(body.substr(span.begin));
      continue;
    }
    parsed.push_back(parse_object(body.substr(span.begin, span.end - span.begin)));
    const Parsed& p = parsed.back();
    if (!p.ok) {
      if (first_failure.empty()) first_failure = p.failure;
      continue;
    }
    if (!p.value.is_object()) continue;
    if (!p.value.contains("query")) {
      if (first_fields.empty()) {
        first_fields = key_list(p.value);
        for (const auto& [key, value] : p.value.items())
          if (key != "query" && parse_util::ascii_lower(key) == "query") first_fields += " (field names are case-sensitive)";
      }
      continue;
    }
    if (++with_query == 1) chosen = &p, chosen_span = i;
  }
  if (!chosen) {
    if (!first_fields.empty()) out.problems.push_back("the JSON object has no \"query\" field (its fields: " + first_fields + ")");
    else out.problems.push_back(first_failure.empty() ? "the answer holds no JSON object" : first_failure);
    return out;
  }

  const ObjectSpan& span = spans[chosen_span];
  if (around_fence || !parse_util::is_blank(body.substr(0, span.begin)) || !parse_util::is_blank(body.substr(span.end)))
    out.problems.push_back("text around the JSON object was ignored");
  if (with_query > 1)
    out.problems.push_back("the answer holds " + std::to_string(with_query) + " objects with a \"query\"; the first was read");
  if (chosen->trailing_comma) out.problems.push_back("the JSON has a trailing comma (tolerated)");
  const nlohmann::json& q = chosen->value["query"];
  if (!q.is_string()) {
    out.problems.push_back(std::string("\"query\" is ") + (q.is_null() ? "null" : (q.is_array() || q.is_object() ? "an " : "a ") + std::string(q.type_name())) +
                           ", not a string: " + quote_text(q.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return out;
  }
  const std::string value(parse_util::trim(q.get_ref<const std::string&>()));
  if (chosen->single_quotes) {
    out.problems.push_back("the JSON uses single quotes; JSON strings need double quotes (query " + quote_text(value) + ")");
    return out;
  }
  if (value.empty()) {
    out.problems.push_back("\"query\" is empty");
    return out;
  }
  out.query = value;
  out.ok = true;
  return out;
}

}  // namespace rf
