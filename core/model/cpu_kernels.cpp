// Fused float32 CPU kernels for one-token decode steps (see cpu_kernels.h). Reductions use eight
// independent accumulators so the compiler can vectorise them without reassociation flags.
#include "model/cpu_kernels.h"

#include "model/fast_math.h"

#include <ATen/Parallel.h>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace rf::cpu {

namespace {

// Work below this many floating-point operations runs on the calling thread: waking the other
// threads costs more than it saves, and on a busy machine a parallel region waits for the slowest.
constexpr int64_t kParallelWork = 1 << 18;

int64_t grain_for(int64_t work_per_item) { return std::max<int64_t>(1, kParallelWork / std::max<int64_t>(work_per_item, 1)); }

// ---- Row kernels, each built for AVX2+FMA and for baseline x86-64 (RF_SIMD_CLONES).

RF_SIMD_CLONES void rms_row(const float* x, const float* w, float* out, int64_t C, float eps) {
  const float inv = 1.0f / std::sqrt(fastmath::dot(x, x, C) / static_cast<float>(C) + eps);
  for (int64_t i = 0; i < C; ++i) out[i] = w[i] * (x[i] * inv);
}

RF_SIMD_CLONES void silu_mul_row(const float* gate, const float* up, float* out, int64_t I) {
  for (int64_t i = 0; i < I; ++i) {
    const float v = gate[i];
    out[i] = v / (1.0f + fastmath::exp(-v)) * up[i];
  }
}

// x (D) <- x * cos + rotate_half(x) * sin, in place.
RF_SIMD_CLONES void rope_row(float* x, const float* c, const float* s, int64_t D) {
  const int64_t half = D / 2;
  float tmp[512];
  for (int64_t i = 0; i < half; ++i) {
    tmp[i] = x[i] * c[i] - x[i + half] * s[i];
    tmp[i + half] = x[i + half] * c[i + half] + x[i] * s[i + half];
  }
  for (int64_t i = 0; i < D; ++i) x[i] = tmp[i];
}

// One query over S keys/values (S, D): out (D) = softmax(q . K^T * scale, masked keys excluded) . V.
RF_SIMD_CLONES void attend_row(const float* q, const float* K, const float* V, int64_t S, int64_t D,
                               const uint8_t* mask, float scale, float* scores, float* acc, float* out) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  float mx = kNegInf;
  for (int64_t s = 0; s < S; ++s) {
    const float v = (mask && !mask[s]) ? kNegInf : fastmath::dot(q, K + s * D, D) * scale;
    scores[s] = v;
    mx = std::max(mx, v);
  }
  if (mx == kNegInf) {  // no visible key (cannot happen for a real token)
    for (int64_t d = 0; d < D; ++d) out[d] = 0.0f;
    return;
  }
  for (int64_t s = 0; s < S; ++s) scores[s] = fastmath::exp(scores[s] - mx);
  const float z = fastmath::sum(scores, S);
  for (int64_t d = 0; d < D; ++d) acc[d] = 0.0f;
  for (int64_t s = 0; s < S; ++s) {
    const float p = scores[s];
    const float* v = V + s * D;
    for (int64_t d = 0; d < D; ++d) acc[d] += p * v[d];
  }
  const float inv = 1.0f / z;
  for (int64_t d = 0; d < D; ++d) out[d] = acc[d] * inv;
}

}  // namespace

void rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, at::Tensor& out) {
  const int64_t C = x.size(-1), R = x.numel() / C;
  const float* xp = x.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const float e = static_cast<float>(eps);
  at::parallel_for(0, R, grain_for(3 * C), [&](int64_t b, int64_t end) {
    for (int64_t r = b; r < end; ++r) rms_row(xp + r * C, wp, op + r * C, C, e);
  });
}

void silu_mul(const at::Tensor& gate_up, at::Tensor& out) {
  const int64_t I = gate_up.size(-1) / 2, R = gate_up.numel() / (2 * I);
  const float* g = gate_up.data_ptr<float>();
  float* o = out.data_ptr<float>();
  at::parallel_for(0, R, grain_for(20 * I), [&](int64_t b, int64_t end) {
    for (int64_t r = b; r < end; ++r) silu_mul_row(g + r * 2 * I, g + r * 2 * I + I, o + r * I, I);
  });
}

void rope_qkv_to_cache(const RopeCacheArgs& a) {
  const int64_t H = a.heads, Hkv = a.kv_heads, D = a.head_dim;
  TORCH_CHECK(D <= 512 && D % 2 == 0, "rope_qkv_to_cache: head_dim must be even and <= 512");
  const int64_t R = a.qkv.size(0), width = (H + 2 * Hkv) * D;
  float* qkv = a.qkv.data_ptr<float>();
  const float* cos_t = a.cos.data_ptr<float>();
  const float* sin_t = a.sin.data_ptr<float>();
  const float* qn = a.q_norm.defined() ? a.q_norm.data_ptr<float>() : nullptr;
  const float* kn = a.k_norm.defined() ? a.k_norm.data_ptr<float>() : nullptr;
  const float eps = static_cast<float>(a.norm_eps);
  float* kc = a.k_cache.data_ptr<float>();
  float* vc = a.v_cache.data_ptr<float>();
  const int64_t cap = a.k_cache.size(2);
  at::parallel_for(0, R, grain_for(8 * width), [&](int64_t b, int64_t end) {
    for (int64_t r = b; r < end; ++r) {
      float* row = qkv + r * width;
      const float* c = cos_t + a.positions[r] * D;
      const float* s = sin_t + a.positions[r] * D;
      for (int64_t h = 0; h < H + Hkv; ++h) {
        float* x = row + h * D;
        const float* nw = h < H ? qn : kn;
        if (nw) rms_row(x, nw, x, D, eps);
        rope_row(x, c, s, D);
        if (h >= H) {  // a key head: it and its value head go into the cache
          const int64_t g = h - H;
          std::copy(x, x + D, kc + ((r * Hkv + g) * cap + a.slot) * D);
          const float* v = row + (H + Hkv + g) * D;
          std::copy(v, v + D, vc + ((r * Hkv + g) * cap + a.slot) * D);
        }
      }
    }
  });
}

void decode_attention(const DecodeAttentionArgs& a) {
  const int64_t H = a.heads, Hkv = a.kv_heads, D = a.head_dim, rep = H / Hkv, S = a.length;
  const int64_t R = a.qkv.size(0), width = (H + 2 * Hkv) * D;
  const float* qkv = a.qkv.data_ptr<float>();
  const float* kc = a.k_cache.data_ptr<float>();
  const float* vc = a.v_cache.data_ptr<float>();
  const int64_t cap = a.k_cache.size(2);
  float* out = a.out.data_ptr<float>();
  const float scale = static_cast<float>(a.scale);
  // One task per (row, kv head): its `rep` query heads read the same keys and values (cache-hot).
  at::parallel_for(0, R * Hkv, grain_for(4 * S * D * rep), [&](int64_t begin, int64_t end) {
    std::vector<float> scores(S), acc(D);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t r = task / Hkv, g = task % Hkv;
      const float* K = kc + (r * Hkv + g) * cap * D;
      const float* V = vc + (r * Hkv + g) * cap * D;
      const uint8_t* m = a.key_mask ? a.key_mask + r * a.mask_stride : nullptr;
      for (int64_t j = 0; j < rep; ++j) {
        const int64_t h = g * rep + j;
        attend_row(qkv + r * width + h * D, K, V, S, D, m, scale, scores.data(), acc.data(), out + r * H * D + h * D);
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// BLAS entry points, looked up at run time (LibTorch already loaded the library).

namespace {

using sgemm_fn = void (*)(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                          const int*, const float*, const int*, const float*, float*, const int*);
using sgemv_fn = void (*)(const char*, const int*, const int*, const float*, const float*, const int*, const float*,
                          const int*, const float*, float*, const int*);
using get_threads_fn = int (*)();
using set_threads_fn = void (*)(int);

struct Blas {
  sgemm_fn sgemm = nullptr;
  sgemv_fn sgemv = nullptr;
  get_threads_fn get_threads = nullptr;
  set_threads_fn set_threads = nullptr;
};

const Blas& blas() {
  static const Blas b = [] {
    Blas x;
    x.sgemm = reinterpret_cast<sgemm_fn>(dlsym(RTLD_DEFAULT, "sgemm_"));
    x.sgemv = reinterpret_cast<sgemv_fn>(dlsym(RTLD_DEFAULT, "sgemv_"));
    x.get_threads = reinterpret_cast<get_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    x.set_threads = reinterpret_cast<set_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (!x.get_threads || !x.set_threads) x.get_threads = nullptr, x.set_threads = nullptr;
    return x;
  }();
  return b;
}

// One product on the calling thread: y[:, n0:n0+n] (and rows r0..r0+r) of linear_into.
void linear_block(const float* x, int64_t R, int64_t K, const float* w, int64_t N, float* y, int64_t ldy, float beta) {
  const Blas& b = blas();
  const int k = static_cast<int>(K), n = static_cast<int>(N), r = static_cast<int>(R), ld = static_cast<int>(ldy);
  const float one = 1.0f;
  if (R == 1 && b.sgemv) {
    // Column-major view: w is (K x N) with leading dimension K; y = w^T x.
    const int inc = 1;
    b.sgemv("T", &k, &n, &one, w, &k, x, &inc, &beta, y, &inc);
  } else {
    // Column-major: y^T (N x R, ld ldy) = w^T (N x K) . x^T (K x R).
    b.sgemm("T", "N", &n, &r, &k, &one, w, &k, x, &k, &beta, y, &ld);
  }
}

}  // namespace

int blas_num_threads() { return blas().get_threads ? blas().get_threads() : -1; }

BlasSingleThreadScope::BlasSingleThreadScope(bool enable) {
  if (!enable || !blas().set_threads) return;
  saved_ = blas().get_threads();
  if (saved_ > 1) blas().set_threads(1);
  else saved_ = -1;
}

BlasSingleThreadScope::~BlasSingleThreadScope() {
  if (saved_ > 1) blas().set_threads(saved_);
}

bool split_linear_available() { return blas().sgemm && blas().get_threads && blas().get_threads() == 1; }

void linear_into(const float* x, int64_t R, int64_t K, const float* w, int64_t N, const float* bias, float* y,
                 int64_t ldy, float beta) {
  if (bias) {  // y = beta * y + bias, then accumulate the product into it
    for (int64_t r = 0; r < R; ++r) {
      float* yr = y + r * ldy;
      if (beta == 0.0f)
        std::copy(bias, bias + N, yr);
      else
        for (int64_t n = 0; n < N; ++n) yr[n] = beta * yr[n] + bias[n];
    }
    beta = 1.0f;
  }
  const int threads = at::get_num_threads();
  const int64_t work = R * N * K;
  constexpr int64_t kSplitWork = 1 << 18;  // multiply-adds below which one thread does it all
  if (threads <= 1 || work < kSplitWork || at::in_parallel_region()) {
    linear_block(x, R, K, w, N, y, ldy, beta);
    return;
  }
  const int64_t parts = std::min<int64_t>(threads, std::max<int64_t>(1, work / kSplitWork));
  if (R >= 4 * N || R >= 256) {
    // Many rows (prefill): each thread takes a block of rows, so x is packed once in total.
    const int64_t step = (R + parts - 1) / parts;
    at::parallel_for(0, parts, 1, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        const int64_t r0 = p * step, rn = std::min(R, r0 + step) - r0;
        if (rn > 0) linear_block(x + r0 * K, rn, K, w, N, y + r0 * ldy, ldy, beta);
      }
    });
  } else {
    // Few rows (decode): each thread takes a block of output columns (weight rows), 16-aligned.
    const int64_t step = ((N + parts - 1) / parts + 15) / 16 * 16;
    at::parallel_for(0, parts, 1, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        const int64_t n0 = p * step, nn = std::min(N, n0 + step) - n0;
        if (nn > 0) linear_block(x, R, K, w + n0 * K, nn, y + n0, ldy, beta);
      }
    });
  }
}

}  // namespace rf::cpu
