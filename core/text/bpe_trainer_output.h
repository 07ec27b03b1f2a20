// The files a BpeTrainer writes: tokenizer.json and tokenizer_config.json text in Hugging Face's format
// (bpe_trainer_write.cpp). Internal to core/text.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rf::text {

// `tokens`: raw bytes by id (the first `special_count` are the special tokens, written as they are);
// `merges`: pairs of ids in rank order.
std::string bpe_trainer_tokenizer_json(const std::vector<std::string>& tokens, size_t special_count,
                                       const std::vector<std::pair<int32_t, int32_t>>& merges);
std::string bpe_trainer_config_json(const std::vector<std::string>& special_tokens, const std::string& bos,
                                    const std::string& eos, const std::string& pad);

}  // namespace rf::text
