// Completions scored with their shared prompt run once (see shared_prefix.h).
#include "train/shared_prefix.h"

#include "model/kv_cache.h"
#include "util/error.h"

#include <algorithm>
#include <string>

namespace rf {

SharedPrefixRows shared_prefix_rows_make(const std::vector<const std::vector<int64_t>*>& prompts,
                                         const std::vector<int64_t>& row_prompt,
                                         const std::vector<const std::vector<int64_t>*>& completions, int64_t pad_id,
                                         at::Device device) {
  if (prompts.empty() || row_prompt.size() != completions.size() || row_prompt.empty())
    throw Error("shared prefix: need at least one prompt and one completion per row");
  const int64_t U = static_cast<int64_t>(prompts.size()), n = static_cast<int64_t>(row_prompt.size());
  int64_t P = 0, L = 2;  // two or more: a one-token pass without grad would take the decode fast path
  for (const auto* p : prompts) {
    if (p->empty()) throw Error("shared prefix: an empty prompt has no state to continue from");
    P = std::max<int64_t>(P, static_cast<int64_t>(p->size()));
  }
  for (const auto* c : completions) L = std::max<int64_t>(L, static_cast<int64_t>(c->size()));

  std::vector<int64_t> pids(static_cast<size_t>(U * P), pad_id);
  for (int64_t u = 0; u < U; ++u) std::copy(prompts[u]->begin(), prompts[u]->end(), pids.begin() + u * P);
  std::vector<int64_t> cids(static_cast<size_t>(n * L), pad_id), pos(static_cast<size_t>(n * L)), index;
  std::vector<int64_t> mask(static_cast<size_t>(n * (P + L)), 1);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t u = row_prompt[static_cast<size_t>(r)];
    if (u < 0 || u >= U) throw Error("shared prefix: row " + std::to_string(r) + " names prompt " + std::to_string(u));
    const int64_t Pu = static_cast<int64_t>(prompts[u]->size());
    const auto& c = *completions[static_cast<size_t>(r)];
    std::copy(c.begin(), c.end(), cids.begin() + r * L);
    for (int64_t j = 0; j < L; ++j) pos[static_cast<size_t>(r * L + j)] = Pu + j;
    for (int64_t s = Pu; s < P; ++s) mask[static_cast<size_t>(r * (P + L) + s)] = 0;
    for (int64_t j = 0; j < static_cast<int64_t>(c.size()); ++j)  // token 0: the prompt's last state
      index.push_back(j == 0 ? u * P + Pu - 1 : U * P + r * L + j - 1);
  }
  auto i64 = at::TensorOptions().dtype(at::kLong);
  SharedPrefixRows out;
  out.prompts = U;
  out.rows = n;
  out.prompt_ids = at::tensor(pids, i64).view({U, P}).to(device);
  out.completion_ids = at::tensor(cids, i64).view({n, L}).to(device);
  out.row_prompt = at::tensor(row_prompt, i64).to(device);
  out.position_ids = at::tensor(pos, i64).view({n, L});  // forward_hidden reads positions on the host
  out.attention_mask = at::tensor(mask, i64).view({n, P + L}).to(device);
  out.hidden_index = at::tensor(index, i64).to(device);
  return out;
}

at::Tensor shared_prefix_hidden(Transformer& model, const SharedPrefixRows& rows) {
  const ModelConfig& cfg = model.config();
  const int64_t U = rows.prompts, n = rows.rows, P = rows.prompt_ids.size(1), L = rows.completion_ids.size(1);
  // 1. Each prompt once. Right padding needs no mask: causal attention never lets a prompt token see it.
  KvCache prefix = KvCache::allocate(cfg, U, P, model.dtype(), model.device());
  ForwardBatch pb;
  pb.input_ids = rows.prompt_ids;
  const at::Tensor hp = model.forward_hidden(pb, &prefix);  // (U, P, C)
  // 2. Every row's cache starts as a copy of its prompt's keys and values (a differentiable copy: the
  // gradients of all G rows sum into the prompt's pass), then the completions run attending to it.
  KvCache rowc = KvCache::allocate(cfg, n, P + L, model.dtype(), model.device());
  for (size_t l = 0; l < rowc.k.size(); ++l) {
    rowc.k[l].narrow(2, 0, P).copy_(prefix.k[l].index_select(0, rows.row_prompt));
    rowc.v[l].narrow(2, 0, P).copy_(prefix.v[l].index_select(0, rows.row_prompt));
  }
  rowc.length = P;
  ForwardBatch cb;
  cb.input_ids = rows.completion_ids;
  cb.position_ids = rows.position_ids;
  cb.attention_mask = rows.attention_mask;
  const at::Tensor hc = model.forward_hidden(cb, &rowc);  // (n, L, C)
  const int64_t C = hp.size(2);
  return at::cat({hp.reshape({U * P, C}), hc.reshape({n * L, C})}, 0).index_select(0, rows.hidden_index);  // (M, C)
}

}  // namespace rf
