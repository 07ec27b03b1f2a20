// Shared by the model commands of recforge-cli (logits, generate, bench generate): the --dtype and
// --device options and loading a model folder (or random weights from a config.json) with them.
#pragma once

#include "model/transformer.h"

#include <memory>
#include <string>

namespace rf::cli {

// "float32" | "bfloat16" | "float16" -> dtype; errors name the option.
at::ScalarType cli_parse_dtype(const std::string& text, const std::string& option_name = "dtype");
// "cpu" | "cuda" | "cuda:N"; errors when CUDA is asked for and not available.
at::Device cli_parse_device(const std::string& text, const std::string& option_name = "device");
// A Hugging Face config.json (a file, or a folder holding one) -> random weights, seeded.
std::unique_ptr<Transformer> cli_random_model(const std::string& config_path, uint64_t seed, const ModelLoadOptions& opts);

}  // namespace rf::cli
