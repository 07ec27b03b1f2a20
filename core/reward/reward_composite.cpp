// Weighted sum of reward components, weight changes between steps and parallel batch scoring: see
// reward_composite.h.
#include "reward/reward_composite.h"

#include "retrieval/bm25_index.h"
#include "reward/reward_params.h"
#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <set>
#include <thread>
#include <unordered_map>

namespace rf {

using nlohmann::json;

struct RewardComposite::Clones {
  std::mutex mu;
  std::map<const Bm25Index*, std::vector<std::unique_ptr<Bm25Index>>> idle;  // prototype -> free copies
};

RewardComposite::RewardComposite(const json& config, const std::string& where) : clones_(std::make_unique<Clones>()) {
  if (!config.is_object()) param_fail(where, "expected a JSON object, found " + param_type_name(config));
  ParamReader p(config, where);
  name_ = p.text("name", "");
  description_ = p.text("description", "");
  recipe_ = recipe_from_name(p.text("recipe", "list"), p.field("recipe"));
  const json* parse = p.raw("parse");
  parse_ = reward_parse_options_from_json(parse ? *parse : json(nullptr), recipe_, p.field("parse"));
  const json* comps = p.raw("components");
  if (!comps || !comps->is_array() || comps->empty())
    param_fail(p.field("components"), "expected a non-empty list of components");
  std::vector<double> weights;
  std::set<std::string> seen;
  for (size_t i = 0; i < comps->size(); ++i) {
    const std::string at = p.field("components") + "[" + std::to_string(i) + "]";
    ParamReader c((*comps)[i], at);
    if (!(*comps)[i].is_object()) param_fail(at, "expected an object {\"type\", \"name\", \"weight\", \"params\"}");
    const std::string type = c.text("type", "");
    if (type.empty()) param_fail(c.field("type"), "is required (one of the component types)");
    const std::string name = c.text("name", type);
    if (name.empty()) param_fail(c.field("name"), "cannot be empty");
    if (!seen.insert(name).second) param_fail(c.field("name"), "'" + name + "' is used twice; give each component its own name");
    weights.push_back(c.number("weight", 1.0));
    const json* params = c.raw("params");
    std::unique_ptr<RewardComponent> comp = reward_component_make(type, params ? *params : json(nullptr), c.field("params"));
    comp->set_name(name);
    uses_batch_ = uses_batch_ || comp->uses_batch();
    components_.push_back(std::move(comp));
    c.finish();
  }
  p.finish();
  weights_ = std::make_shared<const std::vector<double>>(std::move(weights));
}

RewardComposite::~RewardComposite() = default;

std::vector<std::string> RewardComposite::names() const {
  std::vector<std::string> out;
  for (const auto& c : components_) out.push_back(c->name());
  return out;
}

json RewardComposite::to_json() const {
  const auto w = weight_snapshot();
  json comps = json::array();
  for (size_t i = 0; i < components_.size(); ++i)
    comps.push_back({{"type", components_[i]->type()},
                     {"name", components_[i]->name()},
                     {"weight", (*w)[i]},
                     {"params", components_[i]->params()}});
  json j = {{"recipe", recipe_name(recipe_)}, {"parse", reward_parse_options_to_json(parse_)}, {"components", comps}};
  if (!name_.empty()) j["name"] = name_;
  if (!description_.empty()) j["description"] = description_;
  return j;
}

// --- weights ----------------------------------------------------------------------------------------------

std::shared_ptr<const std::vector<double>> RewardComposite::weight_snapshot() const {
  std::lock_guard<std::mutex> lock(weights_mu_);
  return weights_;
}

std::vector<double> RewardComposite::weights() const { return *weight_snapshot(); }

double RewardComposite::weight(const std::string& name) const {
  const auto w = weight_snapshot();
  for (size_t i = 0; i < components_.size(); ++i)
    if (components_[i]->name() == name) return (*w)[i];
  throw Error("reward weights: no component named '" + name + "'");
}

std::vector<WeightEvent> RewardComposite::set_weights(const std::map<std::string, double>& changes, int64_t step) {
  std::vector<std::pair<size_t, double>> resolved;
  for (const auto& [name, w] : changes) {
    if (!std::isfinite(w)) throw Error("reward weights: the weight of '" + name + "' must be a finite number");
    size_t idx = components_.size();
    for (size_t i = 0; i < components_.size(); ++i)
      if (components_[i]->name() == name) idx = i;
    if (idx == components_.size()) {
      std::string known;
      for (const auto& c : components_) known += (known.empty() ? "" : ", ") + c->name();
      throw Error("reward weights: no component named '" + name + "' (components: " + known + ")");
    }
    resolved.emplace_back(idx, w);
  }
  std::vector<WeightEvent> out;
  std::lock_guard<std::mutex> lock(weights_mu_);
  // Copy-on-write: a batch being scored keeps the table it started with.
  auto next = std::make_shared<std::vector<double>>(*weights_);
  for (const auto& [idx, w] : resolved) {
    const WeightEvent e{step, components_[idx]->name(), (*next)[idx], w};
    (*next)[idx] = w;
    events_.push_back(e);
    out.push_back(e);
  }
  weights_ = std::move(next);
  return out;
}

WeightEvent RewardComposite::set_weight(const std::string& name, double weight, int64_t step) {
  return set_weights({{name, weight}}, step).front();
}

std::vector<WeightEvent> RewardComposite::weight_events() const {
  std::lock_guard<std::mutex> lock(weights_mu_);
  return events_;
}

// --- scoring ----------------------------------------------------------------------------------------------

RewardBreakdown RewardComposite::score_prepared(const RewardInput& in, const std::vector<double>& weights) const {
  RewardBreakdown b;
  b.terms.reserve(components_.size());
  for (size_t i = 0; i < components_.size(); ++i) {
    RewardValue v = components_[i]->score(in);
    RewardTerm t{components_[i]->name(), weights[i], v.value, weights[i] * v.value, std::move(v.explanation)};
    b.total += t.weighted;
    b.terms.push_back(std::move(t));
  }
  return b;
}

RewardBreakdown RewardComposite::score(RewardInput& in, bool reuse_parsed) const {
  const auto w = weight_snapshot();
  if (!reuse_parsed || !in.parsed.done) reward_parse(in, recipe_, parse_);
  for (const auto& c : components_) c->prepare(in);
  return score_prepared(in, *w);
}

namespace {

// Runs fn(thread, begin, end) over `threads` contiguous slices of [0, n); the first exception is rethrown.
template <typename Fn>
void parallel_slices(size_t n, size_t threads, Fn fn) {
  if (threads <= 1) {
    fn(size_t{0}, size_t{0}, n);
    return;
  }
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      try {
        fn(t, n * t / threads, n * (t + 1) / threads);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  for (std::thread& th : pool) th.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

std::vector<RewardBreakdown> RewardComposite::score_batch(std::vector<RewardInput>& inputs, int threads, bool reuse_parsed) {
  std::lock_guard<std::mutex> run_lock(run_mu_);
  const auto w = weight_snapshot();
  const size_t n = inputs.size();
  size_t t = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  t = std::max<size_t>(1, std::min(t, n));

  // One retriever copy per worker thread (the index is not thread-safe); the first thread may use the
  // prototype itself only when it runs alone.
  Bm25Index* prototype = nullptr;
  if (recipe_ == Recipe::Query)
    for (const RewardInput& in : inputs)
      if ((prototype = in.retriever_or_context())) break;
  std::vector<std::unique_ptr<Bm25Index>> mine(t);
  std::vector<Bm25Index*> saved(n, nullptr);  // restored on return: the clones are this call's business
  for (size_t i = 0; i < n; ++i) saved[i] = inputs[i].retriever;
  if (prototype && t > 1) {
    std::lock_guard<std::mutex> lock(clones_->mu);
    auto& idle = clones_->idle[prototype];
    for (size_t k = 0; k < t; ++k) {
      if (!idle.empty()) {
        mine[k] = std::move(idle.back());
        idle.pop_back();
      } else {
        mine[k] = std::make_unique<Bm25Index>(prototype->clone());
      }
    }
  }
  auto give_back = [&] {
    if (!prototype || t <= 1) return;
    std::lock_guard<std::mutex> lock(clones_->mu);
    for (auto& c : mine)
      if (c) clones_->idle[prototype].push_back(std::move(c));
  };

  std::vector<RewardBreakdown> out(n);
  try {
    parallel_slices(n, t, [&](size_t th, size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        RewardInput& in = inputs[i];
        if (mine[th] && in.retriever_or_context() == prototype) in.retriever = mine[th].get();
        in.batch = {};
        if (!reuse_parsed || !in.parsed.done) reward_parse(in, recipe_, parse_);
        for (const auto& c : components_) c->prepare(in);
      }
    });

    // Coverage: how many completions list each item (distinct items of each list's top K).
    std::unordered_map<int32_t, int32_t> counts;
    if (uses_batch_) {
      for (RewardInput& in : inputs) {
        const size_t k = in.k > 0 ? std::min(in.parsed.items.size(), static_cast<size_t>(in.k)) : in.parsed.items.size();
        for (size_t j = 0; j < k; ++j) ++counts[in.parsed.items[j]];
        if (in.dataset() && shown_.size() < static_cast<size_t>(in.dataset()->item_count()))
          shown_.resize(static_cast<size_t>(in.dataset()->item_count()), 0);
      }
      for (RewardInput& in : inputs) in.batch = {&counts, &shown_};
    }

    parallel_slices(n, t, [&](size_t, size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) out[i] = score_prepared(inputs[i], *w);
    });
  } catch (...) {
    for (size_t i = 0; i < n; ++i) {
      inputs[i].retriever = saved[i];
      inputs[i].batch = {};
    }
    give_back();
    throw;
  }

  for (size_t i = 0; i < n; ++i) {
    inputs[i].retriever = saved[i];
    inputs[i].batch = {};  // the counts die with this call
  }
  give_back();
  if (uses_batch_)
    for (const RewardInput& in : inputs) {
      const size_t k = in.k > 0 ? std::min(in.parsed.items.size(), static_cast<size_t>(in.k)) : in.parsed.items.size();
      for (size_t j = 0; j < k; ++j)
        if (static_cast<size_t>(in.parsed.items[j]) < shown_.size()) shown_[in.parsed.items[j]] = 1;
    }
  return out;
}

void RewardComposite::reset_run_state() {
  std::lock_guard<std::mutex> run_lock(run_mu_);
  shown_.clear();
  std::lock_guard<std::mutex> lock(clones_->mu);
  clones_->idle.clear();
}

}  // namespace rf
