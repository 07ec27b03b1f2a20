// Re-scoring stored trajectories under new weights (see reward_whatif.h).
#include "reward_whatif.h"

#include "train/grpo_advantages.h"
#include "util/error.h"

#include <algorithm>
#include <cmath>

namespace rf::gui {

namespace {

struct Term {
  std::string name;
  double weight = 0, value = NAN;
};

std::vector<Term> terms_of(const TrajectoryRow& r) {
  std::vector<Term> out;
  if (!r.rewards.is_array()) return out;
  for (const auto& t : r.rewards) {
    Term x;
    x.name = t.value("name", std::string());
    x.weight = t.contains("weight") && t["weight"].is_number() ? t["weight"].get<double>() : 0.0;
    x.value = t.contains("value") && t["value"].is_number() ? t["value"].get<double>() : NAN;
    out.push_back(x);
  }
  return out;
}

double total_of(const std::vector<Term>& terms, const std::map<std::string, double>* weights) {
  double sum = 0;
  for (const Term& t : terms) {
    if (!std::isfinite(t.value)) continue;
    double w = t.weight;
    if (weights)
      if (const auto it = weights->find(t.name); it != weights->end()) w = it->second;
    sum += w * t.value;
  }
  return sum;
}

}  // namespace

WhatIfResult reward_whatif(const std::vector<TrajectoryRow>& rows, const std::map<std::string, double>& weights,
                           const std::string& scale_rewards) {
  WhatIfResult out;
  // Rows by step, each step's rows by (group, index): the layout the trainer's advantages expect.
  std::map<int64_t, std::vector<size_t>> by_step;
  for (size_t i = 0; i < rows.size(); ++i) by_step[rows[i].step].push_back(i);
  std::vector<std::vector<Term>> terms(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) terms[i] = terms_of(rows[i]);
  out.rows.resize(rows.size());
  std::map<std::string, std::pair<double, int>> pushed_old, pushed_new;
  std::map<std::string, double> old_weight;
  std::vector<std::string> names;  // in breakdown order
  double abs_change = 0;
  int counted = 0;
  for (auto& [step, idx] : by_step) {
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      return std::make_pair(rows[a].group_id, rows[a].index) < std::make_pair(rows[b].group_id, rows[b].index);
    });
    std::map<int64_t, std::vector<size_t>> groups;
    for (size_t i : idx) groups[rows[i].group_id].push_back(i);
    // A step cut short (a run killed mid-write never stores part of a step, but a filter might) keeps only
    // its groups of the most common size.
    std::map<size_t, int> sizes;
    for (const auto& [g, m] : groups) ++sizes[m.size()];
    const size_t G = std::max_element(sizes.begin(), sizes.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    if (G < 2) {
      out.rows_skipped += static_cast<int>(idx.size());
      continue;
    }
    std::vector<size_t> order;
    for (const auto& [g, m] : groups) {
      if (m.size() != G) {
        out.rows_skipped += static_cast<int>(m.size());
        continue;
      }
      order.insert(order.end(), m.begin(), m.end());
    }
    std::vector<float> old_r, new_r;
    for (size_t i : order) {
      old_r.push_back(static_cast<float>(total_of(terms[i], nullptr)));
      new_r.push_back(static_cast<float>(total_of(terms[i], &weights)));
    }
    GrpoAdvantageOptions ao;
    ao.num_generations = static_cast<int64_t>(G);
    ao.scale_rewards = scale_rewards;
    const at::Tensor old_t = at::tensor(old_r), new_t = at::tensor(new_r);
    const GrpoAdvantages a_old = grpo_advantages_compute(old_t, ao), a_new = grpo_advantages_compute(new_t, ao);
    const auto old_adv = a_old.advantages.accessor<float, 1>(), new_adv = a_new.advantages.accessor<float, 1>();
    for (size_t k = 0; k < order.size(); ++k) {
      const size_t i = order[k];
      WhatIfRow& w = out.rows[i];
      w.step = step;
      w.group = rows[i].group_id;
      w.old_total = old_r[k];
      w.new_total = new_r[k];
      w.old_advantage = old_adv[static_cast<int64_t>(k)];
      w.new_advantage = new_adv[static_cast<int64_t>(k)];
      abs_change += std::abs(w.new_advantage - w.old_advantage);
      out.mean_old_total += w.old_total;
      out.mean_new_total += w.new_total;
      ++counted;
      for (const Term& t : terms[i]) {
        if (!old_weight.count(t.name)) {
          old_weight[t.name] = t.weight;
          names.push_back(t.name);
        }
        if (!std::isfinite(t.value)) continue;
        if (w.old_advantage > 0) pushed_old[t.name].first += t.value, ++pushed_old[t.name].second;
        if (w.new_advantage > 0) pushed_new[t.name].first += t.value, ++pushed_new[t.name].second;
      }
    }
    for (size_t start = 0; start < order.size(); start += G) {
      size_t best_old = start, best_new = start;
      for (size_t k = start; k < start + G; ++k) {
        if (old_r[k] > old_r[best_old]) best_old = k;
        if (new_r[k] > new_r[best_new]) best_new = k;
      }
      ++out.groups;
      if (best_old != best_new) ++out.groups_with_new_best;
    }
  }
  if (counted > 0) {
    out.mean_old_total /= counted;
    out.mean_new_total /= counted;
    out.mean_abs_advantage_change = abs_change / counted;
  }
  for (const std::string& name : names) {
    const double w = old_weight[name];
    WhatIfComponent c;
    c.name = name;
    c.old_weight = w;
    const auto it = weights.find(name);
    c.new_weight = it == weights.end() ? w : it->second;
    c.pushed_old = pushed_old[name].second ? pushed_old[name].first / pushed_old[name].second : NAN;
    c.pushed_new = pushed_new[name].second ? pushed_new[name].first / pushed_new[name].second : NAN;
    out.components.push_back(c);
  }
  return out;
}

}  // namespace rf::gui
