// SFT batching: seeded length buckets, best-fit-decreasing packing and padded collation.
#include "train/sft_batches.h"

#include "util/error.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace rf {

namespace {

std::vector<int64_t> shuffled_indices(int64_t n, std::mt19937_64& rng) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::shuffle(idx.begin(), idx.end(), rng);
  return idx;
}

}  // namespace

std::vector<SftBatchPlan> sft_batches_bucketed(const std::vector<int64_t>& lengths, int64_t batch_size, uint64_t seed,
                                               int64_t window) {
  if (batch_size < 1) throw Error("per_device_train_batch_size: must be >= 1, found " + std::to_string(batch_size));
  if (window <= 0) window = 50 * batch_size;
  window = std::max(window, batch_size);
  std::mt19937_64 rng(seed);
  std::vector<int64_t> idx = shuffled_indices(static_cast<int64_t>(lengths.size()), rng);
  std::vector<SftBatchPlan> batches;
  for (size_t w = 0; w < idx.size(); w += static_cast<size_t>(window)) {
    const auto first = idx.begin() + static_cast<std::ptrdiff_t>(w);
    const auto last = idx.begin() + static_cast<std::ptrdiff_t>(std::min(idx.size(), w + static_cast<size_t>(window)));
    std::stable_sort(first, last, [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
    for (auto it = first; it < last; it += std::min<std::ptrdiff_t>(batch_size, last - it)) {
      SftBatchPlan b;
      for (auto j = it; j < last && j < it + batch_size; ++j) b.push_back({*j});
      batches.push_back(std::move(b));
    }
  }
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

std::vector<SftBatchPlan> sft_batches_packed(const std::vector<int64_t>& lengths, int64_t max_length,
                                             int64_t batch_size, uint64_t seed) {
  if (batch_size < 1) throw Error("per_device_train_batch_size: must be >= 1, found " + std::to_string(batch_size));
  std::vector<int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
  std::vector<SftRow> rows;
  std::vector<int64_t> room;  // free tokens per row
  for (int64_t i : order) {
    const int64_t len = lengths[i];
    if (len > max_length)
      throw Error("packing: example " + std::to_string(i) + " has " + std::to_string(len) + " tokens > max_length " +
                  std::to_string(max_length));
    size_t best = rows.size();
    for (size_t r = 0; r < rows.size(); ++r)
      if (room[r] >= len && (best == rows.size() || room[r] < room[best])) best = r;
    if (best == rows.size()) {
      rows.emplace_back();
      room.push_back(max_length);
    }
    rows[best].push_back(i);
    room[best] -= len;
  }
  std::mt19937_64 rng(seed);
  std::shuffle(rows.begin(), rows.end(), rng);
  std::vector<SftBatchPlan> batches;
  for (size_t r = 0; r < rows.size(); r += static_cast<size_t>(batch_size))
    batches.emplace_back(rows.begin() + static_cast<std::ptrdiff_t>(r),
                         rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), r + static_cast<size_t>(batch_size))));
  return batches;
}

SftBatch sft_collate(const std::vector<SftExample>& examples, const SftBatchPlan& plan, int64_t pad_id) {
  const int64_t B = static_cast<int64_t>(plan.size());
  int64_t T = 1;
  for (const SftRow& row : plan) {
    int64_t len = 0;
    for (int64_t i : row) len += examples.at(static_cast<size_t>(i)).length();
    T = std::max(T, len);
  }
  at::Tensor ids = at::full({B, T}, pad_id, at::kLong);
  at::Tensor loss = at::zeros({B, T}, at::kLong), attn = at::zeros({B, T}, at::kLong), pos = at::zeros({B, T}, at::kLong);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto loss_a = loss.accessor<int64_t, 2>();
  auto attn_a = attn.accessor<int64_t, 2>();
  auto pos_a = pos.accessor<int64_t, 2>();
  SftBatch out;
  for (int64_t b = 0; b < B; ++b) {
    int64_t t = 0;
    for (int64_t i : plan[static_cast<size_t>(b)]) {
      const SftExample& ex = examples[static_cast<size_t>(i)];
      for (int64_t k = 0; k < ex.length(); ++k, ++t) {
        ids_a[b][t] = ex.ids[static_cast<size_t>(k)];
        loss_a[b][t] = k == 0 ? 0 : ex.loss[static_cast<size_t>(k)];  // never predict across a boundary
        attn_a[b][t] = 1;
        pos_a[b][t] = k;
        out.loss_tokens += loss_a[b][t];
        ++out.tokens;
      }
    }
    for (; t < T; ++t) pos_a[b][t] = t;  // padding: any position, masked out
  }
  out.input_ids = ids;
  out.loss_mask = loss;
  out.attention_mask = attn;
  out.position_ids = pos;
  return out;
}

}  // namespace rf
