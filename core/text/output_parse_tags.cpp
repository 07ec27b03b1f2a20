// The tag-structure check of a completion (<think>…</think><answer>…</answer>, RecZero's four blocks):
// every required tag exactly once, in order, closed, not nested, non-empty, with exact byte positions.
//
// Strictness (it feeds the format reward): a tag counts only when written exactly `<name>` / `</name>`.
// Near misses of a required tag — other case, spaces inside the brackets, `_` for a space, a
// self-closing `<answer/>` — do not count as the tag and are reported as problems (so `ok` is false),
// because a model that writes `< answer >` has not learnt the format even when a parser could guess.
// Mentions of a tag inside the text (e.g. "I'll put it in <answer>") count as occurrences, as in the
// papers' checks, which count the tag strings.
#include "text/output_parse.h"
#include "text/output_parse_util.h"

#include <algorithm>

namespace rf {

namespace {

using parse_util::quote_text;

struct TagToken {
  size_t tag = 0;  // index into `required`
  bool close = false;
  size_t begin = 0, end = 0;
};

// Lower case with white space, '_' and '-' removed: the key near misses are compared on.
std::string near_key(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '_' || c == '-') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string position_text(size_t at) { return "at byte " + std::to_string(at); }

}  // namespace

TagCheck output_check_tags(const std::string& text, const std::vector<std::string>& required, bool strict_outside) {
  TagCheck check;
  std::vector<std::string> keys;
  size_t longest = 0;
  for (const std::string& name : required) {
    keys.push_back(near_key(name));
    longest = std::max(longest, name.size());
  }
  // A tag is short; looking further than this for its '>' would make the scan quadratic on text full of '<'.
  const size_t max_inner = longest + 16;

  std::vector<TagToken> tokens;
  std::vector<std::string> near_misses;
  for (size_t lt = text.find('<'); lt != std::string::npos; lt = text.find('<', lt + 1)) {
    size_t gt = lt + 1;
    while (gt < text.size() && gt - lt - 1 <= max_inner && text[gt] != '>' && text[gt] != '<') ++gt;
    if (gt >= text.size() || text[gt] != '>') continue;
    const std::string_view inner(text.data() + lt + 1, gt - lt - 1);
    bool exact = false;
    for (size_t t = 0; t < required.size() && !exact; ++t) {
      if (inner == required[t]) tokens.push_back({t, false, lt, gt + 1}), exact = true;
      else if (inner.size() == required[t].size() + 1 && inner[0] == '/' && inner.substr(1) == required[t])
        tokens.push_back({t, true, lt, gt + 1}), exact = true;
    }
    if (exact) continue;
    std::string key = near_key(inner);
    const bool closing = !key.empty() && key.front() == '/';
    if (closing) key.erase(0, 1);
    const bool self_closing = !key.empty() && key.back() == '/';
    if (self_closing) key.pop_back();
    for (size_t t = 0; t < required.size(); ++t) {
      if (key != keys[t]) continue;
      near_misses.push_back(quote_text(text.substr(lt, gt + 1 - lt)) + " " + position_text(lt) + " is not the tag <" +
                            (closing ? "/" : "") + required[t] + "> (tags are written exactly, without spaces" +
                            (self_closing ? " or a closing slash" : "") + ")");
      break;
    }
  }

  std::vector<TagSpan> spans;
  std::vector<size_t> span_tag;  // spans[i] is for required[span_tag[i]]
  for (size_t t = 0; t < required.size(); ++t) {
    const std::string& name = required[t];
    std::vector<const TagToken*> opens, closes;
    for (const TagToken& tok : tokens)
      if (tok.tag == t) (tok.close ? closes : opens).push_back(&tok);
    if (opens.empty() && closes.empty()) {
      check.problems.push_back("<" + name + "> is missing");
      continue;
    }
    if (opens.empty()) check.problems.push_back("<" + name + "> is missing (only </" + name + "> is there)");
    else if (closes.empty()) check.problems.push_back("</" + name + "> is missing");
    if (opens.size() > 1) check.problems.push_back("<" + name + "> appears " + std::to_string(opens.size()) + " times");
    if (closes.size() > 1) check.problems.push_back("</" + name + "> appears " + std::to_string(closes.size()) + " times");
    if (opens.empty() || closes.empty()) continue;
    const TagToken* open = opens.front();
    const TagToken* close = nullptr;
    for (const TagToken* c : closes)
      if (c->begin >= open->end) {
        close = c;
        break;
      }
    if (!close) {
      check.problems.push_back("</" + name + "> comes before <" + name + ">");
      continue;
    }
    TagSpan span;
    span.name = name;
    span.open_begin = open->begin;
    span.open_end = open->end;
    span.close_begin = close->begin;
    span.close_end = close->end;
    span.content = std::string(parse_util::trim(std::string_view(text).substr(open->end, close->begin - open->end)));
    if (span.content.empty()) check.problems.push_back("<" + name + "> is empty");
    spans.push_back(std::move(span));
    span_tag.push_back(t);
  }

  // Order and nesting between the blocks found (spans are in `required` order here).
  for (size_t a = 0; a < spans.size(); ++a) {
    for (size_t b = a + 1; b < spans.size(); ++b) {
      const TagSpan& first = spans[a];
      const TagSpan& second = spans[b];
      const bool b_in_a = second.open_begin >= first.open_end && second.close_end <= first.close_begin;
      const bool a_in_b = first.open_begin >= second.open_end && first.close_end <= second.close_begin;
      if (b_in_a) check.problems.push_back("<" + second.name + "> is inside <" + first.name + ">");
      else if (a_in_b) check.problems.push_back("<" + first.name + "> is inside <" + second.name + ">");
      else if (second.open_begin < first.close_end && second.close_end > first.open_begin)
        check.problems.push_back("<" + first.name + "> and <" + second.name + "> overlap");
      else if (second.open_begin < first.open_begin)
        check.problems.push_back("<" + second.name + "> comes before <" + first.name + "> (expected the order " +
                                 [&] {
                                   std::string order;
                                   for (const std::string& n : required) order += (order.empty() ? "<" : ", <") + n + ">";
                                   return order;
                                 }() + ")");
    }
  }

  std::sort(spans.begin(), spans.end(), [](const TagSpan& x, const TagSpan& y) { return x.open_begin < y.open_begin; });
  if (strict_outside) {
    size_t at = 0;
    auto check_gap = [&](size_t from, size_t to) {
      if (to <= from) return false;
      const std::string_view gap(text.data() + from, to - from);
      const std::string_view words = parse_util::trim(gap);
      if (words.empty()) return false;
      check.problems.push_back("text outside the tags " + position_text(static_cast<size_t>(words.data() - text.data())) +
                               ": " + quote_text(words, 40));
      return true;
    };
    bool reported = false;
    for (const TagSpan& s : spans) {
      if (!reported && s.open_begin >= at) reported = check_gap(at, s.open_begin);
      at = std::max(at, s.close_end);
    }
    if (!reported) check_gap(at, text.size());
  }
  for (std::string& m : near_misses) check.problems.push_back(std::move(m));
  check.tags = std::move(spans);
  check.ok = check.problems.empty();
  return check;
}

std::optional<TagSpan> output_last_block(const std::string& text, const std::string& tag) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  const size_t close_at = text.rfind(close);
  if (close_at == std::string::npos || close_at < open.size()) return std::nullopt;
  const size_t open_at = text.rfind(open, close_at - open.size());
  if (open_at == std::string::npos) return std::nullopt;
  TagSpan span;
  span.name = tag;
  span.open_begin = open_at;
  span.open_end = open_at + open.size();
  span.close_begin = close_at;
  span.close_end = close_at + close.size();
  span.content = std::string(parse_util::trim(std::string_view(text).substr(span.open_end, close_at - span.open_end)));
  return span;
}

}  // namespace rf
