// A recipe's prompts for a set of users (see recipe_prompts.h).
#include "teacher/recipe_prompts.h"

#include "data/prompt_context.h"
#include "retrieval/retrieval_reward.h"
#include "reward/reward_presets.h"
#include "text/prompt_presets.h"
#include "text/template.h"
#include "util/error.h"

#include <algorithm>
#include <memory>
#include <random>

namespace rf {

using nlohmann::json;

std::string recipe_whole_user_part(const std::string& user_id) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : user_id) h = (h ^ c) * 1099511628211ULL;
  const uint64_t bucket = h % 10;
  return bucket == 0 ? "valid" : bucket <= 2 ? "test" : "train";
}

int64_t recipe_holdout_position(const UserSplit& s, size_t interactions, const std::string& holdout, int64_t min_history,
                                const std::string& whole_user_id) {
  if (!whole_user_id.empty() && s.valid.empty() && s.test.empty() && interactions > 0)
    return recipe_whole_user_part(whole_user_id) == holdout ? static_cast<int64_t>(interactions) - 1 : -1;
  int64_t pos = -1;
  if (holdout == "train")
    pos = static_cast<int64_t>(s.train.size()) - 1;
  else if (holdout == "valid")
    pos = s.valid.empty() ? -1 : static_cast<int64_t>(s.train.size());
  else
    pos = s.test.empty() ? -1 : static_cast<int64_t>(s.train.size() + s.valid.size());
  if (pos < min_history || pos >= static_cast<int64_t>(interactions)) return -1;
  return pos;
}

std::vector<int32_t> recipe_users_pick(std::vector<int32_t> eligible, int32_t n, uint64_t seed) {
  if (n <= 0 || static_cast<size_t>(n) >= eligible.size()) return eligible;
  std::mt19937_64 gen(seed ^ 0x7EAC4E5ULL);
  for (size_t i = eligible.size() - 1; i > 0; --i) std::swap(eligible[i], eligible[static_cast<size_t>(gen() % (i + 1))]);
  eligible.resize(static_cast<size_t>(n));
  std::sort(eligible.begin(), eligible.end());
  return eligible;
}

json recipe_reward_config_default(const std::string& recipe, const Dataset& ds, const Split& split) {
  json config = reward_preset_for_recipe(recipe_from_name(recipe, "recipe"));
  if (recipe == "rating") {  // the data's own rating scale (MovieLens has half stars from 0.5)
    const PromptItemStats stats = prompt_item_stats_build(ds, prompt_train_interactions(ds, split));
    if (!std::isnan(stats.rating_min) && stats.rating_max > stats.rating_min) {
      config["parse"]["rating_min"] = stats.rating_min;
      config["parse"]["rating_max"] = stats.rating_max;
    }
  }
  return config;
}

namespace {

struct LoadedPreset {
  PromptPreset preset;
  std::shared_ptr<Template> tmpl;
};


}  // namespace

std::vector<RecipePrompt> recipe_prompts_build(const Dataset& ds, const Split& split, const RecipePromptOptions& o,
                                               int64_t* eligible_users) {
  const std::string who = "prompts";
  if (o.recipe != "list" && o.recipe != "query" && o.recipe != "rating")
    throw Error("recipe: must be list, query or rating, not '" + o.recipe + "'");
  if (o.holdout != "train" && o.holdout != "valid" && o.holdout != "test")
    throw Error("holdout: must be train, valid or test, not '" + o.holdout + "'");
  if (ds.items.empty() || ds.interactions.empty()) throw Error("dataset '" + ds.name + "' has no items or no interactions");

  std::map<std::string, LoadedPreset> presets;
  auto preset_for = [&](const std::string& name) -> const LoadedPreset& {
    auto it = presets.find(name);
    if (it != presets.end()) return it->second;
    LoadedPreset lp;
    lp.preset = prompt_preset_load(name, who);
    const std::string r = lp.preset.preset.value("recipe", "");
    if (r != o.recipe) throw Error("template.preset: '" + name + "' is for the " + r + " recipe, not " + o.recipe);
    if (!o.template_source.empty())
      lp.tmpl = std::make_shared<Template>(template_parse(o.template_source, "template"));
    else
      lp.tmpl = std::make_shared<Template>(template_load(o.template_file.empty() ? lp.preset.template_path : o.template_file));
    return presets.emplace(name, std::move(lp)).first->second;
  };
  auto preset_name_of = [&](int32_t u) {
    return o.preset.empty() ? prompt_preset_default(o.recipe, !ds.users[static_cast<size_t>(u)].profile.empty()) : o.preset;
  };

  const PromptItemStats stats = prompt_item_stats_build(ds, prompt_train_interactions(ds, split));
  const auto histories = dataset_user_histories(ds);
  std::vector<int32_t> eligible;
  std::vector<int64_t> position(ds.users.size(), -1);
  std::vector<int32_t> candidates_users = o.only_users;
  if (candidates_users.empty())
    for (int32_t u = 0; u < ds.user_count(); ++u) candidates_users.push_back(u);
  for (int32_t u : candidates_users) {
    if (u < 0 || u >= ds.user_count()) throw Error("user index " + std::to_string(u) + " is out of range");
    const bool rewrite = preset_name_of(u) == "query_rewrite";
    const auto& h = histories[static_cast<size_t>(u)];
    const int64_t p = recipe_holdout_position(split.users[static_cast<size_t>(u)], h.size(), o.holdout, rewrite ? 0 : 1,
                                              rewrite ? ds.users[static_cast<size_t>(u)].id : std::string());
    if (p < 0) continue;
    if (o.recipe == "rating" && !ds.interactions[static_cast<size_t>(h[static_cast<size_t>(p)])].has_rating()) continue;
    position[static_cast<size_t>(u)] = p;
    eligible.push_back(u);
  }
  if (eligible.empty())
    throw Error("dataset '" + ds.name + "': no user has a history before its " + o.holdout + " interaction" +
                (o.recipe == "rating" ? " (with a rating)" : ""));
  if (eligible_users) *eligible_users = static_cast<int64_t>(eligible.size());
  const std::vector<int32_t> users = recipe_users_pick(eligible, o.users, o.seed);
  const CandidateSampler sampler = candidates_sampler(ds);

  std::vector<RecipePrompt> out;
  out.reserve(users.size());
  for (int32_t u : users) {
    const auto& h = histories[static_cast<size_t>(u)];
    const auto pos = static_cast<size_t>(position[static_cast<size_t>(u)]);
    RecipePrompt rp;
    rp.user = u;
    rp.position = static_cast<int64_t>(pos);
    rp.preset = preset_name_of(u);
    const LoadedPreset& lp = preset_for(rp.preset);
    const json& pj = lp.preset.preset;
    PromptRequest request = prompt_request_at(ds, h, pos, o.recipe);
    int32_t target_item = ds.interactions[static_cast<size_t>(h[pos])].item;
    if (o.recipe == "query" && rp.preset == "query_rewrite") rp.graded_targets = recipe_esci_gains(ds, h, target_item);
    request.k = o.k > 0 ? o.k : pj.value("k", 10);
    if (o.recipe == "list") {
      const int32_t pool = o.pool_size > 0 ? o.pool_size : pj.value("candidates", 20);
      if (pool < 1 || pool > ds.item_count()) throw Error("data.pool_size: must be 1.." + std::to_string(ds.item_count()));
      if (request.k < 1 || request.k > pool) throw Error("k: must be 1..the pool size (" + std::to_string(pool) + "), found " + std::to_string(request.k));
      CandidateOptions co;
      co.pool_size = pool;
      co.seed = o.seed;
      co.sampling = o.sampling;
      std::vector<int32_t> user_items;
      for (int32_t x : h) user_items.push_back(ds.interactions[static_cast<size_t>(x)].item);
      request.candidates = candidates_sample(sampler, u, {target_item}, user_items, co);
    }
    PromptContextOptions po;
    po.history_limit = o.history_limit;
    rp.context = prompt_context_build(ds, stats, request, po);
    rp.prompt = template_render(*lp.tmpl, rp.context);
    rp.system = pj.value("system", "");
    rp.prefill = pj.value("prefill", "");
    if (pj.contains("stop")) rp.stop = pj.at("stop").get<std::vector<std::string>>();
    if (pj.contains("tags")) rp.tags = pj.at("tags").get<std::vector<std::string>>();
    rp.answer = pj.value("answer", "");
    rp.target = target_item;
    rp.targets = {target_item};
    if (!rp.graded_targets.empty()) {
      rp.targets.clear();
      for (const auto& kv : rp.graded_targets) rp.targets.push_back(kv.first);
    }
    rp.pool = request.candidates;
    rp.k = request.k;
    rp.true_rating = static_cast<double>(ds.interactions[static_cast<size_t>(h[pos])].rating);
    out.push_back(std::move(rp));
  }
  return out;
}

RewardInput recipe_prompt_reward_input(const RecipePrompt& p, const RewardContext* context) {
  RewardInput in;
  in.targets = p.targets;
  in.graded_targets = p.graded_targets;
  in.pool = p.pool;
  in.k = p.k;
  in.true_rating = p.true_rating;
  in.context = context;
  return in;
}

std::map<int32_t, double> recipe_esci_gains(const Dataset& ds, const std::vector<int32_t>& history, int32_t& target_item) {
  std::map<int32_t, double> gains;
  for (int32_t x : history) {
    const Interaction& in = ds.interactions[static_cast<size_t>(x)];
    if (in.label.empty()) continue;
    double g = 0;
    try {
      g = retrieval_esci_gain(in.label);
    } catch (const Error&) {
      continue;  // not an ESCI label
    }
    if (g > 0) gains[in.item] = std::max(gains[in.item], g);
  }
  const auto held = gains.find(target_item);
  double best = held == gains.end() ? 0.0 : held->second;
  for (const auto& [item, g] : gains)
    if (g > best) {
      best = g;
      target_item = item;
    }
  return gains;
}

}  // namespace rf
