// A run's model and tokenizer (see run_model.h).
#include "engine/run_model.h"

#include "util/error.h"

#include <algorithm>
#include <torch/cuda.h>

#include <filesystem>

namespace rf {

ModelLoadOptions run_model_load_options(const std::string& device, const std::string& dtype) {
  ModelLoadOptions o;
  if (device == "auto") {
    o.device = torch::cuda::is_available() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  } else if (device == "cpu") {
    o.device = at::kCPU;
  } else if (device.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) throw Error("device: '" + device + "' asked for, but no CUDA device is available");
    try {
      o.device = at::Device(device);
    } catch (const c10::Error&) {
      throw Error("device: '" + device + "' is not a device name (cpu, cuda, cuda:N)");
    }
  } else {
    throw Error("device: must be auto, cpu, cuda or cuda:N, not '" + device + "'");
  }
  if (dtype == "auto") {
    o.dtype = o.device.is_cuda() ? at::kBFloat16 : at::kFloat;
  } else if (dtype == "float32") {
    o.dtype = at::kFloat;
  } else if (dtype == "bfloat16") {
    o.dtype = at::kBFloat16;
  } else {
    throw Error("dtype: must be auto, float32 or bfloat16, not '" + dtype + "'");
  }
  return o;
}

RunModel run_model_load_tokenizer(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) throw Error(dir + ": no model folder here");
  RunModel m;
  m.dir = dir;
  m.tokenizer = std::make_unique<Tokenizer>(Tokenizer::load(dir));
  try {
    m.chat = chat_family_detect(*m.tokenizer);
  } catch (const Error&) {
    m.chat.reset();  // no chat template: plain text prompts
  }
  for (int32_t id : m.tokenizer->eos_ids()) m.eos_ids.push_back(id);
  if (m.chat) {
    if (const auto eot = m.tokenizer->token_to_id(chat_family_end_of_turn(*m.chat)))
      if (std::find(m.eos_ids.begin(), m.eos_ids.end(), *eot) == m.eos_ids.end()) m.eos_ids.push_back(*eot);
  }
  m.pad_id = m.tokenizer->pad_id().value_or(m.eos_ids.empty() ? 0 : m.eos_ids.front());
  return m;
}

RunModel run_model_load(const std::string& dir, const ModelLoadOptions& options) {
  RunModel m = run_model_load_tokenizer(dir);
  m.model = Transformer::load(dir, options);
  if (m.tokenizer->vocab_size() > m.model->config().vocab_size)
    throw Error(dir + ": the tokenizer has " + std::to_string(m.tokenizer->vocab_size()) + " ids, the model's vocab_size is " +
                std::to_string(m.model->config().vocab_size));
  return m;
}

std::vector<int64_t> run_model_prompt_ids(const RunModel& m, const std::string& system, const std::string& prompt,
                                          const std::string& prefill, int64_t max_prompt_length) {
  std::string text;
  if (m.chat) {
    std::vector<ChatMessage> messages;
    if (!system.empty()) messages.push_back({"system", system});
    messages.push_back({"user", prompt});
    text = chat_format_render(*m.chat, messages, true) + prefill;
  } else {
    text = (system.empty() ? prompt : system + "\n\n" + prompt) + prefill;
  }
  const std::vector<int32_t> ids32 = m.tokenizer->encode(text);
  const size_t keep = std::min(ids32.size(), static_cast<size_t>(std::max<int64_t>(1, max_prompt_length)));
  return std::vector<int64_t>(ids32.end() - static_cast<std::ptrdiff_t>(keep), ids32.end());
}

std::string run_model_decode(const RunModel& m, const std::vector<int64_t>& ids) {
  return m.tokenizer->decode(std::vector<int32_t>(ids.begin(), ids.end()), true);
}

std::shared_ptr<const TokenTexts> run_model_token_texts(RunModel& m) {
  if (!m.token_texts) m.token_texts = std::make_shared<const TokenTexts>(token_texts_build(*m.tokenizer));
  return m.token_texts;
}

std::vector<std::string> run_model_tokenizer_files(const RunModel& m) {
  std::vector<std::string> out;
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"})
    out.push_back((std::filesystem::path(m.dir) / f).string());
  return out;
}

}  // namespace rf
