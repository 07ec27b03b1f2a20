// The generation loop: prefill of left-padded prompts, then one decode step per new token with a KV
// cache (or a full recomputation when use_cache is off), token choice by the fused CPU sampler or the
// tensor pipeline, per-row stopping, and compaction of the running batch when rows finish.
#include "generate/generate.h"

#include "model/cpu_kernels.h"
#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <random>

namespace rf {

// ---------------------------------------------------------------------------------------------------
// Stop strings.

StopStringMatcher::StopStringMatcher(std::vector<std::string> stop_strings, DecodeFn decode)
    : decode_(std::move(decode)) {
  for (auto& s : stop_strings)
    if (!s.empty()) stops_.push_back(std::move(s));
  // Every token decodes to at least one byte, so a stop string of n bytes spans at most n tokens; two
  // more cover a partial UTF-8 character at the start of the window.
  for (const auto& s : stops_) window_ = std::max(window_, s.size() + 2);
  if (!stops_.empty() && !decode_) throw Error("generate: stop_strings need a decode function (options.decode)");
}

bool StopStringMatcher::matches(const std::vector<int64_t>& tokens) const {
  if (stops_.empty() || tokens.empty()) return false;
  const size_t n = std::min(window_, tokens.size());
  const std::string text = decode_(std::vector<int64_t>(tokens.end() - static_cast<std::ptrdiff_t>(n), tokens.end()));
  // Checked after every token, so a stop string found in the window cannot have been complete before
  // the last token: it ends inside the last token's text (which may run past it).
  for (const auto& s : stops_)
    if (text.find(s) != std::string::npos) return true;
  return false;
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void validate(const Transformer& model, const std::vector<std::vector<int64_t>>& prompts, const GenerateOptions& o) {
  if (o.max_new_tokens < 0) throw Error("generate: max_new_tokens must be >= 0, got " + std::to_string(o.max_new_tokens));
  if (o.prefill_chunk_tokens < 1)
    throw Error("generate: prefill_chunk_tokens must be >= 1, got " + std::to_string(o.prefill_chunk_tokens));
  sampling_params_validate(o.sampling);
  const int64_t V = model.config().vocab_size;
  if (o.pad_id < 0 || o.pad_id >= V) throw Error("generate: pad_id " + std::to_string(o.pad_id) + " is outside the vocabulary");
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) throw Error("generate: prompt " + std::to_string(i) + " is empty (at least one token is needed)");
    for (int64_t id : prompts[i])
      if (id < 0 || id >= V)
        throw Error("generate: prompt " + std::to_string(i) + " has token id " + std::to_string(id) +
                    " outside the vocabulary (0.." + std::to_string(V - 1) + ")");
  }
  if (!o.stop_strings.empty() && !o.decode) throw Error("generate: stop_strings need a decode function (options.decode)");
}

// One running row: which result it fills and its host-side state.
struct Row {
  size_t result = 0;                 // index into prompts / results
  int64_t prompt_len = 0;
  std::vector<int64_t> seen_ids;     // distinct ids of prompt + output (repetition penalty only)
  std::vector<uint8_t> seen_flag;    // (V) membership of seen_ids
  std::unique_ptr<TokenConstraint> constraint;  // constrained decoding (null: none)
  void see(int64_t id) {
    if (!seen_flag[id]) {
      seen_flag[id] = 1;
      seen_ids.push_back(id);
    }
  }
};

// Removes every token but the allowed ones from the constrained rows of logits (n, V): a CPU copy with
// -inf outside each list, back on the logits' device. `allowed[r]` null: row r is left as it is.
at::Tensor logits_allow_only(const at::Tensor& logits, const std::vector<const std::vector<int64_t>*>& allowed) {
  at::Tensor out = logits.to(at::kCPU, at::kFloat).contiguous().clone();
  const int64_t n = out.size(0), V = out.size(1);
  float* base = out.data_ptr<float>();
  std::vector<float> keep;
  for (int64_t r = 0; r < n; ++r) {
    if (!allowed[static_cast<size_t>(r)]) continue;
    const std::vector<int64_t>& ids = *allowed[static_cast<size_t>(r)];
    float* row = base + r * V;
    keep.resize(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) keep[i] = row[ids[i]];
    std::fill(row, row + V, -std::numeric_limits<float>::infinity());
    for (size_t i = 0; i < ids.size(); ++i) row[ids[i]] = keep[i];
  }
  return out.to(logits.device());
}

// log_softmax(row / T)[token] over a whole row of V raw logits.
float row_logprob(const float* row, int64_t V, int64_t token, double T) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t v = 0; v < V; ++v) mx = std::max(mx, row[v]);
  double sum = 0;
  for (int64_t v = 0; v < V; ++v) sum += std::exp((static_cast<double>(row[v]) - mx) / T);
  return static_cast<float>((static_cast<double>(row[token]) - mx) / T - std::log(sum));
}

}  // namespace

std::vector<GenerateResult> generate(Transformer& model, const std::vector<std::vector<int64_t>>& prompts,
                                     const GenerateOptions& options, GenerateStats* stats_out) {
  validate(model, prompts, options);
  c10::InferenceMode inference_guard;
  // On the CPU, BLAS runs on one thread and the model splits its products over LibTorch's threads:
  // one thread pool instead of two competing for the cores (see model/cpu_kernels.h).
  cpu::BlasSingleThreadScope blas_scope(model.device().is_cpu() && at::get_num_threads() > 1);
  GenerateStats stats;
  const int64_t B = static_cast<int64_t>(prompts.size());
  std::vector<GenerateResult> results(B);
  if (B == 0) return results;
  if (options.max_new_tokens == 0) {
    for (auto& r : results) r.finish_reason = "length";
    if (stats_out) *stats_out = stats;
    return results;
  }

  const SamplingParams& sp = options.sampling;
  const int64_t V = model.config().vocab_size;
  const at::Device device = model.device();
  const bool fused = options.sampler == GenerateOptions::Sampler::Fused ||
                     (options.sampler == GenerateOptions::Sampler::Auto && device.is_cpu());
  const bool penalty = sp.repetition_penalty != 1.0;
  const StopStringMatcher stop(options.stop_strings, options.decode);

  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(options.seed ? *options.seed : std::random_device{}());
  auto draw_uniform = [&gen]() {
    std::lock_guard<std::mutex> lock(gen.mutex());
    return static_cast<double>(at::check_generator<at::CPUGeneratorImpl>(gen)->random64() >> 11) * 0x1.0p-53;
  };

  int64_t Lmax = 0;
  for (const auto& p : prompts) Lmax = std::max<int64_t>(Lmax, static_cast<int64_t>(p.size()));
  const int64_t capacity = Lmax + options.max_new_tokens;

  std::vector<Row> rows(B);
  for (int64_t b = 0; b < B; ++b) {
    rows[b].result = static_cast<size_t>(b);
    rows[b].prompt_len = static_cast<int64_t>(prompts[b].size());
    if (penalty) {
      rows[b].seen_flag.assign(V, 0);
      for (int64_t id : prompts[b]) rows[b].see(id);
    }
    if (options.constraint) rows[b].constraint = options.constraint(static_cast<size_t>(b));
    results[b].tokens.reserve(options.max_new_tokens);
    results[b].logprobs.reserve(options.max_new_tokens);
  }

  const auto cpu_long = at::TensorOptions().dtype(at::kLong);
  // Left-padded prompts (B, Lmax), the attention mask over every position (B, capacity) and the
  // prefill position ids (B, Lmax) = cumsum(mask) - 1, padding at 1 (HF's convention).
  at::Tensor ids = at::full({B, Lmax}, options.pad_id, cpu_long);
  at::Tensor mask_host = at::zeros({B, capacity}, cpu_long);
  at::Tensor pos = at::ones({B, Lmax}, cpu_long);
  bool padded = false;
  {
    int64_t* ip = ids.data_ptr<int64_t>();
    int64_t* mp = mask_host.data_ptr<int64_t>();
    int64_t* pp = pos.data_ptr<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      const int64_t L = rows[b].prompt_len, pad = Lmax - L;
      padded = padded || pad > 0;
      for (int64_t t = 0; t < L; ++t) {
        ip[b * Lmax + pad + t] = prompts[b][t];
        pp[b * Lmax + pad + t] = t;
      }
      for (int64_t t = pad; t < capacity; ++t) mp[b * capacity + t] = 1;
    }
  }
  // Everything in the mask past the prompt is 1: each step reads a prefix of it.
  at::Tensor mask = mask_host.to(device);

  KvCache cache;
  if (options.use_cache) cache = KvCache::allocate(model.config(), B, capacity, model.dtype(), device);

  // Buffers reused by every decode step (B, 1); the active rows are their first rows.
  at::Tensor step_ids = at::empty({B, 1}, cpu_long);
  at::Tensor step_pos = at::empty({B, 1}, cpu_long);
  at::Tensor seen;  // (B, V) bool on the device: the tensor pipeline's repetition-penalty mask
  if (!fused && penalty) {
    seen = at::zeros({B, V}, at::TensorOptions().dtype(at::kBool));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t id : rows[b].seen_ids) seen[b][id] = true;
    seen = seen.to(device);
  }
  std::vector<RowScratch> scratch(B);
  std::vector<RowChoice> choice(B);
  std::vector<double> uniforms(B, 0.0);
  std::vector<std::vector<int64_t>> full_seq;  // no-cache mode: prompt + output per row
  if (!options.use_cache)
    for (int64_t b = 0; b < B; ++b) full_seq.push_back(prompts[b]);

  std::vector<uint8_t> skip(B, 0);  // fused rows `choose` leaves alone
  // Picks one token per active row from logits (n, V) float32; fills `choice`.
  auto choose = [&](const at::Tensor& logits_in) {
    const int64_t n = logits_in.size(0);
    if (sp.do_sample)
      for (int64_t r = 0; r < n; ++r) uniforms[r] = draw_uniform();  // drawn in row order: thread-independent
    if (fused) {
      at::Tensor logits = logits_in.to(at::kCPU).contiguous();
      const float* base = logits.data_ptr<float>();
      static const std::vector<int64_t> no_ids;
      auto one = [&](int64_t r) {
        if (skip[static_cast<size_t>(r)]) return;  // a narrow constraint's row: sampled from its list below
        choice[r] = sample_row(base + r * V, V, sp, penalty ? rows[r].seen_ids : no_ids, uniforms[r], scratch[r]);
      };
      if (n == 1) {
        one(0);
      } else {
        const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(V, 1));
        at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) one(r);
        });
      }
      return;
    }
    at::Tensor processed = logits_process(logits_in, sp, penalty ? seen.narrow(0, 0, n) : at::Tensor());
    at::Tensor tok;  // (n, 1)
    if (!sp.do_sample) {
      tok = processed.argmax(-1, /*keepdim=*/true);
    } else {
      at::Tensor cdf = processed.softmax(-1).cumsum(-1);
      at::Tensor u = at::from_blob(uniforms.data(), {n, 1}, at::kDouble).to(device, at::kFloat);
      tok = at::searchsorted(cdf, u * cdf.narrow(-1, V - 1, 1), /*out_int32=*/false, /*right=*/true).clamp_max_(V - 1);
    }
    const double T = sp.do_sample ? sp.temperature : 1.0;
    at::Tensor lp = at::log_softmax(T == 1.0 ? logits_in : logits_in / T, -1).gather(-1, tok);
    if (penalty) seen.narrow(0, 0, n).scatter_(1, tok, true);
    at::Tensor tok_h = tok.to(at::kCPU).contiguous(), lp_h = lp.to(at::kCPU, at::kFloat).contiguous();
    for (int64_t r = 0; r < n; ++r) choice[r] = {tok_h.data_ptr<int64_t>()[r], lp_h.data_ptr<float>()[r]};
  };

  // ---- Prefill.
  auto t0 = Clock::now();
  // In chunks of rows of about prefill_chunk_tokens tokens: the same result, with activations a
  // fraction of the size (they stay in cache and in the allocator's heap instead of being mapped anew).
  at::Tensor logits;  // (B, V)
  {
    const int64_t chunk = std::max<int64_t>(1, options.prefill_chunk_tokens / Lmax);
    std::vector<at::Tensor> parts;
    for (int64_t b0 = 0; b0 < B; b0 += chunk) {
      const int64_t nb = std::min(chunk, B - b0);
      KvCache view;  // the chunk's rows of the cache (contiguous, sharing its storage)
      if (options.use_cache)
        for (size_t l = 0; l < cache.k.size(); ++l) {
          view.k.push_back(cache.k[l].narrow(0, b0, nb));
          view.v.push_back(cache.v[l].narrow(0, b0, nb));
        }
      bool chunk_padded = false;
      for (int64_t b = b0; b < b0 + nb; ++b) chunk_padded = chunk_padded || rows[b].prompt_len < Lmax;
      ForwardBatch fb{ids.narrow(0, b0, nb).to(device), pos.narrow(0, b0, nb).to(device),
                      chunk_padded ? mask.narrow(0, b0, nb).narrow(1, 0, Lmax) : at::Tensor()};
      at::Tensor hidden = model.forward_hidden(fb, options.use_cache ? &view : nullptr);  // (nb, Lmax, C)
      parts.push_back(model.logits_from_hidden(hidden.select(1, Lmax - 1)));             // (nb, V)
    }
    if (options.use_cache) cache.length = Lmax;
    logits = parts.size() == 1 ? parts[0] : at::cat(parts, 0);
  }
  for (const auto& r : rows) stats.prefill_tokens += r.prompt_len;

  int64_t n = B;       // active rows: rows[0, n)
  int64_t step = 0;    // new tokens so far per active row
  bool in_prefill = true;
  std::vector<const std::vector<int64_t>*> allowed;
  while (true) {
    // Constrained rows choose among their allowed tokens; their log-probs stay the model's own.
    bool constrained = false;
    if (options.constraint) {
      allowed.assign(static_cast<size_t>(n), nullptr);
      std::vector<int64_t> banned;  // r * V + id of the unconstrained rows' few banned ids
      for (int64_t r = 0; r < n; ++r)
        if (rows[r].constraint) {
          allowed[static_cast<size_t>(r)] = rows[r].constraint->allowed();
          constrained = constrained || allowed[static_cast<size_t>(r)] != nullptr;
          const std::vector<int64_t>* b = allowed[static_cast<size_t>(r)] ? nullptr : rows[r].constraint->banned();
          if (b)
            for (int64_t id : *b) banned.push_back(r * V + id);
        }
      if (!banned.empty()) {  // on the logits' device, in place: no (n, V) copy to the host
        logits = logits.contiguous();
        const at::Tensor at_ids = at::from_blob(banned.data(), {static_cast<int64_t>(banned.size())}, cpu_long).to(logits.device());
        logits.view({-1}).index_fill_(0, at_ids, -std::numeric_limits<float>::infinity());
      }
    }
    if (constrained) {
      // A narrow constraint's log-prob is over its allowed ids (what the sampler drew from, and what the
      // GRPO trainer recomputes from the recorded list); a wide one keeps the whole vocabulary's. On the
      // CPU a narrow row is sampled from its list alone (the same draw as from the masked row, without
      // the O(V) pass); the tensor pipeline masks every constrained row.
      at::Tensor raw = logits.to(at::kCPU, at::kFloat).contiguous();
      const float* raw_p = raw.data_ptr<float>();
      std::vector<const std::vector<int64_t>*> masked = allowed;
      bool any_masked = false;
      for (int64_t r = 0; r < n; ++r) {
        const std::vector<int64_t>* a = allowed[static_cast<size_t>(r)];
        const bool narrow = a && static_cast<int64_t>(a->size()) * 2 <= V;
        skip[static_cast<size_t>(r)] = fused && narrow;
        if (skip[static_cast<size_t>(r)]) masked[static_cast<size_t>(r)] = nullptr;
        any_masked = any_masked || masked[static_cast<size_t>(r)] != nullptr;
      }
      choose(any_masked ? logits_allow_only(logits, masked) : logits);
      const double T = sp.do_sample ? sp.temperature : 1.0;
      std::vector<float> sub;
      std::vector<int64_t> sub_seen;
      for (int64_t r = 0; r < n; ++r) {
        const std::vector<int64_t>* a = allowed[static_cast<size_t>(r)];
        if (!a) continue;
        GenerateResult& res = results[rows[r].result];
        if (skip[static_cast<size_t>(r)]) {
          sub.resize(a->size());
          for (size_t i = 0; i < a->size(); ++i) sub[i] = raw_p[r * V + (*a)[i]];
          sub_seen.clear();
          if (penalty)
            for (size_t i = 0; i < a->size(); ++i)
              if (rows[r].seen_flag[static_cast<size_t>((*a)[i])]) sub_seen.push_back(static_cast<int64_t>(i));
          const RowChoice c = sample_row(sub.data(), static_cast<int64_t>(sub.size()), sp, sub_seen, uniforms[r], scratch[r]);
          choice[r] = {(*a)[static_cast<size_t>(c.token)], c.logprob};
          skip[static_cast<size_t>(r)] = 0;
        }
        if (static_cast<int64_t>(a->size()) * 2 <= V)
          res.constrained.push_back({static_cast<int32_t>(res.tokens.size()), *a});
        else
          choice[r].logprob = row_logprob(raw_p + r * V, V, choice[r].token, T);
      }
    } else {
      choose(logits);
    }
    // Append, then decide which rows finish.
    std::vector<int64_t> keep;
    keep.reserve(n);
    for (int64_t r = 0; r < n; ++r) {
      GenerateResult& res = results[rows[r].result];
      const int64_t tok = choice[r].token;
      res.tokens.push_back(tok);
      res.logprobs.push_back(choice[r].logprob);
      if (rows[r].constraint) rows[r].constraint->advance(tok);
      if (penalty && fused) rows[r].see(tok);
      if (!options.use_cache) full_seq[rows[r].result].push_back(tok);
      if (std::find(options.eos_ids.begin(), options.eos_ids.end(), tok) != options.eos_ids.end())
        res.finish_reason = "eos";
      else if (!stop.empty() && stop.matches(res.tokens))
        res.finish_reason = "stop";
      else if (static_cast<int64_t>(res.tokens.size()) >= options.max_new_tokens)
        res.finish_reason = "length";
      else
        keep.push_back(r);
    }
    stats.generated_tokens += n;
    ++step;
    if (in_prefill) {
      stats.prefill_seconds = seconds_since(t0);
      in_prefill = false;
    } else {
      stats.decode_tokens += n;
      stats.decode_seconds += seconds_since(t0);
      ++stats.decode_steps;
    }
    if (keep.empty()) break;
    t0 = Clock::now();

    // Drop finished rows from the running batch.
    if (static_cast<int64_t>(keep.size()) < n) {
      for (size_t j = 0; j < keep.size(); ++j)
        if (static_cast<int64_t>(j) != keep[j]) rows[j] = std::move(rows[keep[j]]);
      rows.resize(keep.size());
      // `keep` lists the surviving rows' old indices in order, which is what index_select wants.
      at::Tensor sel = at::from_blob(keep.data(), {static_cast<int64_t>(keep.size())}, at::kLong).to(device);
      if (options.use_cache) cache.keep_rows(sel);
      mask = mask.index_select(0, sel);
      if (seen.defined()) seen = seen.index_select(0, sel);
      n = static_cast<int64_t>(keep.size());
      padded = false;
      for (const auto& r : rows) padded = padded || r.prompt_len < Lmax;
    }

    if (options.use_cache) {
      // One new token per row at position prompt_len + step - 1 (the previous token's position + 1).
      int64_t* ip = step_ids.data_ptr<int64_t>();
      int64_t* pp = step_pos.data_ptr<int64_t>();
      for (int64_t r = 0; r < n; ++r) {
        ip[r] = results[rows[r].result].tokens.back();
        pp[r] = rows[r].prompt_len + step - 1;
      }
      const int64_t past = cache.length;
      ForwardBatch fb{step_ids.narrow(0, 0, n).to(device), step_pos.narrow(0, 0, n).to(device),
                      padded ? mask.narrow(1, 0, past + 1) : at::Tensor()};
      at::Tensor hidden = model.forward_hidden(fb, &cache);  // (n, 1, C)
      logits = model.logits_from_hidden(hidden.select(1, 0));  // (n, V)
    } else {
      // Recompute everything: (n, Lmax + step) left-padded ids, their mask and positions.
      const int64_t T = Lmax + step;
      at::Tensor all_ids = at::full({n, T}, options.pad_id, cpu_long);
      at::Tensor all_pos = at::ones({n, T}, cpu_long);
      int64_t* ip = all_ids.data_ptr<int64_t>();
      int64_t* pp = all_pos.data_ptr<int64_t>();
      for (int64_t r = 0; r < n; ++r) {
        const auto& seq = full_seq[rows[r].result];
        const int64_t len = static_cast<int64_t>(seq.size()), pad = T - len;
        for (int64_t t = 0; t < len; ++t) {
          ip[r * T + pad + t] = seq[t];
          pp[r * T + pad + t] = t;
        }
      }
      ForwardBatch fb{all_ids.to(device), all_pos.to(device), padded ? mask.narrow(1, 0, T) : at::Tensor()};
      at::Tensor hidden = model.forward_hidden(fb, nullptr);       // (n, T, C)
      logits = model.logits_from_hidden(hidden.select(1, T - 1));  // (n, V)
    }
  }
  if (stats_out) *stats_out = stats;
  return results;
}

}  // namespace rf
