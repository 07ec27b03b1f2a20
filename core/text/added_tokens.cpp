// Added-token matching: a byte trie walked from each position whose first byte can start a token, with
// Hugging Face's lstrip / rstrip / single_word rules applied to each match (added_vocabulary.rs).
#include "text/added_tokens.h"

#include "text/unicode.h"

#include <algorithm>

namespace rf::text {

void AddedTokenMatcher::build(std::vector<AddedToken> tokens, std::vector<std::string> patterns) {
  tokens_ = std::move(tokens);
  nodes_.assign(1, Node{});
  std::fill(std::begin(first_byte_), std::end(first_byte_), false);
  for (size_t t = 0; t < tokens_.size(); ++t) {
    const std::string& pattern = patterns[t];
    if (pattern.empty()) continue;
    first_byte_[static_cast<unsigned char>(pattern[0])] = true;
    int32_t node = 0;
    for (char c : pattern) {
      const auto byte = static_cast<unsigned char>(c);
      int32_t next = child(node, byte);
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        nodes_.emplace_back();
        auto& children = nodes_[static_cast<size_t>(node)].children;
        children.insert(std::lower_bound(children.begin(), children.end(), std::make_pair(byte, int32_t{-1})),
                        std::make_pair(byte, next));
      }
      node = next;
    }
    if (nodes_[static_cast<size_t>(node)].token < 0) nodes_[static_cast<size_t>(node)].token = static_cast<int32_t>(t);
  }
}

int32_t AddedTokenMatcher::child(int32_t node, unsigned char byte) const {
  const auto& children = nodes_[static_cast<size_t>(node)].children;
  auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(byte, int32_t{-1}));
  return it != children.end() && it->first == byte ? it->second : -1;
}

int32_t AddedTokenMatcher::longest_at(std::string_view text, size_t pos, size_t& end) const {
  int32_t node = 0, found = -1;
  for (size_t i = pos; i < text.size(); ++i) {
    node = child(node, static_cast<unsigned char>(text[i]));
    if (node < 0) break;
    if (nodes_[static_cast<size_t>(node)].token >= 0) {
      found = nodes_[static_cast<size_t>(node)].token;
      end = i + 1;
    }
  }
  return found;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<TextSplit>& out) const {
  size_t done = 0;  // text before this offset has been emitted
  size_t pos = 0;
  while (pos < text.size()) {
    if (!first_byte_[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    size_t end = 0;
    const int32_t t = longest_at(text, pos, end);
    if (t < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[static_cast<size_t>(t)];
    size_t start = pos;
    size_t stop = end;
    pos = end;  // the search resumes after the match even when the match is rejected
    if (token.single_word) {
      const bool start_ok = start == 0 || !is_word_char(utf8_decode_before(text, start));
      int len = 0;
      const bool stop_ok = stop == text.size() || !is_word_char(utf8_decode(text, stop, len));
      if (!start_ok || !stop_ok) continue;
    }
    if (token.lstrip) {
      size_t s = start;
      while (s > done) {
        size_t back = s - 1;
        while (back > done && (static_cast<unsigned char>(text[back]) & 0xC0) == 0x80) --back;
        int len = 0;
        if (!is_white_space(utf8_decode(text, back, len))) break;
        s = back;
      }
      start = s;
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        int len = 0;
        if (!is_white_space(utf8_decode(text, stop, len))) break;
        stop += static_cast<size_t>(len);
      }
      pos = stop;
    }
    if (done < start) out.push_back(TextSplit{done, start, -1});
    out.push_back(TextSplit{start, stop, token.id});
    done = stop;
  }
  if (done < text.size()) out.push_back(TextSplit{done, text.size(), -1});
}

}  // namespace rf::text
