// Tests for the Query recipe's reward: NDCG@k of the target(s) in a ranking, binary and ESCI-graded,
// against values computed by hand (linear gains, gain / log2(rank + 1), ideal DCG from the targets), with
// the explanations, and end to end through the BM25 index on a hand-built corpus.
#include "retrieval/retrieval_reward.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtTest/QtTest>

using Gains = std::map<int32_t, double>;
using Ranking = std::vector<int32_t>;
Q_DECLARE_METATYPE(Gains)
Q_DECLARE_METATYPE(Ranking)

class TestRetrievalReward : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void ndcg_data() {
    QTest::addColumn<Ranking>("ranking");
    QTest::addColumn<Gains>("gains");
    QTest::addColumn<int>("k");
    QTest::addColumn<double>("expected");
    QTest::addColumn<int>("best_rank");
    QTest::addColumn<QString>("explanation");
    const Gains one = rf::retrieval_binary_gains({7});
    QTest::newRow("rank 1") << Ranking{7, 1, 2} << one << 10 << 1.0 << 1 << "target at rank 1 of 3 retrieved";
    QTest::newRow("rank 2: 1/log2(3)") << Ranking{1, 7, 2} << one << 10 << 0.630929753571458 << 2 << "target at rank 2 of 3 retrieved";
    QTest::newRow("rank 3: 1/log2(4) = 0.5") << Ranking{1, 2, 7, 3, 4} << one << 1000 << 0.5 << 3 << "target at rank 3 of 5 retrieved";
    QTest::newRow("not retrieved") << Ranking{1, 2, 3, 4, 5} << one << 10 << 0.0 << 0 << "target not among the 5 retrieved";
    QTest::newRow("nothing retrieved") << Ranking{} << one << 10 << 0.0 << 0 << "target not among the 0 retrieved";
    QTest::newRow("beyond the cut-off") << Ranking{1, 2, 7} << one << 2 << 0.0 << 3 << "target at rank 3 of 3 retrieved, none in the top 2";
    QTest::newRow("two targets at 1 and 3") << Ranking{7, 1, 8, 2} << rf::retrieval_binary_gains({7, 8}) << 10 << 0.919720789148188 << 1
                                            << "2 of 2 targets retrieved (ranks 1, 3) of 4 retrieved";
    QTest::newRow("ideal DCG cut at k") << Ranking{7, 1, 8, 9} << rf::retrieval_binary_gains({7, 8, 9}) << 2 << 0.613147192765458 << 1
                                        << "3 of 3 targets retrieved (ranks 1, 3, 4) of 4 retrieved";
    QTest::newRow("a duplicate counts once") << Ranking{1, 7, 7} << one << 10 << 0.630929753571458 << 2 << "target at rank 2 of 3 retrieved";
    // ESCI gains (E 1, S 0.1, C 0.01, I 0): ranking S, E, I, C.
    const Gains esci = {{10, rf::retrieval_esci_gain("S")}, {11, rf::retrieval_esci_gain("E")},
                        {12, rf::retrieval_esci_gain("I")}, {13, rf::retrieval_esci_gain("C")}};
    QTest::newRow("ESCI graded") << Ranking{10, 11, 12, 13} << esci << 10 << 0.688363781164599 << 1
                                 << "3 of 3 targets retrieved (ranks 1, 2, 4) of 4 retrieved";
    QTest::newRow("only irrelevant labels") << Ranking{12} << Gains{{12, 0.0}} << 10 << 0.0 << 0 << "no relevant target (every gain is 0)";
  }
  void ndcg() {
    QFETCH(Ranking, ranking);
    QFETCH(Gains, gains);
    QFETCH(int, k);
    QFETCH(double, expected);
    QFETCH(int, best_rank);
    QFETCH(QString, explanation);
    const rf::RetrievalReward r = rf::retrieval_ndcg(ranking, gains, k);
    QVERIFY2(std::abs(r.value - expected) <= 1e-12, qPrintable(QString::number(r.value, 'g', 17)));
    QCOMPARE(r.best_rank, best_rank);
    QCOMPARE(r.retrieved, static_cast<int>(ranking.size()));
    QCOMPARE(QString::fromStdString(r.explanation), explanation);
  }

  void esci_labels() {
    QCOMPARE(rf::retrieval_esci_gain("E"), 1.0);
    QCOMPARE(rf::retrieval_esci_gain("exact"), 1.0);
    QCOMPARE(rf::retrieval_esci_gain("s"), 0.1);
    QCOMPARE(rf::retrieval_esci_gain("Complement"), 0.01);
    QCOMPARE(rf::retrieval_esci_gain("I"), 0.0);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::retrieval_esci_gain("X"));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::retrieval_ndcg(Ranking{1}, Gains{{1, 1.0}}, 0));
  }

  // BM25 on the same corpus as test_bm25: "red" ranks docs 5, 1, 0 (tf 3 first, then the shorter one).
  void reward_through_the_retriever() {
    rf::Bm25Index index = rf::bm25_index_build(std::vector<std::pair<int32_t, std::string>>{
        {0, "red lipstick matte finish new"},
        {1, "red nail polish new"},
        {2, "matte lipstick long lasting lipstick new"},
        {3, "blue nail polish glitter new"},
        {4, "lip balm shea butter"},
        {5, "red red red lipstick"},
        {6, "hair shampoo dry hair"},
        {7, "night cream dry skin"},
        {8, "blue nail polish glitter new"}});
    rf::RetrievalReward r = rf::retrieval_reward(index, "red", rf::retrieval_binary_gains({1}));
    QVERIFY(std::abs(r.value - 0.630929753571458) <= 1e-12);
    QCOMPARE(r.explanation, std::string("target at rank 2 of 3 retrieved"));

    r = rf::retrieval_reward(index, "red NOT lipstick", rf::retrieval_binary_gains({1}));
    QCOMPARE(r.value, 1.0);

    rf::RetrievalRewardOptions shallow;
    shallow.depth = 1;
    r = rf::retrieval_reward(index, "red", rf::retrieval_binary_gains({1}), shallow);
    QCOMPARE(r.value, 0.0);
    QCOMPARE(r.explanation, std::string("target not among the 1 retrieved"));

    r = rf::retrieval_reward(index, "the AND 💄", rf::retrieval_binary_gains({1}));
    QCOMPARE(r.value, 0.0);
    QVERIFY2(r.explanation.rfind("query has no searchable words", 0) == 0, r.explanation.c_str());

    rf::RetrievalRewardOptions bad;
    bad.k = 0;
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::retrieval_reward(index, "red", rf::retrieval_binary_gains({1}), bad));
  }
};

RF_TEST_SUITE(TestRetrievalReward);
#include "test_retrieval_reward.moc"
