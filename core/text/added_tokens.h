// Added (and special) tokens: found in the text before any other step, leftmost-longest like Hugging Face's
// Aho-Corasick matcher, honouring lstrip / rstrip (swallow neighbouring whitespace) and single_word (only
// between non-word characters).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rf::text {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool single_word = false, lstrip = false, rstrip = false, normalized = false, special = false;
};

struct TextSplit {
  size_t begin, end;  // byte range in the text given to split()
  int32_t id;         // the added token's id, or -1 for ordinary text
};

class AddedTokenMatcher {
 public:
  // `patterns[i]` is what to look for (the content, or its normalized form) for `tokens[i]`.
  void build(std::vector<AddedToken> tokens, std::vector<std::string> patterns);
  bool empty() const { return tokens_.empty(); }
  // Splits `text` into ordinary stretches and added tokens (appended to `out`).
  void split(std::string_view text, std::vector<TextSplit>& out) const;

 private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children;  // sorted by byte
    int32_t token = -1;                                       // index into tokens_
  };
  int32_t child(int32_t node, unsigned char byte) const;
  // Longest pattern starting at `pos`: token index and its end, or -1.
  int32_t longest_at(std::string_view text, size_t pos, size_t& end) const;

  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
};

}  // namespace rf::text
