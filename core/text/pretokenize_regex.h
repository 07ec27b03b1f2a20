// Hand-written matchers for the pre-tokenizer regexes that byte-level BPE tokenizers use (std::regex has
// no \p{L}, \p{N}, (?i:...) or look-ahead). Each reproduces the leftmost-first, greedy-with-backtracking
// semantics of its regex exactly, on UTF-8 code points with Unicode general categories:
//   Gpt2   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+   (ByteLevel use_regex)
//   Qwen2  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   Llama3 the Qwen2 pattern with \p{N}{1,3}
// \s is the Unicode White_Space property, as in the Oniguruma engine of Hugging Face's Rust tokenizers
// (JavaScript's \s differs only on U+0085, which it excludes, and U+FEFF, which it includes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rf::text {

enum class SplitRegex { Gpt2, Qwen2, Llama3 };

// The matcher for a regex as written in tokenizer.json, or nullopt when it is not one we know.
std::optional<SplitRegex> split_regex_from_pattern(std::string_view pattern);
const char* split_regex_pattern(SplitRegex which);

// Appends the byte ranges [begin, end) of successive non-overlapping matches in `text`.
void split_regex_find(SplitRegex which, std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>& matches);

}  // namespace rf::text
