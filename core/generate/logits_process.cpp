// Logits processing (repetition penalty, temperature, top-k, top-p, min-p) and token choice: tensor
// versions for any device and a fused per-row CPU version. Both follow Hugging Face's warpers.
#include "generate/logits_process.h"

#include "model/fast_math.h"
#include "util/error.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

namespace rf {

void sampling_params_validate(const SamplingParams& p) {
  if (!(p.repetition_penalty > 0.0) || !std::isfinite(p.repetition_penalty))
    throw Error("generate: repetition_penalty must be > 0 (got " + std::to_string(p.repetition_penalty) + ")");
  if (!p.do_sample) return;
  if (!(p.temperature > 0.0) || !std::isfinite(p.temperature))
    throw Error("generate: temperature must be > 0 when sampling (got " + std::to_string(p.temperature) +
                "); use greedy decoding for temperature 0");
  if (p.top_k < 0) throw Error("generate: top_k must be >= 0 (0 = off), got " + std::to_string(p.top_k));
  if (!(p.top_p > 0.0 && p.top_p <= 1.0))
    throw Error("generate: top_p must be in (0, 1] (1 = off), got " + std::to_string(p.top_p));
  if (!(p.min_p >= 0.0 && p.min_p <= 1.0))
    throw Error("generate: min_p must be in [0, 1] (0 = off), got " + std::to_string(p.min_p));
}

// ---------------------------------------------------------------------------------------------------
// Tensor versions.

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
}

at::Tensor logits_repetition_penalty(const at::Tensor& logits, const at::Tensor& seen, double penalty) {
  if (penalty == 1.0) return logits;
  at::Tensor penalised = at::where(logits < 0, logits * penalty, logits / penalty);
  return at::where(seen.to(at::kBool), penalised, logits);
}

at::Tensor logits_temperature(const at::Tensor& logits, double temperature) {
  return temperature == 1.0 ? logits : logits / temperature;
}

at::Tensor logits_top_k(const at::Tensor& logits, int64_t k) {
  const int64_t V = logits.size(-1);
  if (k <= 0 || k >= V) return logits;
  at::Tensor kth = std::get<0>(logits.topk(k, -1)).narrow(-1, k - 1, 1);  // (B, 1)
  return logits.masked_fill(logits < kth, kNegInf);
}

at::Tensor logits_top_p(const at::Tensor& logits, double top_p) {
  if (top_p >= 1.0) return logits;
  auto [sorted, order] = logits.sort(-1, /*descending=*/false);
  at::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
  at::Tensor remove_sorted = cumulative <= (1.0 - top_p);
  remove_sorted.narrow(-1, remove_sorted.size(-1) - 1, 1).fill_(false);  // keep at least one token
  at::Tensor remove = remove_sorted.scatter(-1, order, remove_sorted);
  return logits.masked_fill(remove, kNegInf);
}

at::Tensor logits_min_p(const at::Tensor& logits, double min_p) {
  if (min_p <= 0.0) return logits;
  at::Tensor probs = logits.softmax(-1);
  at::Tensor top = std::get<0>(probs.max(-1, /*keepdim=*/true));
  // The most likely token always has probs == top >= min_p * top, so at least one token stays.
  return logits.masked_fill(probs < top * min_p, kNegInf);
}

at::Tensor logits_process(const at::Tensor& logits, const SamplingParams& p, const at::Tensor& seen) {
  at::Tensor x = logits;
  if (p.repetition_penalty != 1.0) {
    if (!seen.defined()) throw Error("logits_process: the repetition penalty needs the seen-token mask");
    x = logits_repetition_penalty(x, seen, p.repetition_penalty);
  }
  if (!p.do_sample) return x;
  x = logits_temperature(x, p.temperature);
  x = logits_top_k(x, p.top_k);
  x = logits_top_p(x, p.top_p);
  return logits_min_p(x, p.min_p);
}

// ---------------------------------------------------------------------------------------------------
// Fused CPU version: a few passes over one row, no sort, SIMD-friendly loops.

namespace {

RF_SIMD_CLONES float row_max(const float* x, int64_t V) {
  float acc[8] = {kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf};
  int64_t i = 0;
  for (; i + 8 <= V; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] = std::max(acc[j], x[i + j]);
  float m = kNegInf;
  for (float a : acc) m = std::max(m, a);
  for (; i < V; ++i) m = std::max(m, x[i]);
  return m;
}

int64_t argmax_row(const float* x, int64_t V) {  // the first maximum, like torch.argmax
  const float m = row_max(x, V);
  for (int64_t i = 0; i < V; ++i)
    if (x[i] == m) return i;
  int64_t best = 0;  // NaNs: fall back to a plain scan
  for (int64_t i = 1; i < V; ++i)
    if (x[i] > x[best]) best = i;
  return best;
}

// sum_i exp(x_i - m); `tmp` (V) receives the terms.
RF_SIMD_CLONES double sum_exp(const float* x, int64_t V, float m, float* tmp) {
  for (int64_t i = 0; i < V; ++i) tmp[i] = fastmath::exp(x[i] - m);
  return fastmath::sum(tmp, V);
}

// Sign-bit masks instead of float compares keep these loops vectorisable (GCC will not if-convert a
// float compare under the default -ftrapping-math).
inline int32_t negative_mask(float v) { return std::bit_cast<int32_t>(v) >> 31; }  // all ones if v < 0 (or -0, NaN)
inline float masked(float v, int32_t mask) { return std::bit_cast<float>(std::bit_cast<int32_t>(v) & mask); }

// w_i = exp(x_i - m), or 0 where x_i < floor (top-k). Returns the sum of all exp(x_i - m) (the
// log-softmax normaliser) and stores the sum of the kept w in *kept.
RF_SIMD_CLONES double exp_weights(const float* x, int64_t V, float m, float floor, float* w, double* kept) {
  for (int64_t i = 0; i < V; ++i) w[i] = fastmath::exp(x[i] - m);
  const double all = fastmath::sum(w, V);
  if (floor == kNegInf) {
    *kept = all;
    return all;
  }
  for (int64_t i = 0; i < V; ++i) w[i] = masked(w[i], ~negative_mask(x[i] - floor));
  *kept = fastmath::sum(w, V);
  return all;
}

// Mass and count of the (positive, finite) values above and equal to the pivot, in one pass.
RF_SIMD_CLONES void pivot_stats(const float* v, size_t n, float pivot, double* s_gt, double* s_eq, size_t* n_gt, size_t* n_eq) {
  float gt[8] = {0, 0, 0, 0, 0, 0, 0, 0}, eq[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int32_t cg[8] = {0, 0, 0, 0, 0, 0, 0, 0}, ce[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const int32_t pb = std::bit_cast<int32_t>(pivot);
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) {
      const float x = v[i + j];
      const int32_t is_gt = negative_mask(pivot - x);               // pivot - x < 0 (equal gives +0)
      const int32_t is_eq = -static_cast<int32_t>(std::bit_cast<int32_t>(x) == pb);
      gt[j] += masked(x, is_gt);
      eq[j] += masked(x, is_eq);
      cg[j] -= is_gt;
      ce[j] -= is_eq;
    }
  double a = 0.0, b = 0.0;
  size_t c = 0, d = 0;
  for (int j = 0; j < 8; ++j) a += gt[j], b += eq[j], c += cg[j], d += ce[j];
  for (; i < n; ++i) {
    const float x = v[i];
    if (x > pivot) a += x, ++c;
    if (x == pivot) b += x, ++d;
  }
  *s_gt = a, *s_eq = b, *n_gt = c, *n_eq = d;
}

// Threshold of the top-p rule over the positive weights in w[0..n): the weight t of the token with
// which the (descending) most likely tokens reach `target` mass, and the mass strictly above t.
// Quickselect on a scratch copy, with branch-free partitioning (random data defeats branch prediction).
std::pair<float, double> top_p_threshold(const float* w, size_t n, double target, std::vector<float>& work,
                                         std::vector<float>& other) {
  work.resize(n);
  other.resize(n);
  size_t len = 0;
  for (size_t i = 0; i < n; ++i) {  // drop zero weights (removed tokens)
    work[len] = w[i];
    len += w[i] > 0.0f ? 1 : 0;
  }
  float* cur = work.data();
  float* nxt = other.data();
  double above = 0.0;  // mass of the values known to be larger than everything in cur
  while (len > 0) {
    const float a = cur[0], b = cur[len / 2], c = cur[len - 1];
    const float pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));  // median of three
    double s_gt, s_eq;
    size_t n_gt, n_eq;
    pivot_stats(cur, len, pivot, &s_gt, &s_eq, &n_gt, &n_eq);
    if (above + s_gt >= target && n_gt > 0) {  // the crossing token is among the larger values
      size_t k = 0;
      for (size_t i = 0; i < len; ++i) {
        nxt[k] = cur[i];
        k += cur[i] > pivot ? 1 : 0;
      }
      len = k;
    } else if (above + s_gt + s_eq >= target || n_gt + n_eq == len) {
      return {pivot, above + s_gt};
    } else {
      above += s_gt + s_eq;
      size_t k = 0;
      for (size_t i = 0; i < len; ++i) {
        nxt[k] = cur[i];
        k += cur[i] < pivot ? 1 : 0;
      }
      len = k;
    }
    std::swap(cur, nxt);
  }
  return {0.0f, above};
}

// The kept tokens of a row as weights: s.w[i] > 0 for kept tokens (after penalty, temperature, top-k,
// top-p and min-p), 0 for removed ones. Returns their sum; *full_total gets the log-softmax normaliser
// of x = raw / T over the whole vocabulary when there is no penalty (else -1); *max_x the row max.
double filter_row(const float* raw, int64_t V, const SamplingParams& p, const std::vector<int64_t>& seen,
                  RowScratch& s, double* full_total, float* max_x) {
  s.x.resize(V);
  s.w.resize(V);
  float* x = s.x.data();
  const bool penalty = p.repetition_penalty != 1.0;
  if (p.temperature != 1.0) {
    const float t = static_cast<float>(p.temperature);
    for (int64_t i = 0; i < V; ++i) x[i] = raw[i] / t;
  } else {
    std::copy(raw, raw + V, x);
  }
  if (penalty) {  // HF penalises the raw logits, then divides by the temperature
    const float pen = static_cast<float>(p.repetition_penalty), t = static_cast<float>(p.temperature);
    for (int64_t id : seen) {
      const float r = raw[id] < 0 ? raw[id] * pen : raw[id] / pen;
      x[id] = p.temperature != 1.0 ? r / t : r;
    }
  }
  // Top-k: the k-th largest value; ties with it are kept (HF: remove x < kth).
  float kth = kNegInf;
  if (p.top_k > 0 && p.top_k < V) {
    s.work.assign(x, x + V);
    std::nth_element(s.work.begin(), s.work.begin() + (p.top_k - 1), s.work.end(), std::greater<float>());
    kth = s.work[p.top_k - 1];
  }
  const float m = row_max(x, V);
  *max_x = m;
  double total = 0.0;
  const double all = exp_weights(x, V, m, kth, s.w.data(), &total);
  *full_total = penalty ? -1.0 : all;
  float* w = s.w.data();
  if (p.top_p < 1.0) {
    const double target = p.top_p * total;
    auto [t, above] = top_p_threshold(w, static_cast<size_t>(V), target, s.work, s.other);
    double kept = 0.0, ties = above;
    for (int64_t i = 0; i < V; ++i) {
      const float v = w[i];
      bool keep = v > t;
      if (v == t && v > 0.0f && ties < target) {  // ties at the threshold: in token order until the mass is reached
        keep = true;
        ties += v;
      }
      w[i] = keep ? v : 0.0f;
      kept += keep ? v : 0.0f;
    }
    total = kept;
  }
  if (p.min_p > 0.0) {
    // probs_i = w_i / total and the top probability is 1 / total (the row maximum has weight 1 and is
    // always kept): keep w_i >= min_p.
    const float cut = static_cast<float>(p.min_p);
    double kept = 0.0;
    for (int64_t i = 0; i < V; ++i) {
      w[i] = w[i] < cut ? 0.0f : w[i];
      kept += w[i];
    }
    total = kept;
  }
  return total;
}

}  // namespace

RowChoice sample_row(const float* logits, int64_t V, const SamplingParams& p, const std::vector<int64_t>& seen,
                     double u, RowScratch& s) {
  RowChoice c;
  if (!p.do_sample) {
    const float* x = logits;
    if (p.repetition_penalty != 1.0) {
      s.x.assign(logits, logits + V);
      const float pen = static_cast<float>(p.repetition_penalty);
      for (int64_t id : seen) s.x[id] = logits[id] < 0 ? logits[id] * pen : logits[id] / pen;
      x = s.x.data();
    }
    c.token = argmax_row(x, V);
    const float m = row_max(logits, V);  // log-prob from the raw logits (T = 1)
    s.work.resize(V);
    c.logprob = static_cast<float>(static_cast<double>(logits[c.token] - m) - std::log(sum_exp(logits, V, m, s.work.data())));
    return c;
  }
  double full_total = -1.0;
  float m = 0.0f;
  const double total = filter_row(logits, V, p, seen, s, &full_total, &m);
  if (!(total > 0.0) || !std::isfinite(total)) {
    c.token = argmax_row(s.x.data(), V);  // degenerate row (NaN/inf logits): fall back to the maximum
  } else {
    const double target = u * total;
    const float* w = s.w.data();
    double acc = 0.0;
    int64_t last = -1;
    c.token = -1;
    for (int64_t i = 0; i < V; ++i) {
      if (w[i] <= 0.0f) continue;
      acc += w[i];
      last = i;
      if (acc > target) {
        c.token = i;
        break;
      }
    }
    if (c.token < 0) c.token = last;  // rounding: u * total at the very end
  }
  if (full_total > 0.0 && std::isfinite(full_total)) {
    c.logprob = static_cast<float>(static_cast<double>(s.x[c.token] - m) - std::log(full_total));
  } else {  // log_softmax(raw / T)[token]
    const float t = static_cast<float>(p.temperature);
    s.work.resize(V);
    for (int64_t i = 0; i < V; ++i) s.work[i] = logits[i] / t;
    const float mm = row_max(s.work.data(), V);
    s.other.resize(V);
    c.logprob = static_cast<float>(static_cast<double>(s.work[c.token] - mm) -
                                   std::log(sum_exp(s.work.data(), V, mm, s.other.data())));
  }
  return c;
}

std::vector<float> sample_row_probs(const float* logits, int64_t V, const SamplingParams& p,
                                    const std::vector<int64_t>& seen) {
  std::vector<float> probs(V, 0.0f);
  RowScratch s;
  if (!p.do_sample) {  // greedy: all the mass on the (penalised) argmax
    probs[sample_row(logits, V, p, seen, 0.0, s).token] = 1.0f;
    return probs;
  }
  double full_total;
  float m;
  const double total = filter_row(logits, V, p, seen, s, &full_total, &m);
  for (int64_t i = 0; i < V; ++i) probs[i] = static_cast<float>(s.w[i] / total);
  return probs;
}

}  // namespace rf
