// Pretraining from scratch: a byte-level BPE tokenizer (core/text/bpe_trainer.h) and a small
// Llama-architecture model trained on plain text (one document per string), saved as a Hugging Face
// folder: tokenizer.json, tokenizer_config.json, config.json, model.safetensors, and recforge_pretrain.json
// (the corpus hash, the options and the result; written last, so a folder without it is unfinished).
// `recforge-cli pretrain` (a project's text, core/teacher/pretrain_corpus.h) and `recforge-cli demo`
// (generated sentences) both train through pretrain_run().
//
// Batches (B rows of token ids, loss on every token after the first of its row):
//   packing = true   every document + eos concatenated in a seeded order, epoch after epoch, and cut into
//                    rows of seq_len + 1 tokens that overlap by one, so every token is predicted once
//   packing = false  one document per row, right-padded, cut at seq_len + 1 tokens (the demo's batches)
// AdamW (β2 0.95), linear warm-up then cosine down to min_lr_ratio, clipping at max_grad_norm; a step with
// a non-finite gradient is skipped. The same corpus, options and seed give the same model on one machine.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rf {

struct PretrainOptions {
  // Tokenizer.
  int64_t vocab_size = 2048;  // including the special and the 256 byte tokens
  std::vector<std::string> special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};  // first = eos
  // Model shape (Llama, tied embeddings, SiLU MLP).
  int64_t hidden_size = 128;
  int64_t intermediate_size = 352;
  int64_t num_hidden_layers = 4;
  int64_t num_attention_heads = 4;
  int64_t num_key_value_heads = 2;
  int64_t max_position_embeddings = 2048;
  double rope_theta = 10000.0;
  // Training.
  int64_t steps = 300;
  int64_t batch = 16;     // rows per step
  int64_t seq_len = 256;  // predicted tokens per row (packing) / longest row (no packing)
  bool packing = true;
  double lr = 3e-3;            // peak learning rate
  int64_t warmup_steps = -1;   // -1: max(1, steps / 15)
  double min_lr_ratio = 0.1;   // the cosine ends at lr * min_lr_ratio
  double weight_decay = 0.01;
  double max_grad_norm = 1.0;
  uint64_t seed = 7;           // weights and batch order

  nlohmann::json to_json() const;  // every field above (the cache compares it)
};

// The named shapes of `recforge-cli pretrain --size`: "tiny" (~1.0M parameters, 300 steps of 8 x 256 tokens,
// about 2 minutes on two CPU cores) and "small" (~5.4M parameters, 2000 steps of 16 x 512 tokens).
// rf::Error naming the others.
PretrainOptions pretrain_options_for_size(const std::string& size);

// Throws rf::Error naming the field when an option cannot be used.
void pretrain_options_validate(const PretrainOptions& options);

struct PretrainProgress {
  enum class Stage { tokenizer, start, step };
  Stage stage = Stage::step;
  // tokenizer: the trained vocabulary and the corpus in tokens.
  int64_t vocab_size = 0, merge_count = 0, corpus_tokens = 0, documents = 0;
  // start: the model about to train.
  int64_t parameters = 0;
  // step (1-based, after the update).
  int64_t step = 0, steps = 0;
  double loss = 0, lr = 0, tokens_per_second = 0;
  int64_t tokens_seen = 0;  // predicted tokens so far
  bool skipped = false;     // non-finite gradient: no update was made
};
using PretrainProgressFn = std::function<void(const PretrainProgress&)>;

struct PretrainResult {
  std::string out_dir;
  int64_t parameters = 0, vocab_size = 0, merge_count = 0;
  int64_t documents = 0, corpus_tokens = 0;  // the corpus in documents and tokens (eos included)
  int64_t steps = 0, skipped_steps = 0, tokens_seen = 0;
  double first_loss = 0, final_loss = 0;          // the first and the last step's loss
  double first_loss_mean = 0, final_loss_mean = 0;  // means over the first / last min(10, steps) steps
  double seconds = 0, train_seconds = 0;
  std::string corpus_hash;  // pretrain_corpus_hash()
  bool reused = false;      // pretrain_cached() found it in the folder

  nlohmann::json to_json() const;
  static PretrainResult from_json(const nlohmann::json& j);
};

// Trains the tokenizer and the model and writes the folder (created when missing; an earlier
// recforge_pretrain.json is removed first). rf::Error for bad options, an empty corpus or an unwritable folder.
PretrainResult pretrain_run(const std::vector<std::string>& corpus, const PretrainOptions& options,
                            const std::string& out_dir, const PretrainProgressFn& progress = {});

// FNV-1a 64 of the documents (each followed by a 0 byte), as 16 hex digits.
std::string pretrain_corpus_hash(const std::vector<std::string>& corpus);

// The result stored in out_dir when it holds a finished model of this corpus hash and these options, else nullopt.
std::optional<PretrainResult> pretrain_cache_find(const std::string& out_dir, const std::string& corpus_hash,
                                                  const PretrainOptions& options);

// pretrain_cache_find(), and pretrain_run() when nothing usable is there or `force`.
PretrainResult pretrain_cached(const std::vector<std::string>& corpus, const PretrainOptions& options,
                               const std::string& out_dir, bool force, const PretrainProgressFn& progress = {});

}  // namespace rf
