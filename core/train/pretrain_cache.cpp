// The pretraining options as JSON, the named sizes, validation, and the folder cache of pretrain.h: a
// folder is reused when its recforge_pretrain.json names the same corpus hash and the same options and
// the model files are all there.
#include "train/pretrain.h"

#include "util/error.h"
#include "util/file_io.h"

#include <filesystem>

namespace rf {

nlohmann::json PretrainOptions::to_json() const {
  return {{"vocab_size", vocab_size},
          {"special_tokens", special_tokens},
          {"hidden_size", hidden_size},
          {"intermediate_size", intermediate_size},
          {"num_hidden_layers", num_hidden_layers},
          {"num_attention_heads", num_attention_heads},
          {"num_key_value_heads", num_key_value_heads},
          {"max_position_embeddings", max_position_embeddings},
          {"rope_theta", rope_theta},
          {"steps", steps},
          {"batch", batch},
          {"seq_len", seq_len},
          {"packing", packing},
          {"lr", lr},
          {"warmup_steps", warmup_steps},
          {"min_lr_ratio", min_lr_ratio},
          {"weight_decay", weight_decay},
          {"max_grad_norm", max_grad_norm},
          {"seed", seed}};
}

PretrainOptions pretrain_options_for_size(const std::string& size) {
  PretrainOptions o;
  if (size == "tiny") {  // the defaults' shape: ~1.0M parameters with a 2048-token vocabulary; ~600k tokens seen
    o.batch = 8;
    o.steps = 300;
    return o;
  }
  if (size == "small") {
    o.vocab_size = 4096;
    o.hidden_size = 256;
    o.intermediate_size = 688;
    o.num_hidden_layers = 6;
    o.num_attention_heads = 8;
    o.num_key_value_heads = 4;
    o.seq_len = 512;
    o.batch = 16;
    o.steps = 2000;
    o.lr = 1.5e-3;
    return o;
  }
  throw Error("pretrain: size must be tiny or small, not '" + size + "'");
}

void pretrain_options_validate(const PretrainOptions& o) {
  auto need = [](bool ok, const char* field, const std::string& what) {
    if (!ok) throw Error(std::string("pretrain: ") + field + " " + what);
  };
  need(!o.special_tokens.empty(), "special_tokens", "must name at least the end-of-text token");
  need(o.vocab_size >= 256 + static_cast<int64_t>(o.special_tokens.size()), "vocab_size",
       "must hold the 256 byte tokens and the special tokens");
  need(o.hidden_size >= 1 && o.intermediate_size >= 1 && o.num_hidden_layers >= 1, "hidden_size", "and the other sizes must be >= 1");
  need(o.num_attention_heads >= 1 && o.hidden_size % o.num_attention_heads == 0, "num_attention_heads",
       "must divide hidden_size");
  need(o.num_key_value_heads >= 1 && o.num_attention_heads % o.num_key_value_heads == 0, "num_key_value_heads",
       "must divide num_attention_heads");
  need(o.steps >= 1, "steps", "must be >= 1");
  need(o.batch >= 1, "batch", "must be >= 1");
  need(o.seq_len >= 1 && o.seq_len < o.max_position_embeddings, "seq_len", "must be in 1..max_position_embeddings-1");
  need(o.lr > 0, "lr", "must be > 0");
  need(o.min_lr_ratio >= 0 && o.min_lr_ratio <= 1, "min_lr_ratio", "must be in [0, 1]");
  need(o.warmup_steps >= -1, "warmup_steps", "must be >= 0 (or -1 for steps / 15)");
  need(o.max_grad_norm > 0, "max_grad_norm", "must be > 0");
}

nlohmann::json PretrainResult::to_json() const {
  return {{"out_dir", out_dir},           {"parameters", parameters},     {"vocab_size", vocab_size},
          {"merge_count", merge_count},   {"documents", documents},       {"corpus_tokens", corpus_tokens},
          {"steps", steps},               {"skipped_steps", skipped_steps}, {"tokens_seen", tokens_seen},
          {"first_loss", first_loss},     {"final_loss", final_loss},     {"first_loss_mean", first_loss_mean},
          {"final_loss_mean", final_loss_mean}, {"seconds", seconds},     {"train_seconds", train_seconds},
          {"corpus_hash", corpus_hash},   {"reused", reused}};
}

PretrainResult PretrainResult::from_json(const nlohmann::json& j) {
  PretrainResult r;
  r.out_dir = j.value("out_dir", "");
  r.parameters = j.value("parameters", int64_t{0});
  r.vocab_size = j.value("vocab_size", int64_t{0});
  r.merge_count = j.value("merge_count", int64_t{0});
  r.documents = j.value("documents", int64_t{0});
  r.corpus_tokens = j.value("corpus_tokens", int64_t{0});
  r.steps = j.value("steps", int64_t{0});
  r.skipped_steps = j.value("skipped_steps", int64_t{0});
  r.tokens_seen = j.value("tokens_seen", int64_t{0});
  r.first_loss = j.value("first_loss", 0.0);
  r.final_loss = j.value("final_loss", 0.0);
  r.first_loss_mean = j.value("first_loss_mean", 0.0);
  r.final_loss_mean = j.value("final_loss_mean", 0.0);
  r.seconds = j.value("seconds", 0.0);
  r.train_seconds = j.value("train_seconds", 0.0);
  r.corpus_hash = j.value("corpus_hash", "");
  r.reused = j.value("reused", false);
  return r;
}

std::string pretrain_corpus_hash(const std::vector<std::string>& corpus) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;  // FNV prime
  };
  for (const auto& doc : corpus) {
    for (unsigned char c : doc) mix(c);
    mix(0);
  }
  static const char* hex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = hex[h & 15];
  return out;
}

std::optional<PretrainResult> pretrain_cache_find(const std::string& out_dir, const std::string& corpus_hash,
                                                  const PretrainOptions& options) {
  namespace fs = std::filesystem;
  const fs::path dir(out_dir);
  for (const char* f : {"recforge_pretrain.json", "tokenizer.json", "config.json", "model.safetensors"})
    if (!file_exists((dir / f).string())) return std::nullopt;
  const nlohmann::json m = nlohmann::json::parse(file_read_all((dir / "recforge_pretrain.json").string()), nullptr, false);
  if (m.is_discarded() || !m.is_object() || m.value("format", "") != "recforge-pretrain/1") return std::nullopt;
  if (m.value("corpus_hash", "") != corpus_hash || !m.contains("options") || m["options"] != options.to_json())
    return std::nullopt;
  PretrainResult r = PretrainResult::from_json(m.value("result", nlohmann::json::object()));
  r.out_dir = out_dir;
  r.reused = true;
  return r;
}

PretrainResult pretrain_cached(const std::vector<std::string>& corpus, const PretrainOptions& options,
                               const std::string& out_dir, bool force, const PretrainProgressFn& progress) {
  if (!force)
    if (auto found = pretrain_cache_find(out_dir, pretrain_corpus_hash(corpus), options)) return *found;
  return pretrain_run(corpus, options, out_dir, progress);
}

}  // namespace rf
