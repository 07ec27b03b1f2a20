// The text each token id adds when it follows other text, for constrained decoding: a grammar over
// characters (e.g. "a list of ids from the candidate pool") decides which tokens may come next by
// feeding their text through it. Decoding a token alone is not enough: SentencePiece-style tokenizers
// drop a word's leading space at the start of a text, so each text is decode(anchor, id) minus
// decode(anchor). Special tokens (end of turn, ...) are flagged and have no text.
#pragma once

#include "text/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rf {

struct TokenTexts {
  std::vector<std::string> text;   // (V) UTF-8; a partial UTF-8 byte token reads as U+FFFD
  std::vector<uint8_t> special;    // (V) 1: a special token (never part of a grammar's text)
  std::vector<std::vector<int64_t>> by_first;  // (256) the ids with text, by their first byte, ascending
  std::vector<int64_t> no_text;                // special tokens and ids with an empty text, ascending
  std::vector<int64_t> with_lt;                // ids whose text holds '<' (where a tag may begin), ascending
  int64_t size() const { return static_cast<int64_t>(text.size()); }
};

// One entry per id below tokenizer.vocab_size(); ids that name no token get an empty text.
TokenTexts token_texts_build(const Tokenizer& tokenizer);

// The fewest tokens that spell `s` exactly (a byte a token where no token covers it): what a grammar must
// keep in reserve to write `s` before a length limit.
int32_t token_texts_shortest_spelling(const TokenTexts& texts, const std::string& s);

}  // namespace rf
