// The Query recipe's teacher (core/teacher/teacher_query.h): the title words it builds queries from, and on
// the sample world that every trace's query, read back with the retriever's own JSON extractor and run
// through BM25 here, retrieves its target at the rank the trace records, with Rec-R1's reward (+0.1 format
// once something relevant is retrieved, plus NDCG@1000). Kept apart from the output-parser suites because
// core/retrieval and core/text each declare an rf::QueryAnswer.
#include "data/importer.h"
#include "data/split.h"
#include "engine/run_eval.h"
#include "reward/reward_context.h"
#include "retrieval/bm25_index.h"
#include "retrieval/retrieval_reward.h"
#include "support/fixtures.h"
#include "support/suite_registry.h"
#include "support/trace_support.h"
#include "teacher/recipe_prompts.h"
#include "teacher/teacher_query.h"
#include "teacher/teacher_traces.h"

#include <QtTest/QtTest>

#include <map>
#include <set>

namespace {

using nlohmann::json;

using rf::test::sample_dataset;
using rf::test::trace_options;
using rf::test::traces_collect;

}  // namespace

class TestTeacherQuery : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void query_title_words_data() {
    QTest::addColumn<QString>("title");
    QTest::addColumn<QStringList>("words");
    QTest::newRow("stop words dropped") << "The Fleet of the Void" << QStringList{"Fleet", "Void"};
    QTest::newRow("punctuation") << "Rose Lip-Balm, 10g (2-pack)" << QStringList{"Rose", "Lip", "Balm", "10g", "pack"};
    QTest::newRow("duplicates, any case") << "Jazz jazz JAZZ Nights" << QStringList{"Jazz", "Nights"};
    QTest::newRow("empty") << "" << QStringList{};
  }
  void query_title_words() {
    QFETCH(QString, title);
    QFETCH(QStringList, words);
    QStringList got;
    for (const auto& w : rf::query_title_words(title.toStdString())) got << QString::fromStdString(w);
    QCOMPARE(got, words);
  }

  void query_retrieves_the_target() {
    const rf::Dataset& ds = sample_dataset();
    rf::TraceSummary s;
    const auto traces = traces_collect(ds, trace_options("query", 50, 4, "query"), &s);
    rf::Bm25Index index = rf::bm25_index_build(ds);
    double ndcg_sum = 0;
    for (const auto& t : traces) {
      const int32_t target = ds.item_find(t["target"]);
      // The answer block read by the retrieval side's own extractor (core/retrieval/query_parse.h).
      const std::string c = t["completion"];
      const size_t open = c.rfind("<answer>"), close = c.rfind("</answer>");
      QVERIFY(open != std::string::npos && close > open);
      const rf::QueryAnswer extracted = rf::query_answer_extract(c.substr(open + 8, close - open - 8));
      QVERIFY2(extracted.ok, extracted.reason.c_str());
      QCOMPARE(extracted.query, t["answer"].get<std::string>());
      const rf::RetrievalReward r =
          rf::retrieval_reward(index, t["answer"].get<std::string>(), rf::retrieval_binary_gains({target}));
      QVERIFY2(r.best_rank >= 1, t["completion"].get<std::string>().c_str());
      QCOMPARE(t["target_rank"].get<int>(), r.best_rank);
      // Rec-R1: +0.1 for the format once the target is retrieved, plus NDCG@1000.
      QCOMPARE(t["rewards"]["format"].get<double>(), 0.1);
      QVERIFY(std::abs(t["reward"].get<double>() - (0.1 + r.value)) < 1e-9);
      ndcg_sum += r.value;
    }
    // Built from the target's own title words, the query puts it first or nearly: NDCG 1 at rank 1, 0.63 at rank 2.
    QVERIFY2(ndcg_sum / static_cast<double>(traces.size()) >= 0.6, qPrintable(QString::number(ndcg_sum / traces.size())));
  }

  void esci_rewrite_keeps_the_shopper_query() {
    // ESCI: each query is a user (profile = the query) whose judged products are its interactions. The
    // query_rewrite preset needs no history; the reward is NDCG@1000 with graded gains E 1, S 0.1, C 0.01.
    rf::ImportOptions io;
    io.format = "esci";
    const rf::Dataset ds = rf::data_import(rf::test::fixture_path("data/esci-sample"), io);
    rf::TraceSummary s;
    const auto traces = traces_collect(ds, trace_options("query", 20, 2), &s);
    QVERIFY(!traces.empty());
    QCOMPARE(s.parse_ok, s.written);
    rf::Bm25Index index = rf::bm25_index_build(ds);
    const auto hist = rf::dataset_user_histories(ds);
    for (const auto& t : traces) {
      QCOMPARE(t["preset"].get<std::string>(), std::string("query_rewrite"));
      const int32_t u = ds.user_find(t["user"]);
      const std::string shopper = ds.users[static_cast<size_t>(u)].profile;
      QVERIFY2(t["answer"].get<std::string>().rfind(shopper, 0) == 0, t["completion"].get<std::string>().c_str());
      std::map<int32_t, double> gains;
      for (int32_t x : hist[static_cast<size_t>(u)]) {
        const rf::Interaction& in = ds.interactions[static_cast<size_t>(x)];
        const double g = rf::retrieval_esci_gain(in.label);
        if (g > 0) gains[in.item] = std::max(gains[in.item], g);
      }
      if (gains.empty()) continue;
      const rf::RetrievalReward r = rf::retrieval_reward(index, t["answer"].get<std::string>(), gains);
      QVERIFY(std::abs(t["rewards"]["retrieval"].get<double>() - r.value) < 1e-9);
      QVERIFY2(r.value > 0, t["completion"].get<std::string>().c_str());
    }
  }

  // ESCI queries have one judged product each: no leave-last-out split, so each query is held out whole.
  // Train, valid and test prompts then cover disjoint queries, all of them, in about 70 / 10 / 20.
  void esci_queries_are_held_out_whole() {
    rf::ImportOptions io;
    io.format = "esci";
    const rf::Dataset ds = rf::data_import(rf::test::fixture_path("data/esci-sample"), io);
    const rf::Split split = rf::split_leave_last_out(ds);
    std::map<std::string, size_t> sizes;
    std::set<int32_t> seen;
    for (const char* part : {"train", "valid", "test"}) {
      rf::RecipePromptOptions o;
      o.recipe = "query";
      o.preset = "query_rewrite";
      o.holdout = part;
      const auto prompts = rf::recipe_prompts_build(ds, split, o);
      sizes[part] = prompts.size();
      for (const auto& p : prompts) {
        QVERIFY2(seen.insert(p.user).second, "a query in two parts");
        QCOMPARE(rf::recipe_whole_user_part(ds.users[static_cast<size_t>(p.user)].id), std::string(part));
        QCOMPARE(p.targets.size(), size_t(1));
      }
    }
    QCOMPARE(seen.size(), ds.users.size());
    const double n = static_cast<double>(ds.users.size());
    QVERIFY2(sizes["train"] > 0.55 * n && sizes["test"] > 0.1 * n && sizes["valid"] > 0.03 * n,
             qPrintable(QString("%1 / %2 / %3").arg(sizes["train"]).arg(sizes["valid"]).arg(sizes["test"])));
  }

  // The Query recipe's baselines on the held-out ESCI queries: the shopper's own query through BM25 finds
  // its exact product near the top (this sample has one product per query), and there is no history to
  // take a last title from, so that baseline is left out.
  void esci_query_baselines() {
    rf::ImportOptions io;
    io.format = "esci";
    const rf::Dataset ds = rf::data_import(rf::test::fixture_path("data/esci-sample"), io);
    const rf::Split split = rf::split_leave_last_out(ds);
    rf::RecipePromptOptions o;
    o.recipe = "query";
    o.preset = "query_rewrite";
    o.holdout = "test";
    const auto prompts = rf::recipe_prompts_build(ds, split, o);
    rf::Bm25Index index = rf::bm25_index_build(ds);
    auto context = rf::reward_context_build(ds);
    context->retriever = &index;
    const auto b = rf::run_eval_query_baselines(ds, *context, prompts);
    QCOMPARE(b.size(), size_t(1));
    QCOMPARE(b[0].first, std::string("raw-query"));
    const double ndcg = rf::run_metric(b[0].second, "ndcg");
    QVERIFY2(ndcg > 0.3 && ndcg <= 1.0, qPrintable(QString::number(ndcg)));
  }
};

RF_TEST_SUITE(TestTeacherQuery);
#include "test_teacher_query.moc"
