// Tests for the LibTorch baselines on small synthetic data whose structure is known: BPR-MF must rank the
// user's own cluster first (two disjoint user/item clusters), SASRec must learn "next item = current + 1"
// (each loss), biased MF must recover the item biases the ratings were generated from and beat the global
// mean. Also: the validation ranking helper against hand-computed ranks, same seed -> same scores, and
// parameter / input errors naming what is wrong.
#include "eval/baseline_biased_mf.h"
#include "eval/baseline_bpr.h"
#include "eval/baseline_sasrec.h"
#include "eval/baseline_torch_common.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <cmath>
#include <random>

namespace {

using Items = std::vector<int32_t>;

struct World {
  rf::Dataset ds;
  rf::Split split;
};

rf::FitData fit_data(const World& w, uint64_t seed = 1) {
  rf::FitData d;
  d.ds = &w.ds;
  d.split = &w.split;
  d.seed = seed;
  return d;
}

void world_init(World& w, int users, int items) {
  for (int i = 0; i < items; ++i) rf::dataset_add_item(w.ds, rf::Item{"i" + std::to_string(i)});
  for (int u = 0; u < users; ++u) rf::dataset_add_user(w.ds, rf::User{"u" + std::to_string(u), ""});
  w.split.kind = "leave-last-out";
  w.split.users.resize(static_cast<size_t>(users));
}

// Two clusters: users 0..19 take 6 distinct items of 0..9, users 20..39 of 10..19 (first 4 train, then
// valid, then test).
World two_clusters() {
  World w;
  world_init(w, 40, 20);
  std::mt19937_64 rng(7);
  for (int u = 0; u < 40; ++u) {
    Items pool;
    for (int i = 0; i < 10; ++i) pool.push_back((u < 20 ? 0 : 10) + i);
    for (size_t k = pool.size(); k > 1; --k) std::swap(pool[k - 1], pool[rng() % k]);
    auto& s = w.split.users[static_cast<size_t>(u)];
    s.train = {pool[0], pool[1], pool[2], pool[3]};
    s.valid = {pool[4]};
    s.test = {pool[5]};
  }
  return w;
}

// Sequences that walk the catalogue one item at a time (wrapping), starting anywhere: the next item is
// always the current one + 1 (mod items).
World walks(int users, int items, int length) {
  World w;
  world_init(w, users, items);
  std::mt19937_64 rng(11);
  for (int u = 0; u < users; ++u) {
    const int start = static_cast<int>(rng() % static_cast<uint64_t>(items));
    auto& s = w.split.users[static_cast<size_t>(u)];
    for (int k = 0; k < length; ++k) {
      const int32_t item = (start + k) % items;
      if (k < length - 2) s.train.push_back(item);
      else if (k == length - 2) s.valid.push_back(item);
      else s.test.push_back(item);
    }
  }
  return w;
}

std::vector<std::vector<float>> score_all(const rf::Recommender& m, const World& w, bool with_valid) {
  std::vector<int32_t> users;
  std::vector<Items> hist;
  for (size_t u = 0; u < w.split.users.size(); ++u) {
    users.push_back(static_cast<int32_t>(u));
    Items h = w.split.users[u].train;
    if (with_valid) h.insert(h.end(), w.split.users[u].valid.begin(), w.split.users[u].valid.end());
    hist.push_back(h);
  }
  std::vector<std::vector<float>> out;
  m.score(users, hist, out);
  return out;
}

// Index of the best-scoring item outside `exclude` (ties: lower index).
int32_t top_item(const std::vector<float>& scores, const Items& exclude) {
  int32_t best = -1;
  for (int32_t i = 0; i < static_cast<int32_t>(scores.size()); ++i) {
    if (std::find(exclude.begin(), exclude.end(), i) != exclude.end()) continue;
    if (best < 0 || scores[static_cast<size_t>(i)] > scores[static_cast<size_t>(best)]) best = i;
  }
  return best;
}

// Share of users whose test item is the top unseen item given train + valid.
double hit_at_1(const rf::Recommender& m, const World& w) {
  const auto scores = score_all(m, w, true);
  int hits = 0;
  for (size_t u = 0; u < w.split.users.size(); ++u) {
    Items seen = w.split.users[u].train;
    seen.insert(seen.end(), w.split.users[u].valid.begin(), w.split.users[u].valid.end());
    if (top_item(scores[u], seen) == w.split.users[u].test[0]) ++hits;
  }
  return static_cast<double>(hits) / static_cast<double>(w.split.users.size());
}

nlohmann::json sasrec_params(const std::string& loss) {
  nlohmann::json p = {{"hidden", 32}, {"blocks", 1}, {"heads", 2},      {"max_len", 6},  {"dropout", 0.1},
                      {"loss", loss}, {"lr", 5e-3},  {"batch_size", 32}, {"epochs", 30}, {"eval_every", 0}};
  if (loss == "sampled_ce") p["negatives"] = 8;
  if (loss == "bce") p["epochs"] = 60;
  return p;
}

}  // namespace

class TestBaselinesTorch : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // scores (one user): 0.5, 0.9, 0.1, 0.9, 0.2; target 3. Item 1 ties with it at a lower index, so it
  // counts as ahead: 0-based rank 1 -> recall@10 1, ndcg@10 1/log2(3). Excluding item 1 -> rank 0, ndcg 1.
  // Target 2 (0.1) has items 0, 1, 3, 4 ahead: rank 4; with k = 3 it is a miss.
  void rank_sums_match_hand_computed_data() {
    QTest::addColumn<int>("target");
    QTest::addColumn<Items>("exclude");
    QTest::addColumn<int>("k");
    QTest::addColumn<double>("recall");
    QTest::addColumn<double>("ndcg");
    QTest::newRow("tie at lower index ranks ahead") << 3 << Items{} << 10 << 1.0 << 1.0 / std::log2(3.0);
    QTest::newRow("excluded item skipped") << 3 << Items{1} << 10 << 1.0 << 1.0;
    QTest::newRow("target never excluded") << 3 << Items{3, 1} << 10 << 1.0 << 1.0;
    QTest::newRow("rank 4 within 10") << 2 << Items{} << 10 << 1.0 << 1.0 / std::log2(6.0);
    QTest::newRow("rank 4 outside 3") << 2 << Items{} << 3 << 0.0 << 0.0;
    QTest::newRow("rank 2 after excluding two") << 2 << Items{1, 3} << 3 << 1.0 << 0.5;
  }
  void rank_sums_match_hand_computed() {
    QFETCH(int, target);
    QFETCH(Items, exclude);
    QFETCH(int, k);
    QFETCH(double, recall);
    QFETCH(double, ndcg);
    at::Tensor scores = at::tensor(std::vector<float>{0.5f, 0.9f, 0.1f, 0.9f, 0.2f}).view({1, 5});
    rf::baseline::RankSums sums;
    rf::baseline::rank_sums_add(scores, {target}, {&exclude}, k, sums);
    QCOMPARE(sums.users, int64_t{1});
    QVERIFY(std::abs(sums.recall_mean() - recall) < 1e-12);
    QVERIFY2(std::abs(sums.ndcg_mean() - ndcg) < 1e-12, qPrintable(QString::number(sums.ndcg_mean())));
  }

  void bpr_ranks_own_cluster_first() {
    const World w = two_clusters();
    // Few observations per user: strong L2 keeps BPR from memorising them (and pushing the unseen own items down).
    auto m = rf::bpr_create({{"dim", 8}, {"epochs", 100}, {"batch_size", 32}, {"lr", 0.01}, {"reg", 0.1}, {"eval_every", 0}});
    m->fit(fit_data(w));
    const auto scores = score_all(*m, w, true);
    double auc_sum = 0;
    for (size_t u = 0; u < scores.size(); ++u) {
      Items seen = w.split.users[u].train;
      seen.push_back(w.split.users[u].valid[0]);
      const int32_t own = u < 20 ? 0 : 10;
      // Unseen items of the user's own cluster (negatives in BPR's sampling too) against the other cluster's.
      std::vector<float> own_scores, other_scores;
      for (int32_t i = 0; i < 20; ++i) {
        if (std::find(seen.begin(), seen.end(), i) != seen.end()) continue;
        (i >= own && i < own + 10 ? own_scores : other_scores).push_back(scores[u][static_cast<size_t>(i)]);
      }
      int wins = 0;
      for (float a : own_scores) {
        for (float b : other_scores) wins += a > b ? 1 : 0;
      }
      auc_sum += static_cast<double>(wins) / static_cast<double>(own_scores.size() * other_scores.size());
      // The top 3 unseen items all come from the own cluster.
      Items top;
      for (int k = 0; k < 3; ++k) {
        Items exclude = seen;
        exclude.insert(exclude.end(), top.begin(), top.end());
        top.push_back(top_item(scores[u], exclude));
        QVERIFY2(top.back() >= own && top.back() < own + 10, qPrintable(QString("user %1 rank %2: item %3").arg(u).arg(k).arg(top.back())));
      }
    }
    const double auc = auc_sum / static_cast<double>(scores.size());
    QVERIFY2(auc > 0.95, qPrintable(QString("mean AUC own vs other cluster %1").arg(auc)));
  }

  void bpr_early_stopping_fits() {
    // With validation every epoch and patience 2 the fit ends early and keeps weights that still separate clusters.
    const World w = two_clusters();
    auto m = rf::bpr_create({{"dim", 8}, {"epochs", 400}, {"batch_size", 32}, {"lr", 0.03}, {"eval_every", 1}, {"patience", 3}});
    m->fit(fit_data(w));
    const auto scores = score_all(*m, w, true);
    int own_top = 0;
    for (size_t u = 0; u < scores.size(); ++u) {
      Items seen = w.split.users[u].train;
      seen.push_back(w.split.users[u].valid[0]);
      const int32_t top = top_item(scores[u], seen);
      if ((u < 20) == (top < 10)) ++own_top;
    }
    QVERIFY2(own_top >= 36, qPrintable(QString::number(own_top)));
  }

  void sasrec_learns_next_is_plus_one_data() {
    QTest::addColumn<QString>("loss");
    QTest::newRow("full softmax") << "ce";
    QTest::newRow("sampled softmax") << "sampled_ce";
    QTest::newRow("binary cross-entropy") << "bce";
  }
  void sasrec_learns_next_is_plus_one() {
    QFETCH(QString, loss);
    const World w = walks(150, 40, 12);  // histories of 10 (train+valid) > max_len 6: truncation is exercised
    auto m = rf::sasrec_create(sasrec_params(loss.toStdString()));
    m->fit(fit_data(w));
    const double hit = hit_at_1(*m, w);
    QVERIFY2(hit >= 0.9, qPrintable(QString("hit@1 %1").arg(hit)));
  }

  void sasrec_early_stopping_keeps_a_good_model() {
    const World w = walks(150, 40, 12);
    nlohmann::json p = sasrec_params("ce");
    p["epochs"] = 200;
    p["eval_every"] = 1;
    p["patience"] = 3;
    auto m = rf::sasrec_create(p);
    m->fit(fit_data(w));
    QVERIFY(hit_at_1(*m, w) >= 0.9);
  }

  void same_seed_same_scores_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("bpr") << "bpr";
    QTest::newRow("sasrec") << "sasrec";
  }
  void same_seed_same_scores() {
    QFETCH(QString, model);
    const World w = walks(60, 20, 8);
    auto make = [&] {
      return model == "bpr" ? rf::bpr_create({{"dim", 8}, {"epochs", 5}, {"eval_every", 0}})
                            : rf::sasrec_create({{"hidden", 16}, {"epochs", 3}, {"eval_every", 0}, {"max_len", 5}});
    };
    auto a = make(), b = make(), c = make();
    a->fit(fit_data(w, 5));
    b->fit(fit_data(w, 5));
    c->fit(fit_data(w, 6));
    const auto sa = score_all(*a, w, true), sb = score_all(*b, w, true), sc = score_all(*c, w, true);
    QVERIFY(sa == sb);
    QVERIFY(sa != sc);
  }

  void biased_mf_recovers_biases() {
    // r = 3 + b_u + b_i + N(0, 0.2^2), b_i evenly spread in [-1, 1], b_u in [-0.5, 0.5]; ~70% of pairs rated,
    // one rating per user held out.
    rf::Dataset ds;
    const int users = 60, items = 30;
    for (int i = 0; i < items; ++i) rf::dataset_add_item(ds, rf::Item{"i" + std::to_string(i)});
    for (int u = 0; u < users; ++u) rf::dataset_add_user(ds, rf::User{"u" + std::to_string(u), ""});
    std::vector<double> bi(items), bu(users);
    for (int i = 0; i < items; ++i) bi[static_cast<size_t>(i)] = -1.0 + 2.0 * i / (items - 1);
    for (int u = 0; u < users; ++u) bu[static_cast<size_t>(u)] = -0.5 + 1.0 * ((u * 7) % users) / (users - 1);
    std::mt19937_64 rng(3);
    auto noise = [&rng] {  // ~N(0, 0.2^2): sum of 12 uniforms (Irwin-Hall), same on every standard library
      double s = 0;
      for (int k = 0; k < 12; ++k) s += static_cast<double>(rng() >> 11) / 9007199254740992.0;
      return 0.2 * (s - 6.0);
    };
    std::vector<int32_t> train, test;
    for (int u = 0; u < users; ++u) {
      int32_t last = -1;
      for (int i = 0; i < items; ++i) {
        if (rng() % 10 >= 7) continue;
        rf::Interaction x;
        x.user = u;
        x.item = i;
        x.rating = static_cast<float>(3.0 + bu[static_cast<size_t>(u)] + bi[static_cast<size_t>(i)] + noise());
        last = static_cast<int32_t>(ds.interactions.size());
        ds.interactions.push_back(x);
        train.push_back(last);
      }
      if (last >= 0) {  // hold out one of the user's last 5 ratings (items differ across users)
        const size_t pick = train.size() - 1 - static_cast<size_t>(rng() % 5);
        test.push_back(train[pick]);
        train.erase(train.begin() + static_cast<std::ptrdiff_t>(pick));
      }
    }
    auto m = rf::biased_mf_create({{"dim", 4}, {"epochs", 60}, {"batch_size", 128}, {"lr", 0.02}});
    m->fit(ds, train, 9);
    double sum = 0;
    for (int32_t k : train) sum += ds.interactions[static_cast<size_t>(k)].rating;
    const double mu = sum / static_cast<double>(train.size());
    double se_model = 0, se_mean = 0;
    for (int32_t k : test) {
      const auto& x = ds.interactions[static_cast<size_t>(k)];
      se_model += std::pow(m->predict(x.user, x.item) - x.rating, 2);
      se_mean += std::pow(mu - x.rating, 2);
    }
    const double rmse_model = std::sqrt(se_model / static_cast<double>(test.size()));
    const double rmse_mean = std::sqrt(se_mean / static_cast<double>(test.size()));
    QVERIFY2(rmse_model < 0.35 && rmse_model < 0.5 * rmse_mean,
             qPrintable(QString("rmse %1 vs global mean %2").arg(rmse_model).arg(rmse_mean)));
    // Item effects: the prediction difference between items for one user follows b_i - b_j.
    double worst = 0;
    for (int i = 1; i < items; ++i) {
      const double got = m->predict(0, i) - m->predict(0, 0);
      worst = std::max(worst, std::abs(got - (bi[static_cast<size_t>(i)] - bi[0])));
    }
    QVERIFY2(worst < 0.35, qPrintable(QString("largest item-bias error %1").arg(worst)));
    // Unknown user and item fall back to the mean plus the known side; predictions stay in the train range.
    QVERIFY(std::abs(m->predict(-1, -1) - mu) < 1e-9);
    float lo = INFINITY, hi = -INFINITY;
    for (int32_t k : train) {
      lo = std::min(lo, ds.interactions[static_cast<size_t>(k)].rating);
      hi = std::max(hi, ds.interactions[static_cast<size_t>(k)].rating);
    }
    for (int u = 0; u < users; ++u) {
      for (int i = 0; i < items; ++i) {
        const double r = m->predict(u, i);
        QVERIFY(r >= lo && r <= hi);
      }
    }
  }

  void params_errors_name_the_key_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("params");
    QTest::addColumn<QString>("message");
    QTest::newRow("bpr unknown key") << "bpr" << R"({"dims": 8})" << "unknown key 'dims'";
    QTest::newRow("bpr wrong type") << "bpr" << R"({"lr": "fast"})" << "'lr' must be a number";
    QTest::newRow("bpr out of range") << "bpr" << R"({"dim": 0})" << "'dim' must be in [1";
    QTest::newRow("bpr metric") << "bpr" << R"({"metric": "mrr"})" << "'metric' must be one of ndcg@10, recall@10";
    QTest::newRow("bpr not an object") << "bpr" << R"([1, 2])" << "params must be a JSON object";
    QTest::newRow("sasrec unknown key") << "sasrec" << R"({"layers": 2})" << "unknown key 'layers'";
    QTest::newRow("sasrec loss") << "sasrec" << R"({"loss": "mse"})" << "'loss' must be one of ce, sampled_ce, bce";
    QTest::newRow("sasrec heads") << "sasrec" << R"({"hidden": 30, "heads": 4})" << "multiple of 'heads'";
    QTest::newRow("sasrec fractional int") << "sasrec" << R"({"epochs": 2.5})" << "'epochs' must be an integer";
    QTest::newRow("sasrec device") << "sasrec" << R"({"device": "tpu"})" << "'device' must be cpu, cuda or cuda:N";
    QTest::newRow("biased-mf unknown key") << "biased-mf" << R"({"factors": 8})" << "unknown key 'factors'";
    QTest::newRow("biased-mf optimizer") << "biased-mf" << R"({"optimizer": "lbfgs"})" << "'optimizer' must be one of adam, sgd";
  }
  void params_errors_name_the_key() {
    QFETCH(QString, model);
    QFETCH(QString, params);
    QFETCH(QString, message);
    const nlohmann::json p = nlohmann::json::parse(params.toStdString());
    try {
      if (model == "bpr") rf::bpr_create(p);
      else if (model == "sasrec") rf::sasrec_create(p);
      else rf::biased_mf_create(p);
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains(message), e.what());
      QVERIFY2(QString(e.what()).startsWith(model), e.what());
    }
  }

  void params_override_defaults() {
    const rf::SasrecOptions o = rf::sasrec_options_from_json({{"hidden", 32}, {"loss", "bce"}, {"epochs", 1e2}});
    QCOMPARE(o.hidden, int64_t{32});
    QCOMPARE(o.loss, std::string("bce"));
    QCOMPARE(o.epochs, int64_t{100});
    QCOMPARE(o.blocks, rf::SasrecOptions{}.blocks);
    QCOMPARE(rf::sasrec_options_from_json(rf::sasrec_options_to_json(o)).dropout, o.dropout);
    QCOMPARE(rf::bpr_options_from_json({{"device", "cuda"}}).device, std::string("cuda:0"));
  }

  void bad_input_is_an_error() {
    World w = walks(10, 10, 6);
    auto s = rf::sasrec_create({{"epochs", 1}, {"eval_every", 0}});
    std::vector<std::vector<float>> out;
    QVERIFY_THROWS_EXCEPTION(rf::Error, s->score({0}, {{1, 2}}, out));  // before fit
    s->fit(fit_data(w));
    QVERIFY_THROWS_EXCEPTION(rf::Error, s->score({0}, {{1, 10}}, out));  // item outside the catalogue
    s->score({0}, {{}}, out);  // an empty history is not an error: every item ties
    QCOMPARE(out.at(0), std::vector<float>(10, 0.0f));

    auto b = rf::bpr_create({{"epochs", 1}, {"eval_every", 0}});
    b->fit(fit_data(w));
    QVERIFY_THROWS_EXCEPTION(rf::Error, b->score({10}, {{}}, out));  // user outside the fitted users

    w.split.users[3].train.push_back(-1);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sasrec_create({{"epochs", 1}})->fit(fit_data(w)));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::bpr_create({{"epochs", 1}})->fit(fit_data(w)));
    w.split.users.pop_back();  // split made for another dataset
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::sasrec_create({{"epochs", 1}})->fit(fit_data(w)));

    rf::Dataset ds;
    rf::dataset_add_item(ds, rf::Item{"a"});
    rf::dataset_add_user(ds, rf::User{"u", ""});
    ds.interactions.push_back(rf::Interaction{0, 0, 0});  // no rating
    auto mf = rf::biased_mf_create();
    QVERIFY_THROWS_EXCEPTION(rf::Error, mf->predict(0, 0));  // before fit
    QVERIFY_THROWS_EXCEPTION(rf::Error, mf->fit(ds, {0}, 1));
    QVERIFY_THROWS_EXCEPTION(rf::Error, mf->fit(ds, {1}, 1));  // index outside the interactions
  }
};

RF_TEST_SUITE(TestBaselinesTorch);
#include "test_baselines_torch.moc"
