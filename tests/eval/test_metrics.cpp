// Tests for the metrics library (core/eval/metrics.h): every expected value is worked out by hand in the
// row that uses it, with the arithmetic in a comment, so a wrong formula cannot agree with itself.
// Conventions checked here (see metrics.h): K beyond the list uses the whole list (precision divides by the
// positions looked at), a repeated item earns nothing at its later positions, a target listed twice is one
// target, K <= 0 / empty list / no targets give 0 (MRR: K <= 0 means the whole list).
#include "eval/mean_difference.h"
#include "eval/metrics.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace {

using Ids = std::vector<int32_t>;
using Scores = std::vector<float>;
using Sets = std::vector<std::vector<int32_t>>;
using Values = std::vector<double>;

bool close(double a, double b) { return std::fabs(a - b) < 1e-12; }

#define RF_CHECK_CLOSE(actual, expected)                                                                     \
  QVERIFY2(close((actual), (expected)),                                                                      \
           qPrintable(QStringLiteral("%1 = %2, expected %3").arg(#actual).arg((actual), 0, 'g', 17).arg((expected), 0, 'g', 17)))

const double kLog2of3 = std::log2(3.0);
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

}  // namespace

class TestMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Hit, Recall, Precision, NDCG and MRR of one ranked list, all at the same K.
  void ranking_data() {
    QTest::addColumn<Ids>("ranked");
    QTest::addColumn<Ids>("relevant");
    QTest::addColumn<int>("k");
    QTest::addColumn<double>("hit");
    QTest::addColumn<double>("recall");
    QTest::addColumn<double>("precision");
    QTest::addColumn<double>("ndcg");
    QTest::addColumn<double>("mrr");
    // Hits at ranks 1 and 3, 2 targets: DCG = 1/log2(2) + 1/log2(4) = 1 + 1/2; IDCG = 1 + 1/log2(3).
    QTest::newRow("hits at 1 and 3 of 2 targets") << Ids{5, 7, 9, 2} << Ids{5, 9} << 3 << 1.0 << 2.0 / 2 << 2.0 / 3
                                                  << (1 + 1 / std::log2(4.0)) / (1 + 1 / kLog2of3) << 1.0;
    // One hit at rank 2 of 3 targets, K = 5: DCG = 1/log2(3); IDCG = 1 + 1/log2(3) + 1/log2(4); MRR = 1/2.
    QTest::newRow("hit at 2 of 3 targets") << Ids{1, 2, 3, 4, 5} << Ids{2, 8, 9} << 5 << 1.0 << 1.0 / 3 << 1.0 / 5
                                           << (1 / kLog2of3) / (1 + 1 / kLog2of3 + 0.5) << 0.5;
    // K = 10 over a 2-item list is K = 2: precision 1 hit / 2 positions; ideal DCG places min(2, 2) targets.
    QTest::newRow("K larger than the list") << Ids{4, 6} << Ids{6, 10} << 10 << 1.0 << 1.0 / 2 << 1.0 / 2
                                            << (1 / kLog2of3) / (1 + 1 / kLog2of3) << 0.5;
    // Ideal DCG is capped by K: 5 targets but K = 3, so IDCG = 1 + 1/log2(3) + 1/log2(4); hits at ranks 2, 3.
    QTest::newRow("ideal DCG capped by K") << Ids{9, 1, 2, 7} << Ids{1, 2, 3, 4, 5} << 3 << 1.0 << 2.0 / 5 << 2.0 / 3
                                           << (1 / kLog2of3 + 0.5) / (1 + 1 / kLog2of3 + 0.5) << 0.5;
    QTest::newRow("target just beyond K") << Ids{1, 2, 3} << Ids{3} << 2 << 0.0 << 0.0 << 0.0 << 0.0 << 0.0;
    // Item 3 three times in the top 3: only rank 1 earns; precision 1/3; recall 1 of 2 targets;
    // NDCG = 1 / (1 + 1/log2(3)) since the ideal list has both targets at ranks 1 and 2.
    QTest::newRow("duplicate earns only once") << Ids{3, 3, 3, 4} << Ids{3, 4} << 3 << 1.0 << 1.0 / 2 << 1.0 / 3
                                               << 1 / (1 + 1 / kLog2of3) << 1.0;
    // Target 1 listed twice is one target: recall 1/1; hit at rank 2: NDCG = (1/log2(3)) / 1.
    QTest::newRow("target listed twice") << Ids{2, 1} << Ids{1, 1} << 2 << 1.0 << 1.0 << 1.0 / 2 << 1 / kLog2of3 << 0.5;
    // K <= 0 gives 0 for the @K metrics, but MRR reads K <= 0 as "the whole list": target at rank 1 -> 1.
    QTest::newRow("K = 0") << Ids{1, 2} << Ids{1} << 0 << 0.0 << 0.0 << 0.0 << 0.0 << 1.0;
    QTest::newRow("K negative") << Ids{2, 1} << Ids{1} << -3 << 0.0 << 0.0 << 0.0 << 0.0 << 0.5;
    QTest::newRow("empty list") << Ids{} << Ids{1} << 5 << 0.0 << 0.0 << 0.0 << 0.0 << 0.0;
    QTest::newRow("no targets") << Ids{1, 2} << Ids{} << 5 << 0.0 << 0.0 << 0.0 << 0.0 << 0.0;
    QTest::newRow("no hits") << Ids{1, 2} << Ids{3} << 2 << 0.0 << 0.0 << 0.0 << 0.0 << 0.0;
    // All 3 positions are targets: DCG = IDCG.
    QTest::newRow("perfect list") << Ids{7, 8, 9} << Ids{9, 8, 7} << 3 << 1.0 << 1.0 << 1.0 << 1.0 << 1.0;
  }
  void ranking() {
    QFETCH(Ids, ranked);
    QFETCH(Ids, relevant);
    QFETCH(int, k);
    QFETCH(double, hit);
    QFETCH(double, recall);
    QFETCH(double, precision);
    QFETCH(double, ndcg);
    QFETCH(double, mrr);
    RF_CHECK_CLOSE(rf::metric_hit_at(ranked, relevant, k), hit);
    RF_CHECK_CLOSE(rf::metric_recall_at(ranked, relevant, k), recall);
    RF_CHECK_CLOSE(rf::metric_precision_at(ranked, relevant, k), precision);
    RF_CHECK_CLOSE(rf::metric_ndcg_at(ranked, relevant, k), ndcg);
    RF_CHECK_CLOSE(rf::metric_mrr(ranked, relevant, k), mrr);
  }

  void mrr_default_is_whole_list() {
    // First target at rank 4 of the list: 1/4, with the default K (the whole list).
    RF_CHECK_CLOSE(rf::metric_mrr({5, 6, 7, 8, 9}, {9, 8}), 1.0 / 4);
  }

  void top_k_data() {
    QTest::addColumn<Scores>("scores");
    QTest::addColumn<int>("k");
    QTest::addColumn<Ids>("exclude");
    QTest::addColumn<Ids>("expected");
    const Scores tied = {0.5f, 0.9f, 0.5f, 0.9f, 0.1f};
    // 0.9 ties between items 1 and 3 (lower index first), then the 0.5 tie between 0 and 2.
    QTest::newRow("ties by lower index") << tied << 3 << Ids{} << Ids{1, 3, 0};
    QTest::newRow("ties, whole list") << tied << 5 << Ids{} << Ids{1, 3, 0, 2, 4};
    QTest::newRow("exclude") << tied << 3 << Ids{1} << Ids{3, 0, 2};
    QTest::newRow("exclude repeated and out of range") << tied << 2 << Ids{3, 3, -1, 99} << Ids{1, 0};
    QTest::newRow("K larger than n") << Scores{1, 3, 2} << 10 << Ids{} << Ids{1, 2, 0};
    QTest::newRow("K = 0") << Scores{1, 3, 2} << 0 << Ids{} << Ids{};
    QTest::newRow("K negative") << Scores{1, 3, 2} << -1 << Ids{} << Ids{};
    QTest::newRow("no scores") << Scores{} << 3 << Ids{} << Ids{};
    QTest::newRow("everything excluded") << Scores{1, 2} << 2 << Ids{0, 1} << Ids{};
    // NaN ranks after every number, -inf included.
    QTest::newRow("NaN last") << Scores{kNaN, 1, -kInf, kNaN} << 4 << Ids{} << Ids{1, 2, 0, 3};
    QTest::newRow("all equal") << Scores{2, 2, 2, 2} << 2 << Ids{0} << Ids{1, 2};
  }
  void top_k() {
    QFETCH(Scores, scores);
    QFETCH(int, k);
    QFETCH(Ids, exclude);
    QFETCH(Ids, expected);
    QCOMPARE(rf::rank_top_k(scores, k, exclude), expected);
  }

  void rank_of_data() {
    QTest::addColumn<Scores>("scores");
    QTest::addColumn<int>("target");
    QTest::addColumn<Ids>("exclude");
    QTest::addColumn<qint64>("expected");
    const Scores tied = {0.5f, 0.9f, 0.5f, 0.9f, 0.1f};
    // Before item 2 (0.5): items 1 and 3 (0.9) and item 0 (0.5, lower index) -> rank 4.
    QTest::newRow("tie after lower index") << tied << 2 << Ids{} << qint64(4);
    QTest::newRow("tie wins by lower index") << tied << 0 << Ids{} << qint64(3);
    QTest::newRow("best") << tied << 1 << Ids{} << qint64(1);
    QTest::newRow("last") << tied << 4 << Ids{} << qint64(5);
    QTest::newRow("excluded items do not count") << tied << 2 << Ids{1, 4} << qint64(3);
    // The target is ranked even when it is listed in exclude (a repeat of a consumed item).
    QTest::newRow("target in exclude") << tied << 3 << Ids{3} << qint64(2);
    QTest::newRow("NaN target is last") << Scores{kNaN, -kInf, 0} << 0 << Ids{} << qint64(3);
  }
  void rank_of() {
    QFETCH(Scores, scores);
    QFETCH(int, target);
    QFETCH(Ids, exclude);
    QFETCH(qint64, expected);
    QCOMPARE(static_cast<qint64>(rf::rank_of(scores, target, exclude)), expected);
  }

  void rank_of_rejects_bad_target() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::rank_of({1, 2}, 2));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::rank_of({1, 2}, -1));
  }

  // Against an independent reference: a full stable sort of (score desc, index asc) over many ties.
  void top_k_matches_full_sort() {
    std::mt19937_64 rng(11);
    const int n = 3000;
    Scores scores(n);
    for (auto& s : scores) s = static_cast<float>(rng() % 50) / 7.0f;  // only 50 distinct values: many ties
    Ids exclude;
    for (int i = 0; i < n; i += 7) exclude.push_back(i);
    Ids reference;
    for (int i = 0; i < n; ++i)
      if (i % 7 != 0) reference.push_back(i);
    std::stable_sort(reference.begin(), reference.end(), [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
    for (int k : {1, 10, 100, 2571, 5000}) {
      const Ids top = rf::rank_top_k(scores, k, exclude);
      const Ids want(reference.begin(), reference.begin() + std::min<size_t>(k, reference.size()));
      QCOMPARE(top, want);
    }
    for (int pos : {0, 1, 500, 2570}) QCOMPARE(rf::rank_of(scores, reference[pos], exclude), int64_t(pos + 1));
  }

  void ilad_jaccard_data() {
    QTest::addColumn<Sets>("sets");
    QTest::addColumn<double>("expected");
    // {1,2} vs {2,3}: |A∩B| = 1, |A∪B| = 3 -> 1 - 1/3.
    QTest::newRow("one pair") << Sets{{1, 2}, {2, 3}} << 2.0 / 3;
    // Pairs: ({1},{1}) 0, ({1},{2}) 1, ({1},{2}) 1 -> mean 2/3.
    QTest::newRow("three items") << Sets{{1}, {1}, {2}} << 2.0 / 3;
    // Same set in another order at another position: distance 0.
    QTest::newRow("same set") << Sets{{4, 5}, {5, 4}} << 0.0;
    // {1,1,2} is the set {1,2}: vs {2}: 1 - 1/2.
    QTest::newRow("repeated category") << Sets{{1, 1, 2}, {2}} << 0.5;
    QTest::newRow("two empty sets") << Sets{{}, {}} << 0.0;
    QTest::newRow("empty vs non-empty") << Sets{{}, {3}} << 1.0;
    QTest::newRow("single item") << Sets{{1, 2}} << 0.0;
    QTest::newRow("no items") << Sets{} << 0.0;
    // 4 disjoint sets: all 6 pairs at distance 1.
    QTest::newRow("all disjoint") << Sets{{1}, {2}, {3}, {4, 5}} << 1.0;
  }
  void ilad_jaccard() {
    QFETCH(Sets, sets);
    QFETCH(double, expected);
    RF_CHECK_CLOSE(rf::list_ilad_jaccard(sets), expected);
  }

  void ilad_cosine_data() {
    QTest::addColumn<Scores>("embeddings");
    QTest::addColumn<qint64>("n");
    QTest::addColumn<qint64>("dim");
    QTest::addColumn<double>("expected");
    QTest::newRow("orthogonal") << Scores{1, 0, 0, 1} << qint64(2) << qint64(2) << 1.0;
    QTest::newRow("opposite") << Scores{1, 0, -3, 0} << qint64(2) << qint64(2) << 2.0;
    QTest::newRow("same direction") << Scores{1, 1, 2, 2} << qint64(2) << qint64(2) << 0.0;
    QTest::newRow("zero vector") << Scores{0, 0, 1, 0} << qint64(2) << qint64(2) << 1.0;
    QTest::newRow("two zero vectors") << Scores{0, 0, 0, 0} << qint64(2) << qint64(2) << 1.0;
    // a = (1,0), b = (0,1), c = (1,1): d(a,b) = 1, d(a,c) = d(b,c) = 1 - 1/sqrt(2) -> mean (3 - sqrt(2)) / 3.
    QTest::newRow("three vectors") << Scores{1, 0, 0, 1, 1, 1} << qint64(3) << qint64(2) << (3 - std::sqrt(2.0)) / 3;
    QTest::newRow("single") << Scores{1, 2, 3} << qint64(1) << qint64(3) << 0.0;
  }
  void ilad_cosine() {
    QFETCH(Scores, embeddings);
    QFETCH(qint64, n);
    QFETCH(qint64, dim);
    QFETCH(double, expected);
    RF_CHECK_CLOSE(rf::list_ilad_cosine(embeddings, n, dim), expected);
  }
  void ilad_cosine_rejects_short_buffer() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::list_ilad_cosine({1, 2, 3}, 2, 2));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::list_ilad_cosine({1, 2, 3, 4}, 2, 0));
  }

  void novelty_data() {
    QTest::addColumn<Ids>("ranked");
    QTest::addColumn<double>("total");
    QTest::addColumn<double>("expected");
    QTest::addColumn<double>("normalised");
    // Popularity {50, 25, 0, 100} (see novelty()).
    const double total = 200;
    const double max_info = std::log2(200.0);  // -log2(1/200)
    // -log2(50/200) = 2.
    QTest::newRow("one item") << Ids{0} << total << 2.0 << 2.0 / max_info;
    // (-log2(50/200) - log2(25/200)) / 2 = (2 + 3) / 2.
    QTest::newRow("two items") << Ids{0, 1} << total << 2.5 << 2.5 / max_info;
    // Zero popularity counts as 1: -log2(1/200) = log2(200), the maximum -> normalised 1.
    QTest::newRow("zero popularity") << Ids{2} << total << max_info << 1.0;
    // -log2(100/200) = 1.
    QTest::newRow("popular item") << Ids{3} << total << 1.0 << 1.0 / max_info;
    // The repeat earns nothing but keeps its place: (3 + 0) / 2.
    QTest::newRow("duplicate") << Ids{1, 1} << total << 1.5 << 1.5 / max_info;
    QTest::newRow("empty list") << Ids{} << total << 0.0 << 0.0;
    QTest::newRow("no interactions") << Ids{0} << 0.0 << 0.0 << 0.0;
  }
  void novelty() {
    QFETCH(Ids, ranked);
    QFETCH(double, total);
    QFETCH(double, expected);
    QFETCH(double, normalised);
    const Values popularity = {50, 25, 0, 100};
    RF_CHECK_CLOSE(rf::list_novelty(ranked, popularity, total), expected);
    RF_CHECK_CLOSE(rf::list_novelty_normalised(ranked, popularity, total), normalised);
  }
  void novelty_rejects_unknown_item() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::list_novelty({0, 4}, {1, 2, 3, 4}, 10));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::list_novelty({-1}, {1}, 10));
  }

  void coverage_and_gini_data() {
    QTest::addColumn<Sets>("lists");
    QTest::addColumn<int>("n_items");
    QTest::addColumn<double>("coverage");
    QTest::addColumn<double>("gini");
    // Gini formula: G = Σ_i (2i - n - 1) x_(i) / (n Σx), exposure counts x sorted ascending, i = 1..n.
    // Every item once: all x equal -> 0.
    QTest::newRow("all equal") << Sets{{0, 1}, {2, 3}} << 4 << 1.0 << 0.0;
    // All exposure on one item of 4: x = [0,0,0,3] -> (2*4 - 5) * 3 / (4 * 3) = 3/4 = (n-1)/n.
    QTest::newRow("one item of 4") << Sets{{2}, {2}, {2}} << 4 << 1.0 / 4 << 3.0 / 4;
    // One item of 5: (2*5 - 6) * 1 / (5 * 1) = 4/5.
    QTest::newRow("one item of 5") << Sets{{4}} << 5 << 1.0 / 5 << 4.0 / 5;
    // x = [1,2,3,0] -> sorted [0,1,2,3], Σx = 6: (-3*0 - 1*1 + 1*2 + 3*3) / (4*6) = 10/24 = 5/12
    // (same as Σ_ij |x_i - x_j| / (2 n² mean) = 20 / (2*16*1.5)).
    QTest::newRow("mixed") << Sets{{0, 1, 2}, {1, 2}, {2}} << 4 << 3.0 / 4 << 5.0 / 12;
    // Item 1 three times in one list is shown once by that list: x = [0,1] -> 1/2.
    QTest::newRow("repeat inside a list") << Sets{{1, 1, 1}} << 2 << 1.0 / 2 << 1.0 / 2;
    QTest::newRow("no lists") << Sets{} << 3 << 0.0 << 0.0;
    QTest::newRow("empty lists") << Sets{{}, {}} << 3 << 0.0 << 0.0;
    QTest::newRow("empty catalogue") << Sets{} << 0 << 0.0 << 0.0;
  }
  void coverage_and_gini() {
    QFETCH(Sets, lists);
    QFETCH(int, n_items);
    QFETCH(double, coverage);
    QFETCH(double, gini);
    RF_CHECK_CLOSE(rf::catalogue_coverage(lists, n_items), coverage);
    RF_CHECK_CLOSE(rf::exposure_gini(lists, n_items), gini);
  }
  void coverage_rejects_unknown_item() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::catalogue_coverage({{0, 5}}, 5));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::exposure_gini({{-2}}, 5));
  }

  void ratings_data() {
    QTest::addColumn<Values>("predicted");
    QTest::addColumn<Values>("truth");
    QTest::addColumn<double>("step");
    QTest::addColumn<double>("mae");
    QTest::addColumn<double>("rmse");
    QTest::addColumn<double>("exact");
    QTest::addColumn<double>("within_one");
    // Errors 0.4, 0.6, 2, 0: MAE 3/4; RMSE sqrt((0.16 + 0.36 + 4) / 4); rounded 3, 5, 2, 5 -> 2 of 4 exact;
    // within 1: 3 of 4.
    QTest::newRow("stars") << Values{3.4, 4.6, 2.0, 5.0} << Values{3, 4, 4, 5} << 1.0 << 0.75 << std::sqrt(4.52 / 4)
                           << 0.5 << 0.75;
    // Half stars: 3.3 -> 3.5, 3.7 -> 3.5, 3.74 -> 3.5, 4.8 -> 5.0: 3 of 4 exact.
    // Errors 0.2, 0.2, 0.24, 0.3 -> MAE 0.94/4; squares 0.04 + 0.04 + 0.0576 + 0.09 = 0.2276.
    QTest::newRow("half stars") << Values{3.3, 3.7, 3.74, 4.8} << Values{3.5, 3.5, 3.5, 4.5} << 0.5 << 0.94 / 4
                                << std::sqrt(0.2276 / 4) << 0.75 << 1.0;
    // 3.5 rounds away from zero to 4; an error of exactly 1 is within one; 2.9 vs 4 is not.
    QTest::newRow("half rounds up, within is inclusive") << Values{3.5, 4.0, 2.9} << Values{4, 3, 4} << 1.0
                                                         << 2.6 / 3 << std::sqrt((0.25 + 1 + 1.21) / 3) << 1.0 / 3
                                                         << 2.0 / 3;
    QTest::newRow("empty") << Values{} << Values{} << 1.0 << 0.0 << 0.0 << 0.0 << 0.0;
  }
  void ratings() {
    QFETCH(Values, predicted);
    QFETCH(Values, truth);
    QFETCH(double, step);
    QFETCH(double, mae);
    QFETCH(double, rmse);
    QFETCH(double, exact);
    QFETCH(double, within_one);
    RF_CHECK_CLOSE(rf::rating_mae(predicted, truth), mae);
    RF_CHECK_CLOSE(rf::rating_rmse(predicted, truth), rmse);
    RF_CHECK_CLOSE(rf::rating_exact_match(predicted, truth, step), exact);
    RF_CHECK_CLOSE(rf::rating_within_one(predicted, truth), within_one);
  }
  void ratings_reject_bad_input() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::rating_mae({1, 2}, {1}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::rating_rmse({1}, {}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::rating_within_one({}, {3}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::rating_exact_match({1}, {1}, 0.0));
  }

  // Hand-computed: a = {0.1, 0.4, 0.3, 0.2}, b = {0.3, 0.5, 0.6, 0.2}. Paired differences {0.2, 0.1, 0.3, 0}:
  // mean 0.15, squared deviations sum 0.05, se sqrt(0.05 / 3 / 4). Independent: means 0.25 and 0.4, squared
  // deviations 0.05 and 0.1, se sqrt(0.05 / 12 + 0.1 / 12) — the same gap is beyond twice its standard error
  // only when the users are paired.
  void mean_difference_data() {
    QTest::addColumn<Values>("a");
    QTest::addColumn<Values>("b");
    QTest::addColumn<bool>("paired");
    QTest::addColumn<double>("difference");
    QTest::addColumn<double>("se");
    QTest::addColumn<bool>("beyond");
    const Values a{0.1, 0.4, 0.3, 0.2}, b{0.3, 0.5, 0.6, 0.2};
    QTest::newRow("paired") << a << b << true << 0.15 << std::sqrt(0.05 / 12) << true;
    QTest::newRow("independent") << a << b << false << 0.15 << std::sqrt(0.15 / 12) << false;
    QTest::newRow("paired, reversed") << b << a << true << -0.15 << std::sqrt(0.05 / 12) << true;
    // The same shift for every user: no spread, so any gap is beyond it; no gap is not.
    QTest::newRow("constant shift") << Values{1, 2, 3} << Values{1.5, 2.5, 3.5} << true << 0.5 << 0.0 << true;
    QTest::newRow("no gap") << Values{1, 2} << Values{1, 2} << true << 0.0 << 0.0 << false;
  }
  void mean_difference() {
    QFETCH(Values, a);
    QFETCH(Values, b);
    QFETCH(bool, paired);
    QFETCH(double, difference);
    QFETCH(double, se);
    QFETCH(bool, beyond);
    const rf::MeanDifference d = paired ? rf::mean_difference_paired(a, b) : rf::mean_difference_independent(a, b);
    RF_CHECK_CLOSE(d.difference, difference);
    RF_CHECK_CLOSE(d.se, se);
    QCOMPARE(d.beyond(2.0), beyond);
    QCOMPARE(d.n, int64_t(std::min(a.size(), b.size())));
  }
  // One value has no spread to estimate: the standard error is NaN and nothing is beyond it.
  void mean_difference_needs_two_values() {
    QVERIFY(std::isnan(rf::mean_standard_error({0.5})));
    const rf::MeanDifference d = rf::mean_difference_paired({0.1}, {0.9});
    RF_CHECK_CLOSE(d.difference, 0.8);
    QVERIFY(std::isnan(d.se));
    QVERIFY(!d.beyond());
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::mean_difference_paired({1, 2}, {1}));
    // sqrt(var / n): {2, 4, 9}: mean 5, squared deviations 9 + 1 + 16 = 26, var 13, se sqrt(13 / 3).
    RF_CHECK_CLOSE(rf::mean_standard_error({2, 4, 9}), std::sqrt(13.0 / 3.0));
  }
};

RF_TEST_SUITE(TestMetrics);
#include "test_metrics.moc"
