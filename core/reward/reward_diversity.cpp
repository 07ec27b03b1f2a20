// Diversity: intra-list average distance (ILAD) of the list's top K items, the mean over item pairs of
//   categories  Jaccard distance 1 − |A∩B| / |A∪B| of their category sets (two empty sets: 0), or
//   embeddings  cosine distance 1 − cos(a, b) of their vectors (RewardContext::embeddings).
// Lists with fewer than 2 items score 0.
#include "reward/reward_components.h"

#include "eval/metrics.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

namespace rf {

namespace {

class DiversityReward : public RewardComponent {
 public:
  explicit DiversityReward(ParamReader& p) : RewardComponent("diversity") {
    space_ = p.text("space", "categories", {"categories", "embeddings"});
    require_format_ = p.boolean("require_format", false);
  }

  nlohmann::json params() const override { return {{"space", space_}, {"require_format", require_format_}}; }

  RewardValue score(const RewardInput& in) const override {
    reward_require_context(in, name());
    RewardValue gated;
    if (reward_format_gate(in, require_format_, 0.0, gated)) return gated;
    const std::vector<int32_t> items = reward_list_top(in);
    if (items.size() < 2) return {0, "ILAD 0: fewer than 2 items"};
    double v = 0;
    if (space_ == "categories") {
      std::vector<std::vector<int32_t>> sets;
      sets.reserve(items.size());
      for (int32_t i : items) sets.push_back(in.context->catalogue.category_ids[i]);
      v = list_ilad_jaccard(sets);
    } else {
      const ItemEmbeddings* e = in.context->embeddings;
      if (!e) throw Error("reward " + name() + ": space 'embeddings' needs item embeddings in the reward context");
      std::vector<float> rows;
      rows.reserve(items.size() * static_cast<size_t>(e->dim));
      for (int32_t i : items)
        rows.insert(rows.end(), e->data.begin() + i * e->dim, e->data.begin() + (i + 1) * e->dim);
      v = list_ilad_cosine(rows, static_cast<int64_t>(items.size()), e->dim);
    }
    return {v, "ILAD (" + space_ + ") " + reward_num(v) + " over " + std::to_string(items.size()) + " items"};
  }

 private:
  std::string space_;
  bool require_format_;
};

}  // namespace

std::unique_ptr<RewardComponent> reward_make_diversity(ParamReader& p) { return std::make_unique<DiversityReward>(p); }

}  // namespace rf
