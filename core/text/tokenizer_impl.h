// The inside of rf::Tokenizer: the pipeline components read from tokenizer.json (normalizer steps,
// pre-tokenizer steps, BPE model, decoder steps, post-processor) and the settings of tokenizer_config.json.
// Internal to core/text.
#pragma once

#include "text/added_tokens.h"
#include "text/bpe_model.h"
#include "text/pretokenize_regex.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rf::text {

struct NormalizerStep {
  enum class Kind { Nfc, Nfd, Prepend, Replace, Strip } kind;
  std::string from, to;  // Replace: pattern and content; Prepend: `to`
  bool left = false, right = false;  // Strip
};

// How a Split pre-tokenizer treats the matched delimiters (Hugging Face SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct PreTokenizerStep {
  enum class Kind { SplitRegex, SplitString, ByteLevel, Metaspace, Digits } kind;
  SplitRegex regex = SplitRegex::Gpt2;
  std::string literal;  // SplitString pattern; Metaspace replacement
  SplitBehavior behavior = SplitBehavior::Isolated;
  bool invert = false;
  bool add_prefix_space = false, use_regex = false;  // ByteLevel
  enum class Prepend { Always, First, Never } prepend = Prepend::Always;  // Metaspace
  bool split = true;               // Metaspace
  bool individual_digits = false;  // Digits
};

struct DecoderStep {
  enum class Kind { ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace } kind;
  std::string from, to;  // Replace; Strip content; Metaspace replacement
  size_t start = 0, stop = 0;  // Strip
  bool prepend = true;         // Metaspace: prepend_scheme != never
};

// Storage for strings made while encoding one text (normalized segments, prefixed pieces); views into it
// stay valid until the call returns.
class EncodeArena {
 public:
  std::string_view keep(std::string s) {
    strings_.push_back(std::make_unique<std::string>(std::move(s)));  // heap-held: views survive growth
    return *strings_.back();
  }

 private:
  std::vector<std::unique_ptr<std::string>> strings_;
};

struct TokenizerImpl {
  std::string source;
  BpeModel model;
  std::vector<AddedToken> added;            // every added token
  std::vector<int32_t> added_index;         // id -> index into `added`, -1 for model tokens
  StringIdMap added_ids;                    // content -> id (views into `added`)
  AddedTokenMatcher raw_matcher;            // tokens with normalized = false, matched on the raw text
  AddedTokenMatcher normalized_matcher;     // tokens with normalized = true, matched after normalizing
  std::vector<NormalizerStep> normalizers;  // a Sequence, flattened
  std::vector<PreTokenizerStep> pretokenizers;
  std::vector<DecoderStep> decoders;
  bool has_decoder = false;
  bool decoder_is_byte_level_only = false;  // fast decode path
  std::vector<int32_t> prefix_ids, suffix_ids;  // add_special_tokens
  bool clean_up_spaces = false;
  std::optional<int32_t> bos, pad;
  std::vector<int32_t> eos;
  std::string chat_template;
  bool has_chat_template = false;
  int64_t vocab_size = 0;

  const AddedToken* added_token(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= added_index.size() || added_index[static_cast<size_t>(id)] < 0) return nullptr;
    return &added[static_cast<size_t>(added_index[static_cast<size_t>(id)])];
  }
  std::optional<int32_t> find_token(std::string_view token) const;

  // Pipeline stages (tokenizer_pipeline.cpp).
  std::string_view normalize(std::string_view text, EncodeArena& arena) const;
  void pre_tokenize(std::string_view text, bool at_start, EncodeArena& arena, std::vector<std::string_view>& pieces) const;
  void encode_segment(std::string_view segment, bool at_start, EncodeArena& arena, BpeWordCache& cache,
                      std::vector<int32_t>& ids) const;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const;
};

// Hugging Face's clean_up_tokenization: " ." -> "." , " n't" -> "n't" and the like.
std::string clean_up_tokenization(std::string text);

}  // namespace rf::text
