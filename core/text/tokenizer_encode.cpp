// Encoding: added tokens first, then per ordinary stretch the normalizer, the added tokens that match
// normalized text, the pre-tokenizer steps, and the BPE model; the post-processor's ids around it all.
#include "text/tokenizer.h"
#include "text/tokenizer_impl.h"
#include "text/unicode.h"
#include "text/unicode_normalize.h"

#include <algorithm>

namespace rf::text {

namespace {

using Range = std::pair<uint32_t, uint32_t>;

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    const size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

// Turns the matches of a delimiter pattern in `piece` into pieces, as SplitDelimiterBehavior says.
void split_by_matches(std::string_view piece, const std::vector<Range>& matches, SplitBehavior behavior, bool invert,
                      std::vector<std::string_view>& out) {
  thread_local std::vector<std::pair<Range, bool>> parts;  // (range, is delimiter)
  parts.clear();
  uint32_t pos = 0;
  for (const Range& m : matches) {
    if (m.first > pos) parts.push_back({{pos, m.first}, invert});
    if (m.second > m.first) parts.push_back({m, !invert});
    pos = m.second;
  }
  if (pos < piece.size()) parts.push_back({{pos, static_cast<uint32_t>(piece.size())}, invert});

  thread_local std::vector<Range> merged;
  merged.clear();
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::Isolated:
      for (const auto& p : parts) merged.push_back(p.first);
      break;
    case SplitBehavior::Removed:
      for (const auto& p : parts)
        if (!p.second) merged.push_back(p.first);
      break;
    case SplitBehavior::Contiguous:
      for (const auto& p : parts) {
        if (p.second == previous_match && !merged.empty())
          merged.back().second = p.first.second;
        else
          merged.push_back(p.first);
        previous_match = p.second;
      }
      break;
    case SplitBehavior::MergedWithPrevious:
      for (const auto& p : parts) {
        if (p.second && !previous_match && !merged.empty())
          merged.back().second = p.first.second;
        else
          merged.push_back(p.first);
        previous_match = p.second;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (size_t k = parts.size(); k-- > 0;) {
        const auto& p = parts[k];
        if (p.second && !previous_match && !merged.empty())
          merged.back().first = p.first.first;
        else
          merged.push_back(p.first);
        previous_match = p.second;
      }
      std::reverse(merged.begin(), merged.end());
      break;
  }
  for (const Range& r : merged)
    if (r.second > r.first) out.push_back(piece.substr(r.first, r.second - r.first));
}

void find_literal(std::string_view piece, std::string_view pattern, std::vector<Range>& matches) {
  if (pattern.empty()) return;
  for (size_t pos = piece.find(pattern); pos != std::string_view::npos; pos = piece.find(pattern, pos + pattern.size()))
    matches.emplace_back(static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + pattern.size()));
}

void find_digits(std::string_view piece, bool individual, std::vector<Range>& matches) {
  for (size_t i = 0; i < piece.size(); ++i) {
    if (piece[i] < '0' || piece[i] > '9') continue;
    size_t j = i + 1;
    if (!individual)
      while (j < piece.size() && piece[j] >= '0' && piece[j] <= '9') ++j;
    matches.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(j));
    i = j - 1;
  }
}

}  // namespace

std::string_view TokenizerImpl::normalize(std::string_view text, EncodeArena& arena) const {
  std::string_view cur = text;
  for (const NormalizerStep& step : normalizers) {
    switch (step.kind) {
      case NormalizerStep::Kind::Nfc:
        if (nfc_may_change(cur)) cur = arena.keep(nfc(cur));
        break;
      case NormalizerStep::Kind::Nfd:
        cur = arena.keep(nfd(cur));
        break;
      case NormalizerStep::Kind::Prepend:
        if (!cur.empty()) cur = arena.keep(step.to + std::string(cur));
        break;
      case NormalizerStep::Kind::Replace:
        if (cur.find(step.from) != std::string_view::npos) cur = arena.keep(replace_all(cur, step.from, step.to));
        break;
      case NormalizerStep::Kind::Strip: {
        int len = 0;
        while (step.left && !cur.empty() && is_white_space(utf8_decode(cur, 0, len))) cur.remove_prefix(static_cast<size_t>(len));
        while (step.right && !cur.empty()) {
          size_t back = cur.size() - 1;
          while (back > 0 && (static_cast<unsigned char>(cur[back]) & 0xC0) == 0x80) --back;
          if (!is_white_space(utf8_decode(cur, back, len))) break;
          cur = cur.substr(0, back);
        }
        break;
      }
    }
  }
  return cur;
}

void TokenizerImpl::pre_tokenize(std::string_view text, bool at_start, EncodeArena& arena,
                                 std::vector<std::string_view>& pieces) const {
  pieces.clear();
  if (text.empty()) return;
  pieces.push_back(text);
  thread_local std::vector<std::string_view> next;
  thread_local std::vector<Range> matches;
  for (const PreTokenizerStep& step : pretokenizers) {
    next.clear();
    for (size_t i = 0; i < pieces.size(); ++i) {
      std::string_view piece = pieces[i];
      matches.clear();
      switch (step.kind) {
        case PreTokenizerStep::Kind::SplitRegex:
          split_regex_find(step.regex, piece, matches);
          split_by_matches(piece, matches, step.behavior, step.invert, next);
          break;
        case PreTokenizerStep::Kind::SplitString:
          find_literal(piece, step.literal, matches);
          split_by_matches(piece, matches, step.behavior, step.invert, next);
          break;
        case PreTokenizerStep::Kind::Digits:
          find_digits(piece, step.individual_digits, matches);
          split_by_matches(piece, matches, step.individual_digits ? SplitBehavior::Isolated : SplitBehavior::Contiguous,
                           false, next);
          break;
        case PreTokenizerStep::Kind::ByteLevel:
          // Bytes need no mapping: the model works on raw bytes. Only the prefix space and the GPT-2 split.
          if (step.add_prefix_space && piece[0] != ' ') piece = arena.keep(" " + std::string(piece));
          if (step.use_regex) {
            split_regex_find(SplitRegex::Gpt2, piece, matches);
            split_by_matches(piece, matches, SplitBehavior::Isolated, false, next);
          } else {
            next.push_back(piece);
          }
          break;
        case PreTokenizerStep::Kind::Metaspace: {
          std::string replaced = replace_all(piece, " ", step.literal);
          const bool prepend = step.prepend == PreTokenizerStep::Prepend::Always ||
                               (step.prepend == PreTokenizerStep::Prepend::First && at_start && i == 0);
          if (prepend && replaced.rfind(step.literal, 0) != 0) replaced.insert(0, step.literal);
          piece = arena.keep(std::move(replaced));
          if (step.split) {
            find_literal(piece, step.literal, matches);
            split_by_matches(piece, matches, SplitBehavior::MergedWithNext, false, next);
          } else {
            next.push_back(piece);
          }
          break;
        }
      }
    }
    pieces.swap(next);
  }
  // Per-thread buffers: keep them for the next call, unless a huge input blew them up.
  constexpr size_t kKeep = size_t{1} << 20;
  if (matches.capacity() > kKeep) std::vector<Range>().swap(matches);
  if (next.capacity() > kKeep) std::vector<std::string_view>().swap(next);
}

void TokenizerImpl::encode_segment(std::string_view segment, bool at_start, EncodeArena& arena, BpeWordCache& cache,
                                   std::vector<int32_t>& ids) const {
  thread_local std::vector<std::string_view> pieces;
  auto encode_text = [&](std::string_view text, bool start) {
    pre_tokenize(text, start, arena, pieces);
    for (std::string_view piece : pieces) model.encode_piece(piece, ids, &cache);
    if (pieces.capacity() > (size_t{1} << 20)) std::vector<std::string_view>().swap(pieces);
  };
  const std::string_view normalized = normalize(segment, arena);
  if (normalized_matcher.empty()) {
    encode_text(normalized, at_start);
    return;
  }
  std::vector<TextSplit> splits;
  normalized_matcher.split(normalized, splits);
  for (const TextSplit& s : splits) {
    if (s.id >= 0)
      ids.push_back(s.id);
    else
      encode_text(normalized.substr(s.begin, s.end - s.begin), at_start && s.begin == 0);
  }
}

}  // namespace rf::text

namespace rf {

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const text::TokenizerImpl& im = *impl_;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  if (add_special_tokens) ids.insert(ids.end(), im.prefix_ids.begin(), im.prefix_ids.end());
  text::EncodeArena arena;
  text::BpeWordCache cache(std::min<size_t>(text.size() / 16, 1 << 15));
  if (im.raw_matcher.empty()) {
    im.encode_segment(text, true, arena, cache, ids);
  } else {
    std::vector<text::TextSplit> splits;
    im.raw_matcher.split(text, splits);
    for (const text::TextSplit& s : splits) {
      if (s.id >= 0)
        ids.push_back(s.id);
      else
        im.encode_segment(text.substr(s.begin, s.end - s.begin), s.begin == 0, arena, cache, ids);
    }
  }
  if (add_special_tokens) ids.insert(ids.end(), im.suffix_ids.begin(), im.suffix_ids.end());
  return ids;
}

}  // namespace rf
