// The GRPO trainer loop (see grpo_trainer.h): rollouts, rewards, advantages, log-probs, μ clipped updates.
#include "train/grpo_trainer.h"

#include "model/lora.h"
#include "train/adamw.h"
#include "train/checkpoint_dir.h"
#include "train/grad_clip.h"
#include "train/grpo_advantages.h"
#include "train/grpo_loss.h"
#include "train/lora_train.h"
#include "train/lr_schedule.h"
#include "train/out_of_memory.h"
#include "train/shared_prefix.h"
#include "train/token_logprobs.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace rf {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

uint64_t mix_seed(uint64_t seed, uint64_t salt) {  // splitmix64 of seed ^ salt: independent streams per step/epoch
  uint64_t z = seed ^ (salt * 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The rollouts of one step as padded tensors, one micro-batch at a time.
struct RolloutRows {
  std::vector<int64_t> prompt;                 // (N) prompt index
  std::vector<std::vector<int64_t>> tokens;    // (N) generated tokens
  std::vector<std::vector<ConstrainedToken>> constrained;  // (N) tokens chosen under a narrow constraint
};

struct MicroBatch {
  at::Tensor input_ids;   // (n, T) prompt + completion, right-padded
  at::Tensor flat_index;  // (M) positions (row * (T - 1) + t) whose next token is a completion token
  at::Tensor targets;     // (M) those completion tokens
  at::Tensor out_index;   // (M) where each goes in the (n, Lc) completion grid (row * Lc + j)
  at::Tensor mask;        // (n, Lc) float: 1 on completion tokens
  at::Tensor truncated;   // (n) bool
  // Constrained decoding: the K completion tokens chosen from a narrow allowed list, whose policy is the
  // softmax over that list. narrow_pos (K) indexes the M completion positions; narrow_ids (K, A) are the
  // allowed ids with the chosen one first, padded; narrow_valid (K, A) marks the real ones.
  at::Tensor narrow_pos, narrow_ids, narrow_valid;
  // When rows repeat their prompt (GRPO groups), the same rows with each prompt run once; the hidden
  // states come out in flat_index's order. shared.rows == 0: every row runs as [prompt | completion].
  SharedPrefixRows shared;
  int64_t rows = 0, lc = 0;
};

void sync_device(const Transformer& model) {
  if (model.device().is_cuda()) torch::cuda::synchronize();
}

}  // namespace

int64_t grpo_total_steps(const RunGrpoConfig& c, int64_t prompts) {
  if (c.max_steps > 0) return c.max_steps;
  const int64_t per_step = std::max<int64_t>(1, static_cast<int64_t>(c.per_device_train_batch_size) *
                                                     c.gradient_accumulation_steps / std::max(1, c.num_generations));
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(c.num_train_epochs * static_cast<double>(prompts) /
                                                             static_cast<double>(per_step))));
}

void grpo_trainer_config_validate(const RunGrpoConfig& c) {
  auto bad = [](const std::string& field, const std::string& what) { throw Error("grpo." + field + ": " + what); };
  if (c.num_generations < 2) bad("num_generations", "must be >= 2 (advantages compare completions of one prompt)");
  if (c.per_device_train_batch_size < 1) bad("per_device_train_batch_size", "must be >= 1");
  if (c.gradient_accumulation_steps < 1) bad("gradient_accumulation_steps", "must be >= 1");
  const int64_t gen_batch = static_cast<int64_t>(c.per_device_train_batch_size) * c.gradient_accumulation_steps;
  if (gen_batch % c.num_generations != 0)
    bad("per_device_train_batch_size",
        "per_device_train_batch_size x gradient_accumulation_steps (" + std::to_string(gen_batch) +
            ") must be a multiple of num_generations (" + std::to_string(c.num_generations) + ")");
  if (c.num_iterations < 1) bad("num_iterations", "must be >= 1");
  if (c.max_completion_length < 1) bad("max_completion_length", "must be >= 1");
  if (!(c.temperature > 0)) bad("temperature", "must be > 0");
  if (!(c.learning_rate >= 0)) bad("learning_rate", "must be >= 0");
  if (c.max_steps <= 0 && !(c.num_train_epochs > 0)) bad("num_train_epochs", "must be > 0 when max_steps is not set");
}

GrpoLossOptions grpo_loss_options_from(const RunGrpoConfig& c) {
  GrpoLossOptions o;
  o.epsilon = c.epsilon;
  o.epsilon_high = c.epsilon_high;
  o.beta = c.beta;
  o.loss_type = c.loss_type;
  o.max_completion_length = c.max_completion_length;
  o.mask_truncated_completions = c.mask_truncated_completions;
  return o;
}

GrpoTrainer::GrpoTrainer(Transformer& model, std::vector<GrpoPrompt> prompts, GrpoScoreFn score,
                         GrpoTrainerOptions options, Transformer* reference)
    : model_(model), reference_(reference), prompts_(std::move(prompts)), score_(std::move(score)),
      options_(std::move(options)) {
  const RunGrpoConfig& c = options_.config;
  grpo_trainer_config_validate(c);
  grpo_loss_options_validate(grpo_loss_options_from(c));
  if (prompts_.empty()) throw Error("grpo: no training prompts");
  for (size_t i = 0; i < prompts_.size(); ++i)
    if (prompts_[i].ids.empty()) throw Error("grpo: training prompt " + std::to_string(i) + " has no tokens");
  if (!score_) throw Error("grpo: no reward scorer");
  if (!options_.decode) throw Error("grpo: no decode function (token ids -> text)");
  if (grpo_needs_reference(grpo_loss_options_from(c)) && !options_.lora && reference_ == nullptr)
    throw Error("grpo.beta: beta != 0 needs a frozen reference model (none was given)");
  if (!grpo_needs_reference(grpo_loss_options_from(c))) reference_ = nullptr;  // β = 0: never used
  if (reference_ != nullptr) reference_->set_requires_grad(false);

  prompts_per_step_ = static_cast<int64_t>(c.per_device_train_batch_size) * c.gradient_accumulation_steps / c.num_generations;
  total_steps_ = grpo_total_steps(c, static_cast<int64_t>(prompts_.size()));
  temperature_ = c.temperature;
  base_lr_ = c.learning_rate;

  if (options_.lora) {
    params_ = lora_parameters(model_);
    if (params_.empty()) throw Error("grpo: lora is set but the model has no adapters (call lora_attach first)");
  } else {
    model_.set_requires_grad(true);
    params_ = model_.named_parameters();
  }
  AdamWOptions ao;
  ao.lr = c.learning_rate;
  ao.beta1 = c.adam_beta1;
  ao.beta2 = c.adam_beta2;
  ao.eps = c.adam_epsilon;
  ao.weight_decay = c.weight_decay;
  ao.no_decay_for_1d = true;
  optimizer_ = std::make_unique<AdamW>(params_, ao);
}

GrpoTrainer::~GrpoTrainer() = default;

void GrpoTrainer::set_temperature(double t) {
  if (!(t > 0) || !std::isfinite(t)) throw Error("grpo.temperature: must be a finite number > 0");
  temperature_ = t;
}

void GrpoTrainer::set_learning_rate(double lr) {
  if (!(lr >= 0) || !std::isfinite(lr)) throw Error("grpo.learning_rate: must be a finite number >= 0");
  base_lr_ = lr;
}

double GrpoTrainer::learning_rate_at(int64_t step) const {
  return learning_rate_of_update((step - 1) * options_.config.num_iterations);
}

double GrpoTrainer::learning_rate_of_update(int64_t update) const {
  const RunGrpoConfig& c = options_.config;
  const int64_t updates = total_steps_ * c.num_iterations;
  LrSchedule s;
  s.kind = lr_schedule_kind_from_string(c.lr_scheduler_type, "grpo.lr_scheduler_type");
  s.base_lr = base_lr_;
  s.warmup_steps = static_cast<int64_t>(std::ceil(c.warmup_ratio * static_cast<double>(updates)));
  s.total_steps = updates;
  return lr_at(s, update);
}

std::vector<int64_t> GrpoTrainer::step_prompts(int64_t step) const {
  const int64_t n = static_cast<int64_t>(prompts_.size());
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(prompts_per_step_));
  int64_t pos = (step - 1) * prompts_per_step_;
  int64_t cached_epoch = -1;
  std::vector<int64_t> perm;
  while (static_cast<int64_t>(out.size()) < prompts_per_step_) {
    const int64_t epoch = pos / n;
    if (epoch != cached_epoch) {
      perm.resize(static_cast<size_t>(n));
      std::iota(perm.begin(), perm.end(), 0);
      std::mt19937_64 rng(mix_seed(options_.seed, 0x5eed0000ULL + static_cast<uint64_t>(epoch)));
      for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates with our own index draw (same on every libstdc++)
        const int64_t j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
        std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
      }
      cached_epoch = epoch;
    }
    out.push_back(perm[static_cast<size_t>(pos % n)]);
    ++pos;
  }
  return out;
}

namespace {

MicroBatch micro_batch_make(const std::vector<GrpoPrompt>& prompts, const RolloutRows& rows, int64_t r0, int64_t r1,
                            const std::vector<uint8_t>& truncated, int64_t pad_id, at::Device device, bool share_prompts) {
  MicroBatch mb;
  mb.rows = r1 - r0;
  if (share_prompts) {
    std::vector<int64_t> distinct, row_prompt;  // prompt indices in order of appearance; each row's slot
    std::vector<const std::vector<int64_t>*> prompt_ids, completion_ids;
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t p = rows.prompt[static_cast<size_t>(r)];
      auto it = std::find(distinct.begin(), distinct.end(), p);
      if (it == distinct.end()) {
        distinct.push_back(p);
        prompt_ids.push_back(&prompts[static_cast<size_t>(p)].ids);
        it = distinct.end() - 1;
      }
      row_prompt.push_back(it - distinct.begin());
      completion_ids.push_back(&rows.tokens[static_cast<size_t>(r)]);
    }
    bool nonempty = true;
    for (const auto* p : prompt_ids) nonempty = nonempty && !p->empty();
    if (static_cast<int64_t>(distinct.size()) < mb.rows && nonempty)
      mb.shared = shared_prefix_rows_make(prompt_ids, row_prompt, completion_ids, pad_id, device);
  }
  int64_t T = 0;
  for (int64_t r = r0; r < r1; ++r) {
    const auto& p = prompts[static_cast<size_t>(rows.prompt[static_cast<size_t>(r)])].ids;
    const auto& c = rows.tokens[static_cast<size_t>(r)];
    T = std::max<int64_t>(T, static_cast<int64_t>(p.size() + c.size()));
    mb.lc = std::max<int64_t>(mb.lc, static_cast<int64_t>(c.size()));
  }
  mb.lc = std::max<int64_t>(mb.lc, 1);
  std::vector<int64_t> ids(static_cast<size_t>(mb.rows * T), pad_id);
  std::vector<int64_t> flat, targets, out;
  std::vector<float> mask(static_cast<size_t>(mb.rows * mb.lc), 0.0f);
  std::vector<uint8_t> trunc(static_cast<size_t>(mb.rows), 0);
  std::vector<int64_t> narrow_pos;
  std::vector<std::vector<int64_t>> narrow_lists;
  for (int64_t b = 0; b < mb.rows; ++b) {
    const int64_t r = r0 + b;
    const auto& p = prompts[static_cast<size_t>(rows.prompt[static_cast<size_t>(r)])].ids;
    const auto& c = rows.tokens[static_cast<size_t>(r)];
    const int64_t P = static_cast<int64_t>(p.size());
    std::copy(p.begin(), p.end(), ids.begin() + b * T);
    std::copy(c.begin(), c.end(), ids.begin() + b * T + P);
    const int64_t m0 = static_cast<int64_t>(flat.size());
    for (int64_t j = 0; j < static_cast<int64_t>(c.size()); ++j) {
      flat.push_back(b * (T - 1) + P - 1 + j);  // position P-1+j predicts completion token j
      targets.push_back(c[static_cast<size_t>(j)]);
      out.push_back(b * mb.lc + j);
      mask[static_cast<size_t>(b * mb.lc + j)] = 1.0f;
    }
    if (r < static_cast<int64_t>(rows.constrained.size()))
      for (const ConstrainedToken& ct : rows.constrained[static_cast<size_t>(r)]) {
        if (ct.index < 0 || ct.index >= static_cast<int32_t>(c.size())) continue;
        const int64_t chosen = c[static_cast<size_t>(ct.index)];
        std::vector<int64_t> list = {chosen};
        for (int64_t id : ct.allowed)
          if (id != chosen) list.push_back(id);
        narrow_pos.push_back(m0 + ct.index);
        narrow_lists.push_back(std::move(list));
      }
    trunc[static_cast<size_t>(b)] = truncated[static_cast<size_t>(r)];
  }
  auto i64 = at::TensorOptions().dtype(at::kLong);
  mb.input_ids = at::tensor(ids, i64).view({mb.rows, T}).to(device);
  mb.flat_index = at::tensor(flat, i64).to(device);
  mb.targets = at::tensor(targets, i64).to(device);
  mb.out_index = at::tensor(out, i64).to(device);
  mb.mask = at::tensor(mask, at::TensorOptions().dtype(at::kFloat)).view({mb.rows, mb.lc}).to(device);
  mb.truncated = at::tensor(std::vector<int64_t>(trunc.begin(), trunc.end()), i64).to(at::kBool).to(device);
  if (!narrow_pos.empty()) {
    size_t A = 0;
    for (const auto& l : narrow_lists) A = std::max(A, l.size());
    const int64_t K = static_cast<int64_t>(narrow_lists.size());
    std::vector<int64_t> ids_k(static_cast<size_t>(K) * A);
    std::vector<uint8_t> valid(static_cast<size_t>(K) * A, 0);
    for (size_t k = 0; k < narrow_lists.size(); ++k)
      for (size_t a = 0; a < A; ++a) {
        const bool real = a < narrow_lists[k].size();
        ids_k[k * A + a] = real ? narrow_lists[k][a] : narrow_lists[k][0];  // padding repeats the chosen id
        valid[k * A + a] = real ? 1 : 0;
      }
    mb.narrow_pos = at::tensor(narrow_pos, i64).to(device);
    mb.narrow_ids = at::tensor(ids_k, i64).view({K, static_cast<int64_t>(A)}).to(device);
    mb.narrow_valid = at::tensor(std::vector<int64_t>(valid.begin(), valid.end()), i64).view({K, static_cast<int64_t>(A)}).to(at::kBool).to(device);
  }
  return mb;
}

struct CompletionLogprobs {
  at::Tensor logp;     // (n, Lc) float32; zero outside the mask
  at::Tensor entropy;  // (n, Lc) or undefined
};

// Log-probs of the completion tokens only: the lm_head runs on completion positions, never on the prompt's.
CompletionLogprobs completion_logprobs(Transformer& model, const MicroBatch& mb, double temperature, int64_t chunk,
                                       bool with_entropy) {
  at::Tensor h;  // (M, C) the states that predict the completion tokens
  if (mb.shared.rows > 0) {
    h = shared_prefix_hidden(model, mb.shared);
  } else {
    ForwardBatch fb;
    fb.input_ids = mb.input_ids;
    const at::Tensor hidden = model.forward_hidden(fb);  // (n, T, C)
    const int64_t T = mb.input_ids.size(1);
    h = hidden.narrow(1, 0, T - 1).reshape({-1, hidden.size(2)}).index_select(0, mb.flat_index);
  }
  const ChunkedLogprobs lp = chunked_token_logprobs(h, model.lm_head(), mb.targets, temperature, chunk, with_entropy);
  at::Tensor logp = lp.logprobs, entropy = lp.entropy;  // (M)
  if (mb.narrow_pos.defined()) {
    // Tokens chosen under a narrow constraint: log-softmax over their allowed ids only (the policy
    // they were sampled from), from the same hidden states and lm_head — (K, A) logits, not (K, V).
    const int64_t K = mb.narrow_ids.size(0), A = mb.narrow_ids.size(1);
    const at::Tensor hk = h.index_select(0, mb.narrow_pos);                                                 // (K, C)
    const at::Tensor w = model.lm_head().index_select(0, mb.narrow_ids.reshape({-1})).view({K, A, -1});  // (K, A, C)
    at::Tensor z = at::matmul(w, hk.unsqueeze(-1)).squeeze(-1).to(at::kFloat) / temperature;          // (K, A)
    z = z.masked_fill(mb.narrow_valid.logical_not(), -std::numeric_limits<float>::infinity());
    const at::Tensor lsm = at::log_softmax(z, -1);                                                        // (K, A)
    logp = logp.index_put({mb.narrow_pos}, lsm.select(1, 0));  // the chosen id is column 0
    if (with_entropy && entropy.defined()) {
      at::NoGradGuard no_grad;
      const at::Tensor plogp = (lsm.exp() * lsm).masked_fill(mb.narrow_valid.logical_not(), 0.0);
      entropy = entropy.index_put({mb.narrow_pos}, -plogp.sum(-1));
    }
  }
  CompletionLogprobs out;
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(h.device());
  out.logp = at::zeros({mb.rows * mb.lc}, f32).index_put({mb.out_index}, logp).view({mb.rows, mb.lc});
  if (with_entropy && entropy.defined())
    out.entropy = at::zeros({mb.rows * mb.lc}, f32).index_put({mb.out_index}, entropy).view({mb.rows, mb.lc});
  return out;
}

}  // namespace

GrpoStepResult GrpoTrainer::train_step() {
  try {
    const RunGrpoConfig& c = options_.config;
    if (finished()) throw Error("grpo: the run has finished all " + std::to_string(total_steps_) + " steps");
    const int64_t step = step_ + 1;
    const int64_t G = c.num_generations;
    const auto t_step = Clock::now();
    GrpoStepResult res;
    res.step = step;

    // 1. Rollouts: each prompt G times, consecutive.
    const std::vector<int64_t> chosen = step_prompts(step);
    RolloutRows rows;
    std::vector<std::vector<int64_t>> gen_prompts;
    for (int64_t p : chosen)
      for (int64_t g = 0; g < G; ++g) {
        rows.prompt.push_back(p);
        gen_prompts.push_back(prompts_[static_cast<size_t>(p)].ids);
      }
    const int64_t N = static_cast<int64_t>(rows.prompt.size());
    GenerateOptions go;
    go.max_new_tokens = c.max_completion_length;
    go.sampling.do_sample = true;
    go.sampling.temperature = temperature_;
    go.sampling.top_p = c.top_p;
    go.sampling.top_k = c.top_k;
    go.sampling.repetition_penalty = c.repetition_penalty;
    go.eos_ids = options_.eos_ids;
    go.stop_strings = options_.stop_strings;
    go.decode = options_.decode;
    go.seed = mix_seed(options_.seed, static_cast<uint64_t>(step));
    go.pad_id = options_.pad_id;
    if (options_.constraint)
      go.constraint = [&](size_t row) { return options_.constraint(rows.prompt[row]); };
    model_.set_training(false);
    auto t0 = Clock::now();
    GenerateStats gs;
    const std::vector<GenerateResult> gen = generate(model_, gen_prompts, go, &gs);
    sync_device(model_);
    const double gen_s = seconds_since(t0);
    std::vector<std::string> texts;
    std::vector<uint8_t> truncated(static_cast<size_t>(N), 0);
    int64_t prompt_tokens = 0, completion_tokens = 0;
    for (int64_t i = 0; i < N; ++i) {
      const GenerateResult& g = gen[static_cast<size_t>(i)];
      rows.tokens.push_back(g.tokens);
      rows.constrained.push_back(g.constrained);
      truncated[static_cast<size_t>(i)] = g.finish_reason == "length" ? 1 : 0;
      texts.push_back(prompts_[static_cast<size_t>(rows.prompt[static_cast<size_t>(i)])].prefill + options_.decode(g.tokens));
      prompt_tokens += static_cast<int64_t>(gen_prompts[static_cast<size_t>(i)].size());
      completion_tokens += static_cast<int64_t>(g.tokens.size());
    }

    // 2. Rewards and advantages.
    t0 = Clock::now();
    GrpoScores scores = score_(rows.prompt, texts, step);
    const double reward_s = seconds_since(t0);
    const int64_t K = static_cast<int64_t>(scores.names.size());
    if (static_cast<int64_t>(scores.components.size()) != N || static_cast<int64_t>(scores.weights.size()) != K)
      throw Error("grpo: the scorer returned " + std::to_string(scores.components.size()) + " rows for " +
                  std::to_string(N) + " completions");
    std::vector<float> comp(static_cast<size_t>(N * K));
    for (int64_t i = 0; i < N; ++i) {
      if (static_cast<int64_t>(scores.components[static_cast<size_t>(i)].size()) != K)
        throw Error("grpo: the scorer returned a row of the wrong width");
      for (int64_t k = 0; k < K; ++k)
        comp[static_cast<size_t>(i * K + k)] = static_cast<float>(scores.components[static_cast<size_t>(i)][static_cast<size_t>(k)]);
    }
    GrpoAdvantageOptions ao;
    ao.num_generations = G;
    ao.scale_rewards = c.scale_rewards;
    const GrpoAdvantages adv =
        grpo_advantages_compute(at::tensor(comp).view({N, K}), scores.names, scores.weights, ao);
    res.metrics = adv.metrics;
    res.component_names = scores.names;
    res.weights = scores.weights;

    // 3. Old and reference log-probs (no gradient).
    const GrpoLossOptions lo = grpo_loss_options_from(c);
    const int64_t mbs = c.per_device_train_batch_size;
    std::vector<MicroBatch> micro;
    for (int64_t r0 = 0; r0 < N; r0 += mbs)
      micro.push_back(micro_batch_make(prompts_, rows, r0, std::min(N, r0 + mbs), truncated, options_.pad_id, model_.device(),
                                      options_.share_prompts));
    t0 = Clock::now();
    std::vector<at::Tensor> old_logp(micro.size()), ref_logp(micro.size());
    if (c.num_iterations > 1 || reference_ != nullptr || (options_.lora && grpo_needs_reference(lo))) {
      at::NoGradGuard no_grad;
      for (size_t m = 0; m < micro.size(); ++m) {
        if (c.num_iterations > 1)
          old_logp[m] = completion_logprobs(model_, micro[m], temperature_, options_.chunk_tokens, false).logp;
        if (grpo_needs_reference(lo)) {
          if (options_.lora) {
            model_.set_adapters_enabled(false);
            ref_logp[m] = completion_logprobs(model_, micro[m], temperature_, options_.chunk_tokens, false).logp;
            model_.set_adapters_enabled(true);
          } else {
            ref_logp[m] = completion_logprobs(*reference_, micro[m], temperature_, options_.chunk_tokens, false).logp;
          }
        }
      }
    }
    sync_device(model_);
    const double logprob_s = seconds_since(t0);

    // 4. μ updates.
    t0 = Clock::now();
    model_.set_training(true);
    int64_t dapo_norm = 0;
    for (const MicroBatch& mb : micro)
      dapo_norm += grpo_active_tokens(lo.mask_truncated_completions ? grpo_completion_mask_apply_truncation(mb.mask, mb.truncated)
                                                                    : mb.mask);
    const at::Tensor advantages = adv.advantages;  // (N)
    std::map<std::string, double> loss_metric_sum;
    double loss_metric_tokens = 0, loss_sum = 0, grad_norm_sum = 0;
    bool any_skipped = false;
    for (int64_t it = 0; it < c.num_iterations; ++it) {
      double pass_loss = 0;
      int64_t row0 = 0;
      for (size_t m = 0; m < micro.size(); ++m) {
        const MicroBatch& mb = micro[m];
        const CompletionLogprobs cl = completion_logprobs(model_, mb, temperature_, options_.chunk_tokens, it == 0);
        GrpoLossInputs in;
        in.logp = cl.logp;
        in.old_logp = old_logp[m];
        in.ref_logp = ref_logp[m];
        in.advantages = advantages.narrow(0, row0, mb.rows);
        in.completion_mask = mb.mask;
        in.truncated = mb.truncated;
        in.entropy = cl.entropy;
        in.dapo_normalizer = static_cast<double>(std::max<int64_t>(1, dapo_norm));
        in.grad_accum_steps = static_cast<int64_t>(micro.size());
        const GrpoLoss gl = grpo_loss_compute(in, lo);
        gl.loss.backward();
        pass_loss += gl.loss.item<double>();
        if (it == 0) {
          const double w = static_cast<double>(std::max<int64_t>(1, gl.active_tokens));
          for (const auto& [name, v] : gl.metrics) loss_metric_sum[name] += v * w;
          loss_metric_tokens += w;
        }
        row0 += mb.rows;
      }
      const GradNorm gn = clip_grad_norm(params_, c.max_grad_norm);
      grad_norm_sum += gn.norm;
      if (gn.finite && std::isfinite(pass_loss)) {
        optimizer_->step(learning_rate_of_update((step - 1) * c.num_iterations + it));
      } else {
        any_skipped = true;
        res.skip_reason = !std::isfinite(pass_loss) ? "non-finite loss" : "non-finite gradient norm";
      }
      optimizer_->zero_grad();
      loss_sum += pass_loss;
    }
    sync_device(model_);
    model_.set_training(false);
    const double update_s = seconds_since(t0);
    res.skipped = any_skipped;

    // Metrics, in TRL's order where TRL has them.
    auto put = [&](const std::string& name, double v) { res.metrics.emplace_back(name, v); };
    for (const char* name : {"kl", "entropy", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean"}) {
      const auto f = loss_metric_sum.find(name);
      if (f != loss_metric_sum.end()) put(name, f->second / std::max(1.0, loss_metric_tokens));
    }
    double len_sum = 0, len_min = 1e18, len_max = 0, term_sum = 0, term_n = 0, clipped = 0;
    for (int64_t i = 0; i < N; ++i) {
      const double L = static_cast<double>(rows.tokens[static_cast<size_t>(i)].size());
      len_sum += L;
      len_min = std::min(len_min, L);
      len_max = std::max(len_max, L);
      if (truncated[static_cast<size_t>(i)]) {
        clipped += 1;
      } else {
        term_sum += L;
        term_n += 1;
      }
    }
    put("completions/mean_length", len_sum / static_cast<double>(N));
    put("completions/min_length", len_min);
    put("completions/max_length", len_max);
    put("completions/clipped_ratio", clipped / static_cast<double>(N));
    put("completions/mean_terminated_length", term_n > 0 ? term_sum / term_n : 0.0);
    put("loss", loss_sum / static_cast<double>(c.num_iterations));
    put("grad_norm", grad_norm_sum / static_cast<double>(c.num_iterations));
    put("learning_rate", learning_rate_at(step));
    put("temperature", temperature_);
    num_tokens_ += prompt_tokens + completion_tokens;
    put("num_tokens", static_cast<double>(num_tokens_));
    const double step_s = seconds_since(t_step);
    put("step_time", step_s);
    put("step_time/generation", gen_s);
    put("step_time/reward", reward_s);
    put("step_time/logprob", logprob_s);
    put("step_time/update", update_s);
    put("tokens_per_s/rollout", gen_s > 0 ? static_cast<double>(completion_tokens) / gen_s : 0.0);
    put("tokens_per_s/train", update_s > 0 ? static_cast<double>((prompt_tokens + completion_tokens) * c.num_iterations) / update_s : 0.0);
    put("skipped", res.skipped ? 1.0 : 0.0);

    // Rollouts for the store.
    const auto adv_a = adv.advantages.contiguous();
    const float* A = adv_a.data_ptr<float>();
    for (int64_t i = 0; i < N; ++i) {
      GrpoRollout r;
      r.prompt = rows.prompt[static_cast<size_t>(i)];
      r.group = i / G;
      r.index = static_cast<int32_t>(i % G);
      r.completion = texts[static_cast<size_t>(i)];
      r.components = scores.components[static_cast<size_t>(i)];
      r.total = adv.rewards[i].item<double>();
      r.advantage = A[i];
      r.tokens = static_cast<int32_t>(rows.tokens[static_cast<size_t>(i)].size());
      r.truncated = truncated[static_cast<size_t>(i)] != 0;
      r.token_ids = rows.tokens[static_cast<size_t>(i)];
      r.logprobs = gen[static_cast<size_t>(i)].logprobs;
      res.rollouts.push_back(std::move(r));
    }
    step_ = step;
    return res;
  } catch (const c10::Error& e) {
    if (out_of_memory_is(e.what()))
      throw GrpoOutOfMemory(out_of_memory_message("grpo", step_ + 1,
                                                  "grpo.per_device_train_batch_size (or raise gradient_accumulation_steps to "
                                                  "keep the batch), grpo.num_generations or grpo.max_completion_length"));
    throw;
  }
}

void GrpoTrainer::checkpoint_save(const std::string& dir) const {
  checkpoint_dir_write(dir, [&](const std::string& tmp) {
    lora_or_model_save(model_, tmp, options_.lora, options_.base_model_name_or_path);
    optimizer_->save(tmp + "/optimizer.safetensors");
    const nlohmann::json state = {{"step", step_},
                                  {"total_steps", total_steps_},
                                  {"num_tokens", num_tokens_},
                                  {"seed", options_.seed},
                                  {"learning_rate", base_lr_},
                                  {"temperature", temperature_},
                                  {"rng", "derived from (seed, step): prompt order per epoch, sampling per step"}};
    file_write_atomic(tmp + "/trainer_state.json", state.dump(2) + "\n");
    checkpoint_copy_files(options_.copy_files, tmp);
  });
}

void GrpoTrainer::checkpoint_restore(const std::string& dir) {
  const std::string path = dir + "/trainer_state.json";
  nlohmann::json s;
  try {
    s = nlohmann::json::parse(file_read_all(path));
    step_ = s.at("step").get<int64_t>();
    num_tokens_ = s.value("num_tokens", int64_t{0});
    base_lr_ = s.at("learning_rate").get<double>();
    temperature_ = s.at("temperature").get<double>();
    if (s.at("seed").get<uint64_t>() != options_.seed)
      throw Error("seed " + std::to_string(s.at("seed").get<uint64_t>()) + " differs from the run's " +
                  std::to_string(options_.seed));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  if (step_ < 0 || step_ > total_steps_)
    throw Error(path + ": step " + std::to_string(step_) + " is outside the run's 0.." + std::to_string(total_steps_));
  optimizer_->load(dir + "/optimizer.safetensors");
}

}  // namespace rf
