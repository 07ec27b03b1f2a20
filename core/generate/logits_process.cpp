// Logits processing (repetition penalty, temperature, top-k, top-p, min-p) and token choice: tensor
// versions for any device and a fused per-row CPU version. Both follow Hugging Face's warpers.
#include "generate/logits_process.h"

#include "util/error.h"

#include <algorithm>
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
// Fused CPU version.

namespace {

int64_t argmax_row(const float* x, int64_t V) {
  int64_t best = 0;
  float bv = x[0];
  for (int64_t i = 1; i < V; ++i)
    if (x[i] > bv || (std::isnan(x[i]) && !std::isnan(bv))) {
      bv = x[i];
      best = i;
    }
  return best;
}

// log_softmax(raw / T)[token], accumulated in double.
float logprob_of(const float* raw, int64_t V, double T, int64_t token) {
  const float inv_t = static_cast<float>(T);
  float m = kNegInf;
  for (int64_t i = 0; i < V; ++i) m = std::max(m, raw[i] / inv_t);
  double z = 0.0;
  for (int64_t i = 0; i < V; ++i) z += std::exp(static_cast<double>(raw[i] / inv_t - m));
  return static_cast<float>(static_cast<double>(raw[token] / inv_t - m) - std::log(z));
}

// Threshold t of the top-p rule over weights w[0..n): the weight of the token that makes the mass of
// the (descending) most likely tokens reach `target`. Returns t and the mass of weights strictly above it.
// Expected O(n) by a three-way quickselect on a scratch copy (`work` is reordered).
std::pair<float, double> top_p_threshold(std::vector<float>& work, size_t n, double target) {
  size_t lo = 0, hi = n;
  double above = 0.0;  // mass of elements known to be larger than everything in [lo, hi)
  while (hi > lo) {
    // Median of three as the pivot.
    float a = work[lo], b = work[lo + (hi - lo) / 2], c = work[hi - 1];
    float pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));
    // Partition [lo, hi) into > pivot | == pivot | < pivot.
    size_t gt = lo, i = lo, lt = hi;
    double s_gt = 0.0, s_eq = 0.0;
    while (i < lt) {
      const float v = work[i];
      if (v > pivot) {
        s_gt += v;
        std::swap(work[gt++], work[i++]);
      } else if (v < pivot) {
        std::swap(work[i], work[--lt]);
      } else {
        s_eq += v;
        ++i;
      }
    }
    if (above + s_gt >= target && gt > lo) {
      hi = gt;  // the crossing token is among the larger ones
    } else if (above + s_gt + s_eq >= target || lt == hi) {
      return {pivot, above + s_gt};
    } else {
      above += s_gt + s_eq;
      lo = lt;
    }
  }
  return {work[lo > 0 ? lo - 1 : 0], above};  // not reached with target <= total mass
}

struct Filtered {
  double total = 0.0;       // sum of kept weights
  float max_x = 0.0f;       // the row max of x (weights are exp(x - max_x))
  size_t count = 0;         // kept tokens: scratch.idx / scratch.w [0, count), ascending token id
};

// Applies penalty, temperature, top-k, top-p and min-p; leaves the kept tokens and their weights in scratch.
Filtered filter_row(const float* raw, int64_t V, const SamplingParams& p, const std::vector<int64_t>& seen,
                    RowScratch& s) {
  s.x.resize(V);
  s.idx.resize(V);
  s.w.resize(V);
  float* x = s.x.data();
  const float inv_t = static_cast<float>(p.temperature);
  const bool temp = p.do_sample && p.temperature != 1.0;
  for (int64_t i = 0; i < V; ++i) x[i] = raw[i];
  if (p.repetition_penalty != 1.0) {
    const float pen = static_cast<float>(p.repetition_penalty);
    for (int64_t id : seen) x[id] = x[id] < 0 ? x[id] * pen : x[id] / pen;
  }
  if (temp)
    for (int64_t i = 0; i < V; ++i) x[i] = x[i] / inv_t;

  // Top-k: the k-th largest value; ties with it are kept (HF: remove x < kth).
  float kth = kNegInf;
  if (p.do_sample && p.top_k > 0 && p.top_k < V) {
    std::vector<float>& work = s.w;
    std::copy(x, x + V, work.begin());
    std::nth_element(work.begin(), work.begin() + (p.top_k - 1), work.end(), std::greater<float>());
    kth = work[p.top_k - 1];
  }
  Filtered f;
  float m = kNegInf;
  for (int64_t i = 0; i < V; ++i) m = std::max(m, x[i]);
  f.max_x = m;
  size_t n = 0;
  double total = 0.0;
  for (int64_t i = 0; i < V; ++i) {
    if (x[i] < kth || x[i] == kNegInf) continue;
    const float w = std::exp(x[i] - m);
    s.idx[n] = static_cast<int32_t>(i);
    s.w[n] = w;
    total += w;
    ++n;
  }
  if (p.do_sample && p.top_p < 1.0 && n > 1) {
    std::vector<float> work(s.w.begin(), s.w.begin() + n);
    const double target = p.top_p * total;
    auto [t, above] = top_p_threshold(work, n, target);
    size_t k = 0;
    double kept = 0.0, ties = above;
    for (size_t j = 0; j < n; ++j) {
      const float w = s.w[j];
      bool keep = w > t;
      if (!keep && w == t && (ties < target || k == 0)) {
        keep = true;
        ties += w;
      }
      if (keep) {
        s.idx[k] = s.idx[j];
        s.w[k] = w;
        kept += w;
        ++k;
      }
    }
    n = k;
    total = kept;
  }
  if (p.do_sample && p.min_p > 0.0 && n > 1) {
    // probs_i = w_i / total and the top probability is max(w) / total: the total cancels.
    float wmax = 0.0f;
    for (size_t j = 0; j < n; ++j) wmax = std::max(wmax, s.w[j]);
    const float cut = static_cast<float>(p.min_p) * wmax;
    size_t k = 0;
    double kept = 0.0;
    for (size_t j = 0; j < n; ++j)
      if (!(s.w[j] < cut)) {
        s.idx[k] = s.idx[j];
        s.w[k] = s.w[j];
        kept += s.w[j];
        ++k;
      }
    n = k;
    total = kept;
  }
  f.count = n;
  f.total = total;
  return f;
}

}  // namespace

RowChoice sample_row(const float* logits, int64_t V, const SamplingParams& p, const std::vector<int64_t>& seen,
                     double u, RowScratch& s) {
  RowChoice c;
  if (!p.do_sample) {
    if (p.repetition_penalty == 1.0) {
      c.token = argmax_row(logits, V);
    } else {
      s.x.assign(logits, logits + V);
      const float pen = static_cast<float>(p.repetition_penalty);
      for (int64_t id : seen) s.x[id] = s.x[id] < 0 ? s.x[id] * pen : s.x[id] / pen;
      c.token = argmax_row(s.x.data(), V);
    }
    c.logprob = logprob_of(logits, V, 1.0, c.token);
    return c;
  }
  const Filtered f = filter_row(logits, V, p, seen, s);
  if (f.count == 0 || !(f.total > 0.0) || !std::isfinite(f.total)) {
    c.token = argmax_row(s.x.data(), V);  // degenerate row (NaN/inf logits): fall back to the maximum
  } else {
    const double target = u * f.total;
    double acc = 0.0;
    size_t j = 0;
    for (; j + 1 < f.count; ++j) {
      acc += s.w[j];
      if (acc > target) break;
    }
    c.token = s.idx[j];
  }
  c.logprob = logprob_of(logits, V, p.temperature, c.token);
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
  const Filtered f = filter_row(logits, V, p, seen, s);
  for (size_t j = 0; j < f.count; ++j) probs[s.idx[j]] = static_cast<float>(s.w[j] / f.total);
  return probs;
}

}  // namespace rf
