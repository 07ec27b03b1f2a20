// LoRA adapters on a model: attach (PEFT's initialisation), list, merge, remove (see lora_train.h).
#include "train/lora_train.h"

#include "util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>

#include <cmath>

namespace rf {

bool lora_target_matches(const std::string& module, const std::vector<std::string>& targets) {
  for (const auto& t : targets) {
    if (t == "all-linear") return true;  // named_linears() holds only decoder linears (no lm_head)
    if (module == t) return true;
    if (module.size() > t.size() && module.compare(module.size() - t.size(), t.size(), t) == 0 &&
        module[module.size() - t.size() - 1] == '.')
      return true;
  }
  return false;
}

int64_t lora_attach(Transformer& model, const LoraConfig& c, uint64_t seed) {
  if (c.rank < 1) throw Error("lora: rank (r) must be >= 1, got " + std::to_string(c.rank));
  if (!(c.alpha > 0) || !std::isfinite(c.alpha)) throw Error("lora: lora_alpha must be a positive number");
  if (!(c.dropout >= 0 && c.dropout < 1)) throw Error("lora: lora_dropout must be in [0, 1)");
  if (c.target_modules.empty()) throw Error("lora: target_modules is empty");
  auto linears = model.named_linears();
  std::vector<std::pair<std::string, LinearWeights*>> chosen;
  for (auto& [name, l] : linears) {
    if (!lora_target_matches(name, c.target_modules)) continue;
    if (l->lora) throw Error("lora: '" + name + "' already has an adapter (merge or remove it first)");
    chosen.emplace_back(name, l);
  }
  if (chosen.empty()) {
    std::string list;
    for (const auto& t : c.target_modules) list += (list.empty() ? "" : ", ") + t;
    throw Error("lora: target_modules [" + list + "] match no linear layer of the model (e.g. q_proj, v_proj, "
                "o_proj, gate_proj, up_proj, down_proj, k_proj)");
  }
  at::NoGradGuard no_grad;
  model.set_requires_grad(false);  // the base is frozen
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const double scale = c.use_rslora ? c.alpha / std::sqrt(static_cast<double>(c.rank)) : c.alpha / c.rank;
  for (auto& [name, l] : chosen) {
    const int64_t out = l->weight.size(0), in = l->weight.size(1);
    auto adapter = std::make_shared<LoraAdapter>();
    // kaiming_uniform_(a = sqrt(5)) on A (r, in): bound = sqrt(6 / ((1 + 5) * fan_in)) = 1 / sqrt(in).
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    at::Tensor a = at::empty({c.rank, in}, at::kFloat);
    a.uniform_(-bound, bound, gen);
    adapter->a = a.to(l->weight.device(), l->weight.scalar_type()).set_requires_grad(true);
    adapter->b = at::zeros({out, c.rank}, l->weight.options()).set_requires_grad(true);
    adapter->scale = scale;
    adapter->dropout = c.dropout;
    adapter->enabled = true;
    l->lora = adapter;
  }
  return static_cast<int64_t>(chosen.size());
}

std::vector<std::pair<std::string, at::Tensor>> lora_parameters(Transformer& model) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (auto& [name, l] : model.named_linears()) {
    if (!l->lora) continue;
    out.emplace_back("base_model.model." + name + ".lora_A.weight", l->lora->a);
    out.emplace_back("base_model.model." + name + ".lora_B.weight", l->lora->b);
  }
  return out;
}

int64_t lora_merge(Transformer& model) {
  at::NoGradGuard no_grad;
  int64_t n = 0;
  for (auto& [name, l] : model.named_linears()) {
    if (!l->lora) continue;
    const LoraAdapter& ad = *l->lora;
    // (out, r) x (r, in), in float32, added in place so the tensor (and any optimiser's view of it) stays the same.
    at::Tensor delta = at::mm(ad.b.to(at::kFloat), ad.a.to(at::kFloat)).mul_(ad.scale);
    if (l->weight.scalar_type() == at::kFloat) l->weight.add_(delta);
    else l->weight.copy_(l->weight.to(at::kFloat).add_(delta));
    l->lora.reset();
    ++n;
  }
  return n;
}

int64_t lora_remove(Transformer& model) {
  int64_t n = 0;
  for (auto& [name, l] : model.named_linears())
    if (l->lora) {
      l->lora.reset();
      ++n;
    }
  return n;
}

void lora_or_model_save(Transformer& model, const std::string& dir, bool adapters_only, const std::string& base_model_name_or_path) {
  if (!adapters_only) {
    model.save(dir);
    return;
  }
  LoraSaveOptions lo;
  lo.base_model_name_or_path = base_model_name_or_path;
  lora_save_peft(model, dir, lo);
}

}  // namespace rf
