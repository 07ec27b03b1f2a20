// Token texts for constrained decoding (see token_texts.h).
#include "text/token_texts.h"

#include <algorithm>
#include <climits>

namespace rf {

TokenTexts token_texts_build(const Tokenizer& tokenizer) {
  TokenTexts out;
  const int64_t V = tokenizer.vocab_size();
  out.text.resize(static_cast<size_t>(V));
  out.special.assign(static_cast<size_t>(V), 0);
  // An anchor that is one ordinary token whose text does not merge with what follows it in decoding.
  std::vector<int32_t> anchor = tokenizer.encode("a");
  if (anchor.size() != 1) anchor.clear();
  const std::string anchor_text = anchor.empty() ? std::string() : tokenizer.decode(anchor);
  for (int64_t id = 0; id < V; ++id) {
    const int32_t i = static_cast<int32_t>(id);
    if (tokenizer.is_special(i)) {
      out.special[static_cast<size_t>(id)] = 1;
      continue;
    }
    std::vector<int32_t> ids = anchor;
    ids.push_back(i);
    std::string t = tokenizer.decode(ids);
    if (!anchor.empty() && t.compare(0, anchor_text.size(), anchor_text) == 0)
      t.erase(0, anchor_text.size());
    else if (!anchor.empty())
      t = tokenizer.decode({i});  // the anchor did not survive as a prefix: fall back to the token alone
    out.text[static_cast<size_t>(id)] = std::move(t);
  }
  out.by_first.assign(256, {});
  for (int64_t id = 0; id < V; ++id) {
    const std::string& t = out.text[static_cast<size_t>(id)];
    if (out.special[static_cast<size_t>(id)] || t.empty()) out.no_text.push_back(id);
    else out.by_first[static_cast<unsigned char>(t[0])].push_back(id);
    if (!out.special[static_cast<size_t>(id)] && t.find('<') != std::string::npos) out.with_lt.push_back(id);
  }
  return out;
}

int32_t token_texts_shortest_spelling(const TokenTexts& t, const std::string& s) {
  const size_t n = s.size();
  std::vector<int32_t> best(n + 1, INT_MAX);
  best[0] = 0;
  for (size_t i = 0; i < n; ++i) {
    if (best[i] == INT_MAX) continue;
    for (int64_t v : t.by_first[static_cast<uint8_t>(s[i])]) {
      const std::string& x = t.text[static_cast<size_t>(v)];
      if (x.size() <= n - i && s.compare(i, x.size(), x) == 0) best[i + x.size()] = std::min(best[i + x.size()], best[i] + 1);
    }
  }
  return best[n] == INT_MAX ? static_cast<int32_t>(n) : best[n];
}

}  // namespace rf
