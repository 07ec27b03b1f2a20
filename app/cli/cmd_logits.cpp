// `recforge-cli logits`: the logits a model folder gives for a sequence of token ids, one row per
// position, as JSON (for parity checks against other implementations).
#include "commands.h"

#include "cli_args.h"
#include "cli_model.h"
#include "model/transformer.h"
#include "util/error.h"

#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace rf::cli {

int cmd_logits(int argc, char** argv) {
  CliArgs args("logits", "Print the float32 logits of a Hugging Face model folder for the given token ids, as JSON.",
               {{"model", "DIR", "model folder (config.json + safetensors)", ""},
                {"ids", "1,2,3", "comma-separated token ids", ""},
                {"dtype", "TYPE", "compute dtype: float32 | bfloat16", "float32"},
                {"device", "DEV", "cpu | cuda", "cpu"}});
  if (!args.parse(argc, argv)) return 0;
  ModelLoadOptions opts;
  opts.dtype = cli_parse_dtype(args.get("dtype"));
  opts.device = cli_parse_device(args.get("device"));
  const auto ids = cli_parse_id_list(args.get("ids"), "ids");
  const std::string dir = args.get("model");
  auto model = Transformer::load(dir, opts);
  for (long long id : ids)
    if (id < 0 || id >= model->config().vocab_size)
      throw Error("--ids: token id " + std::to_string(id) + " is outside the vocabulary of " + dir + " (0.." +
                  std::to_string(model->config().vocab_size - 1) + ")");

  c10::InferenceMode guard;
  std::vector<int64_t> v(ids.begin(), ids.end());
  at::Tensor input = at::tensor(v, at::kLong).view({1, -1});
  at::Tensor logits = model->forward({input})[0].to(at::kCPU).contiguous();  // (T, V) float32
  const int64_t T = logits.size(0), V = logits.size(1);
  const float* p = logits.data_ptr<float>();
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t t = 0; t < T; ++t) rows.push_back(std::vector<float>(p + t * V, p + (t + 1) * V));
  std::printf("%s\n", nlohmann::json{{"logits", rows}}.dump().c_str());
  return 0;
}

}  // namespace rf::cli
