// --dtype / --device parsing and random-weight models from a config.json, for the model commands.
#include "cli_model.h"

#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <filesystem>

namespace rf::cli {

at::ScalarType cli_parse_dtype(const std::string& text, const std::string& option_name) {
  if (text == "float32" || text == "fp32") return at::kFloat;
  if (text == "bfloat16" || text == "bf16") return at::kBFloat16;
  if (text == "float16" || text == "fp16") return at::kHalf;
  throw Error("--" + option_name + ": expected float32, bfloat16 or float16, got '" + text + "'");
}

at::Device cli_parse_device(const std::string& text, const std::string& option_name) {
  if (text == "cpu") return at::kCPU;
  if (text == "cuda" || text.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw Error("--" + option_name + " " + text + ": CUDA is not available in this build or on this machine");
    try {
      return at::Device(text);
    } catch (const std::exception&) {
      throw Error("--" + option_name + ": '" + text + "' is not a device (expected cpu, cuda or cuda:N)");
    }
  }
  throw Error("--" + option_name + ": expected cpu or cuda, got '" + text + "'");
}

std::unique_ptr<Transformer> cli_random_model(const std::string& config_path, uint64_t seed, const ModelLoadOptions& opts) {
  const std::string file = std::filesystem::is_directory(config_path) ? config_path + "/config.json" : config_path;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(file_read_all(file));
  } catch (const nlohmann::json::exception& e) {
    throw Error(file + ": not valid JSON (" + e.what() + ")");
  }
  return Transformer::random(model_config_from_json(j, file), seed, opts);
}

}  // namespace rf::cli
