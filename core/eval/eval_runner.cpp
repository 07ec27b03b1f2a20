// Next-item evaluation (eval_next_item): see eval_runner.h. Users are scored in batches on the calling
// thread (so torch models batch and use their own intra-op threads), then ranked on `threads` threads.
// Each user's numbers land in their own slot and are summed in user order afterwards, so the report does
// not depend on the thread count.
#include "eval/eval_runner.h"

#include "eval/metrics.h"
#include "util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <map>
#include <thread>

namespace rf {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct UserResult {
  std::vector<double> hit, recall, ndcg;  // (ks)
  double mrr = 0;
  double novelty = 0;
  double ilad = 0;
  std::vector<int32_t> top10;
};

// What every ranking thread reads; built once before the batches.
struct EvalContext {
  const Dataset* ds = nullptr;
  const Split* split = nullptr;
  const EvalOptions* options = nullptr;
  int32_t n_items = 0;
  int list_length = 10;                       // max(max K, 10)
  CandidateSampler sampler;                   // sampled mode
  std::vector<double> popularity;             // (items) interactions in the history parts
  double total_interactions = 0;
  std::vector<std::vector<int32_t>> categories;  // (items) category ids; empty when the items have none
};

// A NaN score ranks below everything rather than poisoning the comparisons.
inline float score_clean(float s) { return std::isnan(s) ? -std::numeric_limits<float>::infinity() : s; }

// Higher score first; on equal scores the lower item index first.
inline bool ranks_before(float sa, int32_t a, float sb, int32_t b) { return sa > sb || (sa == sb && a < b); }

const std::vector<int32_t>& user_targets(const Split& split, int32_t u, bool on_test) {
  return on_test ? split.users[static_cast<size_t>(u)].test : split.users[static_cast<size_t>(u)].valid;
}

std::vector<int32_t> user_history(const Split& split, int32_t u, bool on_test) {
  const auto& s = split.users[static_cast<size_t>(u)];
  std::vector<int32_t> h = s.train;
  if (on_test) h.insert(h.end(), s.valid.begin(), s.valid.end());
  return h;
}

std::vector<int32_t> unique_in_order(const std::vector<int32_t>& items) {
  std::vector<int32_t> out;
  for (int32_t i : items)
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  return out;
}

// Per-thread scratch kept across users: `mark[i] == stamp` flags item i as excluded for the current user.
struct Scratch {
  std::vector<int32_t> mark;
  std::vector<std::pair<float, int32_t>> top;
};

// Full ranking in one pass over the catalogue: the top `list_length` non-excluded items, and for each
// target the number of non-excluded items ranked above it (its rank - 1).
void rank_full(const EvalContext& ctx, const std::vector<float>& scores, const std::vector<int32_t>& history,
               const std::vector<int32_t>& targets, int32_t stamp, Scratch& scratch, std::vector<int32_t>& ranked,
               double& mrr) {
  auto& mark = scratch.mark;
  for (int32_t i : history) mark[static_cast<size_t>(i)] = stamp;
  for (int32_t t : targets) mark[static_cast<size_t>(t)] = -1;  // a target is never excluded

  std::vector<float> target_score;
  for (int32_t t : targets) target_score.push_back(score_clean(scores[static_cast<size_t>(t)]));
  std::vector<int64_t> above(targets.size(), 0);
  auto& top = scratch.top;
  top.clear();
  const size_t length = static_cast<size_t>(ctx.list_length);
  for (int32_t i = 0; i < ctx.n_items; ++i) {
    if (mark[static_cast<size_t>(i)] == stamp) continue;
    const float s = score_clean(scores[static_cast<size_t>(i)]);
    for (size_t k = 0; k < targets.size(); ++k) above[k] += ranks_before(s, i, target_score[k], targets[k]);
    // Items come in increasing index order, so an equal score never beats what is already kept.
    if (top.size() == length && !(s > top.back().first)) continue;
    size_t pos = top.size();
    while (pos > 0 && ranks_before(s, i, top[pos - 1].first, top[pos - 1].second)) --pos;
    top.insert(top.begin() + static_cast<std::ptrdiff_t>(pos), {s, i});
    if (top.size() > length) top.pop_back();
  }
  ranked.clear();
  for (const auto& [s, i] : top) ranked.push_back(i);
  // ranks_before(t, t) is false, so a target never counts itself.
  const int64_t best = targets.empty() ? 0 : *std::min_element(above.begin(), above.end()) + 1;
  mrr = best == 0 ? 0.0 : 1.0 / static_cast<double>(best);
}

// Sampled candidates: the pool of the targets and N negatives, ranked by score.
void rank_sampled(const EvalContext& ctx, int32_t user, const std::vector<float>& scores, const std::vector<int32_t>& targets,
                  std::vector<int32_t>& ranked, double& mrr) {
  const auto& s = ctx.split->users[static_cast<size_t>(user)];
  std::vector<int32_t> user_items = s.train;
  user_items.insert(user_items.end(), s.valid.begin(), s.valid.end());
  user_items.insert(user_items.end(), s.test.begin(), s.test.end());
  CandidateOptions copt;
  copt.pool_size = static_cast<int32_t>(targets.size()) + ctx.options->candidates;
  copt.sampling = ctx.options->sampling;
  copt.seed = ctx.options->seed;
  copt.shuffle = false;  // the order is set by the scores below
  ranked = candidates_sample(ctx.sampler, user, targets, user_items, copt);
  std::sort(ranked.begin(), ranked.end(), [&](int32_t a, int32_t b) {
    return ranks_before(score_clean(scores[static_cast<size_t>(a)]), a, score_clean(scores[static_cast<size_t>(b)]), b);
  });
  mrr = metric_mrr(ranked, targets);
}

void evaluate_user(const EvalContext& ctx, int32_t user, int32_t stamp, const std::vector<float>& scores,
                   const std::vector<int32_t>& history, Scratch& scratch, UserResult& r) {
  const auto targets = unique_in_order(user_targets(*ctx.split, user, ctx.options->on_test));
  std::vector<int32_t> ranked;
  if (ctx.options->candidates > 0) rank_sampled(ctx, user, scores, targets, ranked, r.mrr);
  else rank_full(ctx, scores, history, targets, stamp, scratch, ranked, r.mrr);

  const auto& ks = ctx.options->ks;
  r.hit.resize(ks.size());
  r.recall.resize(ks.size());
  r.ndcg.resize(ks.size());
  for (size_t k = 0; k < ks.size(); ++k) {
    r.hit[k] = metric_hit_at(ranked, targets, ks[k]);
    r.recall[k] = metric_recall_at(ranked, targets, ks[k]);
    r.ndcg[k] = metric_ndcg_at(ranked, targets, ks[k]);
  }
  r.top10.assign(ranked.begin(), ranked.begin() + std::min<std::ptrdiff_t>(10, static_cast<std::ptrdiff_t>(ranked.size())));
  r.novelty = list_novelty(r.top10, ctx.popularity, ctx.total_interactions);
  if (!ctx.categories.empty()) {
    std::vector<std::vector<int32_t>> sets;
    for (int32_t i : r.top10) sets.push_back(ctx.categories[static_cast<size_t>(i)]);
    r.ilad = list_ilad_jaccard(sets);
  }
}

// Item category strings -> sorted id sets; empty when no item has a category.
std::vector<std::vector<int32_t>> category_sets(const Dataset& ds) {
  std::map<std::string, int32_t> ids;
  std::vector<std::vector<int32_t>> sets(ds.items.size());
  bool any = false;
  for (size_t i = 0; i < ds.items.size(); ++i) {
    for (const auto& c : ds.items[i].categories) {
      auto [it, added] = ids.emplace(c, static_cast<int32_t>(ids.size()));
      sets[i].push_back(it->second);
      any = true;
    }
    std::sort(sets[i].begin(), sets[i].end());
    sets[i].erase(std::unique(sets[i].begin(), sets[i].end()), sets[i].end());
  }
  if (!any) sets.clear();
  return sets;
}

void options_check(const EvalOptions& o) {
  if (o.ks.empty()) throw Error("eval: no K given (ks is empty)");
  for (int k : o.ks)
    if (k < 1 || k > 100000) throw Error("eval: K must be in 1..100000, got " + std::to_string(k));
  if (o.candidates < 0) throw Error("eval: candidates must be >= 0, got " + std::to_string(o.candidates));
  if (o.batch_size < 1) throw Error("eval: batch_size must be >= 1, got " + std::to_string(o.batch_size));
  if (o.max_users < 0) throw Error("eval: max_users must be >= 0, got " + std::to_string(o.max_users));
}

void split_check(const Dataset& ds, const Split& split) {
  if (split.users.size() != ds.users.size())
    throw Error("eval: the split has " + std::to_string(split.users.size()) + " users but dataset '" + ds.name + "' has " +
                std::to_string(ds.users.size()));
  const int32_t n = ds.item_count();
  for (size_t u = 0; u < split.users.size(); ++u) {
    for (const auto* part : {&split.users[u].train, &split.users[u].valid, &split.users[u].test})
      for (int32_t i : *part)
        if (i < 0 || i >= n)
          throw Error("eval: the split of user '" + ds.users[u].id + "' holds item index " + std::to_string(i) +
                      ", outside the catalogue (" + std::to_string(n) + " items)");
  }
}

}  // namespace

EvalReport eval_next_item(Recommender& model, const Dataset& ds, const Split& split, const EvalOptions& options) {
  options_check(options);
  split_check(ds, split);
  EvalReport report;
  report.model = model.name();
  report.dataset = ds.name;
  report.split = split.kind;
  report.target = options.on_test ? "test" : "valid";
  report.mode = options.candidates > 0 ? "sampled" : "full";
  report.candidates = options.candidates;
  if (options.candidates > 0) report.sampling = options.sampling == NegativeSampling::Popularity ? "popularity" : "uniform";
  report.seed = options.seed;
  report.items = ds.item_count();
  report.ks = options.ks;

  if (options.fit) {
    const auto t0 = Clock::now();
    FitData data;
    data.ds = &ds;
    data.split = &split;
    data.seed = options.seed;
    data.verbose = options.verbose;
    model.fit(data);
    report.fit_seconds = seconds_since(t0);
  }
  const auto t_eval = Clock::now();

  // Who is evaluated: users with held-out targets and something to condition on.
  std::vector<int32_t> users;
  for (int32_t u = 0; u < ds.user_count(); ++u) {
    const auto& s = split.users[static_cast<size_t>(u)];
    if (!user_targets(split, u, options.on_test).empty() && !(s.train.empty() && (!options.on_test || s.valid.empty())))
      users.push_back(u);
  }
  if (users.empty())
    throw Error("eval: no user of dataset '" + ds.name + "' has both a history and held-out " + report.target +
                " items under the " + split.kind + " split");
  if (options.max_users > 0 && static_cast<size_t>(options.max_users) < users.size()) {
    std::vector<int32_t> picked;
    for (size_t k = 0; k < static_cast<size_t>(options.max_users); ++k) picked.push_back(users[k * users.size() / options.max_users]);
    users = std::move(picked);
  }

  EvalContext ctx;
  ctx.ds = &ds;
  ctx.split = &split;
  ctx.options = &options;
  ctx.n_items = ds.item_count();
  ctx.list_length = std::max(10, *std::max_element(options.ks.begin(), options.ks.end()));
  if (options.candidates > 0) {
    if (options.sampling == NegativeSampling::Popularity) ctx.sampler = candidates_sampler(ds);
    else ctx.sampler.ds = &ds;
  }
  ctx.popularity.assign(static_cast<size_t>(ctx.n_items), 0.0);
  for (int32_t u = 0; u < ds.user_count(); ++u)
    for (int32_t i : user_history(split, u, options.on_test)) ctx.popularity[static_cast<size_t>(i)] += 1;
  for (double p : ctx.popularity) ctx.total_interactions += p;
  ctx.categories = category_sets(ds);

  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int n_threads = std::max(1, std::min(options.threads, hw));
  std::vector<Scratch> scratch(static_cast<size_t>(n_threads));
  if (options.candidates == 0)
    for (auto& s : scratch) s.mark.assign(static_cast<size_t>(ctx.n_items), -1);

  std::vector<UserResult> results(users.size());
  std::vector<std::vector<float>> scores;
  double score_seconds = 0;
  const size_t batch = static_cast<size_t>(options.batch_size);
  size_t next_report = users.size() / 10;
  for (size_t start = 0; start < users.size(); start += batch) {
    const size_t end = std::min(users.size(), start + batch);
    const std::vector<int32_t> batch_users(users.begin() + static_cast<std::ptrdiff_t>(start),
                                           users.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<std::vector<int32_t>> histories;
    for (int32_t u : batch_users) histories.push_back(user_history(split, u, options.on_test));

    const auto t_score = Clock::now();
    model.score(batch_users, histories, scores);
    score_seconds += seconds_since(t_score);
    if (scores.size() != batch_users.size())
      throw Error("eval: model '" + model.name() + "' returned " + std::to_string(scores.size()) + " score rows for " +
                  std::to_string(batch_users.size()) + " users");
    for (const auto& row : scores)
      if (row.size() != static_cast<size_t>(ctx.n_items))
        throw Error("eval: model '" + model.name() + "' returned " + std::to_string(row.size()) + " scores for " +
                    std::to_string(ctx.n_items) + " items");

    std::vector<std::exception_ptr> errors(static_cast<size_t>(n_threads));
    auto work = [&](int t) {
      try {
        for (size_t b = static_cast<size_t>(t); b < batch_users.size(); b += static_cast<size_t>(n_threads))
          evaluate_user(ctx, batch_users[b], static_cast<int32_t>(start + b), scores[b], histories[b],
                        scratch[static_cast<size_t>(t)], results[start + b]);
      } catch (...) {
        errors[static_cast<size_t>(t)] = std::current_exception();
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < n_threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);

    if (options.verbose && end >= next_report) {
      std::fprintf(stderr, "eval %s: %zu / %zu users (%.1f s scoring, %.1f s total)\n", model.name().c_str(), end,
                   users.size(), score_seconds, seconds_since(t_eval));
      next_report = end + users.size() / 10;
    }
  }

  // Sums in user order.
  const size_t nk = options.ks.size();
  std::vector<double> hit(nk, 0), recall(nk, 0), ndcg(nk, 0);
  double mrr = 0, novelty = 0, ilad = 0;
  std::vector<std::vector<int32_t>> lists;
  lists.reserve(results.size());
  for (size_t k = 0; k < results.size(); ++k) {
    const auto& r = results[k];
    for (size_t j = 0; j < nk; ++j) {
      hit[j] += r.hit[j];
      recall[j] += r.recall[j];
      ndcg[j] += r.ndcg[j];
    }
    mrr += r.mrr;
    novelty += r.novelty;
    ilad += r.ilad;
    lists.push_back(r.top10);
    report.targets += static_cast<int64_t>(unique_in_order(user_targets(split, users[k], options.on_test)).size());
  }
  const auto n = static_cast<double>(results.size());
  for (size_t j = 0; j < nk; ++j) {
    const std::string k = std::to_string(options.ks[j]);
    report.metrics.emplace_back("hit@" + k, hit[j] / n);
    report.metrics.emplace_back("recall@" + k, recall[j] / n);
    report.metrics.emplace_back("ndcg@" + k, ndcg[j] / n);
  }
  report.metrics.emplace_back("mrr", mrr / n);
  report.metrics.emplace_back("coverage@10", catalogue_coverage(lists, ctx.n_items));
  report.metrics.emplace_back("gini@10", exposure_gini(lists, ctx.n_items));
  report.metrics.emplace_back("novelty@10", novelty / n);
  if (!ctx.categories.empty()) report.metrics.emplace_back("ilad@10", ilad / n);
  report.users = static_cast<int64_t>(results.size());
  report.eval_seconds = seconds_since(t_eval);
  if (options.verbose)
    std::fprintf(stderr, "eval %s: %zu users, %.2f s scoring + %.2f s ranking\n", model.name().c_str(), results.size(),
                 score_seconds, report.eval_seconds - score_seconds);
  return report;
}

}  // namespace rf
