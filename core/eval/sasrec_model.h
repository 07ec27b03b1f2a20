// The SASRec network (Kang & McAuley, ICDM 2018) as plain LibTorch tensors: item embeddings (row 0 =
// padding) scaled by sqrt(C) plus learned positional embeddings, `blocks` causal self-attention blocks
// in the original's layout (queries layer-normed, residual from the normed queries, then layer norm and
// a point-wise ReLU feed-forward with a residual), padding zeroed after each block, a final layer norm.
// Items are scored by the dot product with the same embedding table. Dropout masks come from a seed
// given per forward call (a splitmix64 stream on the CPU: ~10x faster than bernoulli_ with a generator,
// which dominated small steps; the device's default generator on CUDA), so a seed fixes training.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace rf {

struct SasrecConfig {
  int64_t n_items = 0;   // catalogue size; ids fed to the network are item index + 1 (0 = padding)
  int64_t hidden = 64;   // C
  int64_t blocks = 2;
  int64_t heads = 1;     // must divide hidden
  int64_t max_len = 50;  // L: the most recent L items are kept
  double dropout = 0.2;  // embeddings, attention weights and feed-forward
};

class SasrecNet {
 public:
  // Xavier-normal weights, zero biases, unit layer norms; on `device`, drawn from `gen`.
  SasrecNet(const SasrecConfig& config, const at::Device& device, at::Generator& gen);

  // ids: (B, T) int64, T <= L, left-padded with 0 so each row's newest item is in the last column; a
  // row's position embeddings count back from that last column (as the original's left padding over L
  // does), so T can be the batch's longest history instead of L. Returns (B, T, C); rows of padding
  // positions hold finite values that are never used. train = false: no dropout (evaluation).
  at::Tensor forward(const at::Tensor& ids, bool train, uint64_t dropout_seed = 0) const;

  // (N, C): the output embedding of item i is row i (the table without the padding row).
  at::Tensor item_table() const { return item_emb_.narrow(0, 1, config_.n_items); }

  // Adds g (N, C) to the gradient of the item table's rows (the output side of the tied embedding).
  void item_table_grad_add(const at::Tensor& g);

  const SasrecConfig& config() const { return config_; }
  std::vector<at::Tensor> parameters() const;
  // Detached copies of the parameters (to keep the best weights) and their restoration.
  std::vector<at::Tensor> state_clone() const;
  void state_load(const std::vector<at::Tensor>& state);

 private:
  struct Block {
    at::Tensor ln1_w, ln1_b, wq, bq, wkv, bkv, wo, bo, ln2_w, ln2_b, w1, b1, w2, b2;
  };
  SasrecConfig config_;
  at::Tensor item_emb_;  // (N + 1, C), row 0 padding
  at::Tensor pos_emb_;   // (L, C)
  std::vector<Block> blocks_;
  at::Tensor lnf_w_, lnf_b_;
};

}  // namespace rf
