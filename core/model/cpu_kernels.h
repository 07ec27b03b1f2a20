// Fused float32 CPU kernels for the inference fast path of one-token decode steps, where LibTorch's
// per-op overhead (not arithmetic) dominates: RMSNorm, SiLU-gate, RoPE + KV-cache write, and
// single-query attention over the cache. Plain loops over contiguous data, parallelised with
// at::parallel_for when the work is large enough. Inference only (no autograd).
#pragma once

#include <torch/types.h>

namespace rf::cpu {

// out (R, C) = x / sqrt(mean(x^2) + eps) * weight, per row of x (R, C). x and out may alias.
void rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, at::Tensor& out);

// gate_up (R, 2I) -> out (R, I) = silu(gate_up[:, :I]) * gate_up[:, I:].
void silu_mul(const at::Tensor& gate_up, at::Tensor& out);

struct RopeCacheArgs {
  at::Tensor qkv;          // (R, (H + 2 Hkv) D) float32, contiguous: q heads, k heads, v heads; rotated in place
  const int64_t* positions = nullptr;  // (R) absolute position of each row's token
  at::Tensor cos, sin;     // (P, D) tables
  at::Tensor q_norm, k_norm;  // (D) per-head RMSNorm weights applied before RoPE (Qwen3), or undefined
  double norm_eps = 1e-6;
  at::Tensor k_cache, v_cache;  // (R, Hkv, capacity, D): the new k and v go to slot `slot`
  int64_t slot = 0;
  int64_t heads = 0, kv_heads = 0, head_dim = 0;
};
// Per row: optional q/k norm, RoPE on q and k (HF rotate_half layout), then k and v into the cache.
void rope_qkv_to_cache(const RopeCacheArgs& a);

struct DecodeAttentionArgs {
  at::Tensor qkv;                  // (R, (H + 2 Hkv) D): the rotated queries are its first H*D columns
  at::Tensor k_cache, v_cache;     // (R, Hkv, capacity, D)
  int64_t length = 0;              // keys 0 .. length-1 are attended (the new one included)
  const uint8_t* key_mask = nullptr;  // (R, mask_stride) 1 = real key, or null for all real
  int64_t mask_stride = 0;
  int64_t heads = 0, kv_heads = 0, head_dim = 0;
  double scale = 1.0;
  at::Tensor out;                  // (R, H * D)
};
// One query per row and head: softmax(q . K^T * scale, masked keys excluded) . V. Query head h reads
// kv head h / (H / Hkv), as Hugging Face's repeat_kv does.
void decode_attention(const DecodeAttentionArgs& a);

// ---- Matrix products on the intra-op threads.
//
// LibTorch's CPU matmuls call the system BLAS, and OpenBLAS runs its own thread pool next to LibTorch's
// OpenMP pool. With two pools on a few cores, each spins while the other needs the cores, and small
// products (decode steps) lose more to that than they gain. Inference can instead run BLAS on one
// thread and split each product over the OpenMP threads itself.

// OpenBLAS's thread count, or -1 when the BLAS is not OpenBLAS (then nothing here changes threads).
int blas_num_threads();
// Sets OpenBLAS to one thread for the scope's lifetime (when `enable`), then restores it.
class BlasSingleThreadScope {
 public:
  explicit BlasSingleThreadScope(bool enable);
  ~BlasSingleThreadScope();
  BlasSingleThreadScope(const BlasSingleThreadScope&) = delete;
  BlasSingleThreadScope& operator=(const BlasSingleThreadScope&) = delete;

 private:
  int saved_ = -1;
};

// True when linear_into may be used: BLAS symbols found and BLAS single-threaded (so splitting the
// work over the OpenMP threads does not nest two pools).
bool split_linear_available();
// y (R, N) = beta * y + x (R, K) . w (N, K)^T (+ bias (N)), float32, rows contiguous (x, w: row
// stride K; y: row stride ldy). Split over the intra-op threads by rows or by output columns when
// R * N * K is large enough. Requires split_linear_available().
void linear_into(const float* x, int64_t R, int64_t K, const float* w, int64_t N, const float* bias, float* y,
                 int64_t ldy, float beta);

}  // namespace rf::cpu
