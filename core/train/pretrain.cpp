// pretrain_run(): tokenizer, batches, the training loop and the saved folder (pretrain.h). The options'
// JSON, the named sizes and the cache live in pretrain_cache.cpp.
#include "train/pretrain.h"

#include "model/transformer.h"
#include "text/bpe_trainer.h"
#include "text/tokenizer.h"
#include "train/adamw.h"
#include "util/cpu_threads.h"
#include "train/grad_clip.h"
#include "train/lr_schedule.h"
#include "train/token_logprobs.h"
#include "util/error.h"
#include "util/file_io.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

namespace rf {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

ModelConfig pretrain_model_config(const PretrainOptions& o, const Tokenizer& tok) {
  nlohmann::json j = {{"model_type", "llama"},
                      {"architectures", {"LlamaForCausalLM"}},
                      {"vocab_size", tok.vocab_size()},
                      {"hidden_size", o.hidden_size},
                      {"intermediate_size", o.intermediate_size},
                      {"num_hidden_layers", o.num_hidden_layers},
                      {"num_attention_heads", o.num_attention_heads},
                      {"num_key_value_heads", o.num_key_value_heads},
                      {"max_position_embeddings", o.max_position_embeddings},
                      {"rms_norm_eps", 1e-6},
                      {"rope_theta", o.rope_theta},
                      {"tie_word_embeddings", true},
                      {"hidden_act", "silu"}};
  if (auto eos = tok.eos_ids(); !eos.empty()) j["eos_token_id"] = eos[0];
  return model_config_from_json(j, "pretrain config");
}

// Draws the rows of each step. Documents are token ids with eos appended.
class PretrainBatcher {
 public:
  PretrainBatcher(const std::vector<std::vector<int64_t>>& docs, const PretrainOptions& o, int64_t pad_id)
      : docs_(docs), o_(o), pad_id_(pad_id), rng_(o.seed), order_(docs.size()) {
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    cursor_ = order_.size();
  }

  // input_ids (B, T) and loss_mask (B, T): 1 where the token is predicted from the ones before it.
  std::pair<at::Tensor, at::Tensor> next() { return o_.packing ? next_packed() : next_padded(); }

 private:
  size_t next_doc() {
    if (cursor_ == order_.size()) {
      std::shuffle(order_.begin(), order_.end(), rng_);
      cursor_ = 0;
    }
    return order_[cursor_++];
  }

  std::pair<at::Tensor, at::Tensor> next_padded() {
    std::vector<size_t> rows;
    size_t longest = 0;
    const size_t cap = static_cast<size_t>(o_.seq_len + 1);
    while (static_cast<int64_t>(rows.size()) < o_.batch) {
      rows.push_back(next_doc());
      longest = std::max(longest, std::min(cap, docs_[rows.back()].size()));
    }
    const int64_t B = o_.batch, T = static_cast<int64_t>(longest);
    at::Tensor ids = at::full({B, T}, pad_id_, at::kLong);
    at::Tensor mask = at::zeros({B, T}, at::kLong);
    auto ia = ids.accessor<int64_t, 2>();
    auto ma = mask.accessor<int64_t, 2>();
    for (int64_t b = 0; b < B; ++b) {
      const auto& s = docs_[rows[b]];
      for (size_t t = 0; t < std::min(cap, s.size()); ++t) {
        ia[b][t] = s[t];
        ma[b][t] = t > 0 ? 1 : 0;
      }
    }
    return {ids, mask};
  }

  std::pair<at::Tensor, at::Tensor> next_packed() {
    const int64_t B = o_.batch, T = o_.seq_len + 1;
    at::Tensor ids = at::empty({B, T}, at::kLong);
    auto ia = ids.accessor<int64_t, 2>();
    for (int64_t b = 0; b < B; ++b) {
      while (static_cast<int64_t>(stream_.size() - pos_) < T) {  // top the stream up with the next documents
        stream_.erase(stream_.begin(), stream_.begin() + static_cast<std::ptrdiff_t>(pos_));
        pos_ = 0;
        const auto& d = docs_[next_doc()];
        stream_.insert(stream_.end(), d.begin(), d.end());
      }
      for (int64_t t = 0; t < T; ++t) ia[b][t] = stream_[pos_ + static_cast<size_t>(t)];
      pos_ += static_cast<size_t>(T - 1);  // rows overlap by one token: its last is the next one's first
    }
    at::Tensor mask = at::ones({B, T}, at::kLong);
    mask.select(1, 0).zero_();
    return {ids, mask};
  }

  const std::vector<std::vector<int64_t>>& docs_;
  const PretrainOptions& o_;
  int64_t pad_id_;
  std::mt19937_64 rng_;
  std::vector<size_t> order_;
  size_t cursor_ = 0;
  std::vector<int64_t> stream_;
  size_t pos_ = 0;
};

void remove_quietly(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::remove(p, ec);
}

}  // namespace

PretrainResult pretrain_run(const std::vector<std::string>& corpus, const PretrainOptions& o, const std::string& out_dir,
                            const PretrainProgressFn& progress) {
  pretrain_options_validate(o);
  if (corpus.empty()) throw Error("pretrain: the corpus is empty (no text to train on)");
  if (out_dir.empty()) throw Error("pretrain: the output folder is empty");
  const auto t_start = Clock::now();
  {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec || !std::filesystem::is_directory(out_dir))
      throw Error("pretrain: cannot create the output folder '" + out_dir + "'" + (ec ? ": " + ec.message() : ""));
  }
  const std::filesystem::path manifest = std::filesystem::path(out_dir) / "recforge_pretrain.json";
  remove_quietly(manifest);

  PretrainResult r;
  r.out_dir = out_dir;
  r.corpus_hash = pretrain_corpus_hash(corpus);
  r.documents = static_cast<int64_t>(corpus.size());

  // 1. Tokenizer.
  BpeTrainerOptions bpe;
  bpe.vocab_size = o.vocab_size;
  bpe.special_tokens = o.special_tokens;
  const BpeTrainerResult trained = bpe_train(corpus, bpe);
  bpe_trainer_write(trained, out_dir);
  const Tokenizer tok = Tokenizer::load(out_dir);
  const int64_t eos = tok.eos_ids().empty() ? 0 : tok.eos_ids()[0];
  std::vector<std::vector<int64_t>> docs;
  docs.reserve(corpus.size());
  for (const auto& text : corpus) {
    const auto ids32 = tok.encode(text);
    std::vector<int64_t> ids(ids32.begin(), ids32.end());
    ids.push_back(eos);
    r.corpus_tokens += static_cast<int64_t>(ids.size());
    docs.push_back(std::move(ids));
  }
  r.vocab_size = trained.vocab_size;
  r.merge_count = trained.merge_count;
  if (progress) {
    PretrainProgress p;
    p.stage = PretrainProgress::Stage::tokenizer;
    p.vocab_size = r.vocab_size;
    p.merge_count = r.merge_count;
    p.corpus_tokens = r.corpus_tokens;
    p.documents = r.documents;
    progress(p);
  }

  // 2. Model and training.
  const ModelConfig config = pretrain_model_config(o, tok);
  r.parameters = config.parameter_count();
  auto model = Transformer::random(config, o.seed);
  model->set_requires_grad(true);
  model->set_training(true);
  AdamW opt(model->named_parameters(), AdamWOptions{o.lr, 0.9, 0.95, 1e-8, o.weight_decay, true});
  const int64_t warmup = o.warmup_steps >= 0 ? o.warmup_steps : std::max<int64_t>(1, o.steps / 15);
  const LrSchedule schedule{LrScheduleKind::cosine, o.lr, warmup, o.steps, o.min_lr_ratio};
  if (progress) {
    PretrainProgress p;
    p.stage = PretrainProgress::Stage::start;
    p.parameters = r.parameters;
    p.steps = o.steps;
    progress(p);
  }
  PretrainBatcher batcher(docs, o, eos);
  std::vector<double> losses;
  const auto t_train = Clock::now();
  {
    CpuThreadsGuard threads(model->device());  // one thread pool for the matmuls while training
    for (int64_t step = 0; step < o.steps; ++step) {
      auto [ids, mask] = batcher.next();
      CrossEntropy ce = masked_cross_entropy(*model, ids, mask);
      opt.zero_grad();
      ce.loss.backward();
      const GradNorm norm = clip_grad_norm(opt.parameters(), o.max_grad_norm);
      PretrainProgress p;
      p.step = step + 1;
      p.steps = o.steps;
      p.lr = lr_at(schedule, step);
      if (!norm.finite) {
        ++r.skipped_steps;
        p.skipped = true;
      } else {
        opt.step(p.lr);
        p.loss = ce.loss.item<double>();
        losses.push_back(p.loss);
        r.tokens_seen += ce.tokens;
      }
      p.tokens_seen = r.tokens_seen;
      p.tokens_per_second = r.tokens_seen / std::max(1e-9, seconds_since(t_train));
      if (progress) progress(p);
    }
  }
  r.train_seconds = seconds_since(t_train);
  r.steps = o.steps;
  if (!losses.empty()) {
    const size_t n = std::min<size_t>(10, losses.size());
    r.first_loss = losses.front();
    r.final_loss = losses.back();
    for (size_t i = 0; i < n; ++i) {
      r.first_loss_mean += losses[i] / static_cast<double>(n);
      r.final_loss_mean += losses[losses.size() - n + i] / static_cast<double>(n);
    }
  }
  model->set_training(false);
  model->set_requires_grad(false);
  model->save(out_dir);
  r.seconds = seconds_since(t_start);

  // 3. The manifest, last: its presence says the folder is complete.
  nlohmann::json m = {{"format", "recforge-pretrain/1"},
                      {"corpus_hash", r.corpus_hash},
                      {"options", o.to_json()},
                      {"result", r.to_json()}};
  file_write_atomic(manifest.string(), m.dump(2) + "\n");
  return r;
}

}  // namespace rf
