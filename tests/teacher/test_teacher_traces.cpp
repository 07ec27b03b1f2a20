// Teacher traces end to end on the sample world (sample_data/: 300 items, 300 users, 1-5 stars) and the
// hand-checkable eval-mini set: every trace of every recipe passes the recipe's parser (run here
// independently), scores what its reward allows (checked against quantities recomputed here: the ItemKNN
// ranking of the pool, the data's true rating; the Query recipe's BM25 check is in test_teacher_query.cpp),
// varies in wording, and is the same for the same seed. Bad options and unusable data give rf::Error.
#include "data/importer.h"
#include "data/split.h"
#include "eval/baseline_factory.h"
#include "reward/reward_composite.h"
#include "reward/reward_presets.h"
#include "support/fixtures.h"
#include "support/suite_registry.h"
#include "support/trace_support.h"
#include "teacher/recipe_prompts.h"
#include "teacher/teacher_traces.h"
#include "text/output_parse.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

namespace {

using nlohmann::json;

using rf::test::sample_dataset;
using rf::test::trace_options;
using rf::test::traces_collect;

std::vector<std::string> required_tags(const std::string& recipe) {
  if (recipe == "rating") return {"analyze user", "analyze item", "match", "rate"};
  return {"think", "answer"};
}

// The first three words of the first tag's content.
std::string opening(const std::string& completion) {
  const size_t gt = completion.find('>', completion.find('<'));
  std::istringstream in(completion.substr(gt + 1));
  std::string w, out;
  for (int i = 0; i < 3 && in >> w; ++i) out += (i ? " " : "") + w;
  return out;
}

}  // namespace

class TestTeacherTraces : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void every_trace_parses_data() {
    QTest::addColumn<QString>("recipe");
    QTest::addColumn<QString>("preset");
    QTest::newRow("list") << "list"
                          << "";
    QTest::newRow("query (history)") << "query"
                                     << "query";
    QTest::newRow("query (rewrite: the sample users have profiles)") << "query"
                                                                     << "";
    QTest::newRow("rating") << "rating"
                            << "";
  }
  void every_trace_parses() {
    QFETCH(QString, recipe);
    QFETCH(QString, preset);
    rf::TraceSummary s;
    const auto traces = traces_collect(sample_dataset(), trace_options(recipe.toStdString(), 50, 1, preset.toStdString()), &s);
    QCOMPARE(traces.size(), size_t{50});
    QCOMPARE(s.written, int64_t{50});
    QCOMPARE(s.parse_ok, int64_t{50});
    std::set<std::string> users, openings;
    rf::ListCatalogue cat;
    for (const auto& it : sample_dataset().items) {
      cat.ids.push_back(it.id);
      cat.titles.push_back(it.title);
    }
    const rf::ListMatcher matcher(cat);
    for (const auto& t : traces) {
      const std::string c = t["completion"];
      QCOMPARE(t["recipe"].get<std::string>(), recipe.toStdString());
      QVERIFY(users.insert(t["user"].get<std::string>()).second);  // one trace per user
      QVERIFY2(t["parse_ok"].get<bool>(), c.c_str());
      QVERIFY2(!t["prompt"].get<std::string>().empty(), c.c_str());
      // The recipe's parser, run here: tags in order, and the answer in the recipe's shape.
      const rf::TagCheck tags = rf::output_check_tags(c, required_tags(recipe.toStdString()));
      QVERIFY2(tags.ok, c.c_str());
      if (recipe == "list") {
        std::vector<int32_t> pool;
        for (const auto& id : t["candidates"]) pool.push_back(sample_dataset().item_find(id));
        const rf::ListAnswer la = rf::output_parse_list(tags.tags[1].content, matcher, pool, t["k"].get<int>());
        QVERIFY2(la.ok && la.problems.empty(), c.c_str());
        QVERIFY(c.rfind("<think>", 0) == 0);
      } else if (recipe == "query") {
        const rf::QueryAnswer q = rf::output_parse_query(tags.tags[1].content);
        QVERIFY2(q.ok && q.problems.empty(), c.c_str());
        QCOMPARE(q.query, t["answer"].get<std::string>());
        QVERIFY(c.rfind("Let me solve this step by step.\n<think>\n", 0) == 0);  // the preset's prefill starts it
        QCOMPARE(t["preset"].get<std::string>(), preset.isEmpty() ? std::string("query_rewrite") : preset.toStdString());
      } else {
        const rf::RatingAnswer r = rf::output_parse_rating(tags.tags[3].content, 1, 5);
        QVERIFY2(r.ok && r.problems.empty(), c.c_str());
      }
      openings.insert(opening(c));
    }
    // Wording varies: at least 5 different openings over 50 traces (each writer has 5+ openings).
    QVERIFY2(openings.size() >= 5, qPrintable(QString("only %1 distinct openings").arg(openings.size())));
    QCOMPARE(s.distinct_openings, static_cast<int64_t>(openings.size()));
    QVERIFY(s.distinct_first_sentences > 0.5);
  }

  void list_answer_is_the_itemknn_ranking() {
    const rf::Dataset& ds = sample_dataset();
    const auto traces = traces_collect(ds, trace_options("list", 40, 2));
    // ItemKNN fitted here on the same split, scoring the history before each trace's target.
    const rf::Split split = rf::split_leave_last_out(ds);
    auto knn = rf::recommender_create("itemknn");
    rf::FitData fd;
    fd.ds = &ds;
    fd.split = &split;
    fd.seed = 2;
    knn->fit(fd);
    std::vector<int64_t> train_pop(ds.items.size(), 0);
    for (const auto& u : split.users)
      for (int32_t i : u.train) ++train_pop[static_cast<size_t>(i)];
    const auto seqs = rf::dataset_user_item_sequences(ds);
    rf::RewardComposite reward(rf::reward_preset("recllm-r1"));
    const auto ctx = rf::reward_context_build(ds);
    double teacher_sum = 0, worst_sum = 0;
    for (const auto& t : traces) {
      const int32_t u = ds.user_find(t["user"]);
      const auto pos = t["position"].get<size_t>() - 1;
      const auto& seq = seqs[static_cast<size_t>(u)];
      QCOMPARE(pos, split.users[static_cast<size_t>(u)].train.size() - 1);  // the last training interaction
      QCOMPARE(ds.items[static_cast<size_t>(seq[pos])].id, t["target"].get<std::string>());
      std::vector<std::vector<float>> scores;
      knn->score({u}, {std::vector<int32_t>(seq.begin(), seq.begin() + static_cast<long>(pos))}, scores);
      std::vector<int32_t> pool;
      for (const auto& id : t["candidates"]) pool.push_back(ds.item_find(id));
      std::vector<int32_t> order = pool;
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        const float sa = scores[0][static_cast<size_t>(a)], sb = scores[0][static_cast<size_t>(b)];
        return sa != sb ? sa > sb : train_pop[static_cast<size_t>(a)] > train_pop[static_cast<size_t>(b)];
      });
      const int k = t["k"];
      QCOMPARE(k, 10);
      QCOMPARE(pool.size(), size_t{20});
      json want = json::array();
      for (int i = 0; i < k; ++i) want.push_back(ds.items[static_cast<size_t>(order[static_cast<size_t>(i)])].id);
      QCOMPARE(t["answer"], want);
      // Format and validity are at their best; the rest depends on where the target landed.
      QCOMPARE(t["rewards"]["format"].get<double>(), 0.1);
      QCOMPARE(t["rewards"]["validity"].get<double>(), 0.0);
      teacher_sum += t["reward"].get<double>();
      // The same pool's bottom 10 as a foil.
      std::string worst = "<think>x</think><answer>[";
      for (int i = 0; i < k; ++i)
        worst += (i ? ", " : "") + ds.items[static_cast<size_t>(order[order.size() - 1 - static_cast<size_t>(i)])].id;
      rf::RewardInput in;
      in.completion = worst + "]</answer>";
      in.targets = {seq[pos]};
      in.pool = pool;
      in.k = k;
      in.context = ctx.get();
      worst_sum += reward.score(in).total;
    }
    QVERIFY2(teacher_sum > worst_sum + 0.1 * static_cast<double>(traces.size()),
             qPrintable(QString("teacher %1 vs bottom-ranked %2").arg(teacher_sum).arg(worst_sum)));
  }

  void rating_leads_to_the_true_rating() {
    const rf::Dataset& ds = sample_dataset();
    rf::TraceSummary s;
    const auto traces = traces_collect(ds, trace_options("rating", 50, 3), &s);
    const auto hist = rf::dataset_user_histories(ds);
    for (const auto& t : traces) {
      const int32_t u = ds.user_find(t["user"]);
      const auto pos = t["position"].get<size_t>() - 1;
      const double truth = ds.interactions[static_cast<size_t>(hist[static_cast<size_t>(u)][pos])].rating;
      QCOMPARE(t["true_rating"].get<double>(), truth);
      QCOMPARE(t["answer"].get<double>(), truth);
      // RecZero: format +1 and accuracy 1 - |0| / 2 = 1: the highest total the preset can give.
      QCOMPARE(t["rewards"]["format"].get<double>(), 1.0);
      QCOMPARE(t["rewards"]["rating"].get<double>(), 1.0);
      QCOMPARE(t["reward"].get<double>(), 2.0);
    }
    QCOMPARE(s.mean_reward, 2.0);
    QCOMPARE(s.min_reward, 2.0);
  }

  // Stated plans (TraceOptions::broad_percent): about that share of broad plans; a focused trace is the
  // plain trace with its plan sentence added after the opening; a broad one keeps the recommender's first
  // pick and is clearly more varied (ILAD over categories, recomputed here from the items) at some cost in
  // NDCG (the plain trace's reward terms are the reference).
  void list_plans_focused_and_broad() {
    const rf::Dataset& ds = sample_dataset();
    const auto plain = traces_collect(ds, trace_options("list", 80, 4));
    rf::TraceOptions o = trace_options("list", 80, 4);
    o.broad_percent = 50;
    const auto planned = traces_collect(ds, o);
    QCOMPARE(planned.size(), plain.size());
    auto ilad = [&](const json& ids) {
      std::vector<std::set<std::string>> cats;
      for (const auto& id : ids) {
        const auto& c = ds.items[static_cast<size_t>(ds.item_find(id))].categories;
        cats.emplace_back(c.begin(), c.end());
      }
      double sum = 0;
      int pairs = 0;
      for (size_t a = 0; a < cats.size(); ++a)
        for (size_t b = a + 1; b < cats.size(); ++b, ++pairs) {
          std::vector<std::string> common, all;
          std::set_intersection(cats[a].begin(), cats[a].end(), cats[b].begin(), cats[b].end(), std::back_inserter(common));
          std::set_union(cats[a].begin(), cats[a].end(), cats[b].begin(), cats[b].end(), std::back_inserter(all));
          sum += all.empty() ? 1.0 : 1.0 - static_cast<double>(common.size()) / static_cast<double>(all.size());
        }
      return sum / pairs;
    };
    int broad = 0;
    double ilad_broad = 0, ilad_plain = 0, ndcg_broad = 0, ndcg_plain = 0;
    for (size_t i = 0; i < plain.size(); ++i) {
      const json& p = plain[i];
      const json& t = planned[i];
      QCOMPARE(t["user"], p["user"]);
      QCOMPARE(t["candidates"], p["candidates"]);
      QCOMPARE(p["plan"], json("unstated"));
      const std::string c = t["completion"], pc = p["completion"];
      QVERIFY2(t["parse_ok"].get<bool>(), c.c_str());
      const size_t cut = pc.find(". ") + 2;  // after the opening sentence
      QVERIFY2(c.compare(0, cut, pc, 0, cut) == 0, c.c_str());
      const std::string after = c.substr(cut);
      if (t["plan"] == "focused") {
        QCOMPARE(t["answer"], p["answer"]);
        QVERIFY2(after.rfind("I keep", 0) == 0 || after.rfind("I stay", 0) == 0, c.c_str());
        QCOMPARE(after.substr(after.find(". ") + 2), pc.substr(cut));
      } else {
        QCOMPARE(t["plan"], json("broad"));
        ++broad;
        QVERIFY2(after.rfind("I mix", 0) == 0 || after.rfind("I widen", 0) == 0, c.c_str());
        QCOMPARE(t["answer"].size(), size_t{10});
        QCOMPARE(t["answer"][0], p["answer"][0]);
        std::set<std::string> pool(t["candidates"].begin(), t["candidates"].end()), seen;
        for (const auto& id : t["answer"]) {
          QVERIFY(pool.count(id.get<std::string>()));
          QVERIFY(seen.insert(id.get<std::string>()).second);
        }
        QCOMPARE(t["rewards"]["diversity"].get<double>(), ilad(t["answer"]));
        ilad_broad += ilad(t["answer"]);
        ilad_plain += ilad(p["answer"]);
        ndcg_broad += t["rewards"]["ndcg"].get<double>();
        ndcg_plain += p["rewards"]["ndcg"].get<double>();
      }
    }
    QVERIFY2(broad >= 24 && broad <= 56, qPrintable(QString("%1 broad plans of 80 at 50%").arg(broad)));
    ilad_broad /= broad, ilad_plain /= broad, ndcg_broad /= broad, ndcg_plain /= broad;
    QVERIFY2(ilad_broad > ilad_plain + 0.04, qPrintable(QString("ILAD broad %1 vs plain %2").arg(ilad_broad).arg(ilad_plain)));
    QVERIFY2(ndcg_broad < ndcg_plain, qPrintable(QString("NDCG broad %1 vs plain %2").arg(ndcg_broad).arg(ndcg_plain)));
  }

  // SFT learns on the traces and GRPO and the evaluation show recipe_prompts_build's prompts: for the same
  // seed and options they are the same users, held-out items, pools and words, character for character.
  void traces_are_the_trainers_prompts_data() {
    QTest::addColumn<QString>("recipe");
    QTest::addColumn<int>("pool");
    QTest::newRow("list") << "list" << 0;
    QTest::newRow("list, pools of 12") << "list" << 12;
    QTest::newRow("query") << "query" << 0;
    QTest::newRow("rating") << "rating" << 0;
  }

  void traces_are_the_trainers_prompts() {
    QFETCH(QString, recipe);
    QFETCH(int, pool);
    rf::TraceOptions to = trace_options(recipe.toStdString(), 25, 13);
    to.candidates = pool;
    to.history_limit = 15;
    const std::vector<json> traces = traces_collect(sample_dataset(), to);
    rf::RecipePromptOptions po;
    po.recipe = to.recipe;
    po.holdout = "train";
    po.users = 25;
    po.seed = 13;
    po.pool_size = pool;
    po.history_limit = 15;
    const std::vector<rf::RecipePrompt> prompts = rf::recipe_prompts_build(sample_dataset(), rf::split_leave_last_out(sample_dataset()), po);
    QCOMPARE(traces.size(), prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
      const rf::RecipePrompt& p = prompts[i];
      const json& t = traces[i];
      QCOMPARE(t["user"].get<std::string>(), sample_dataset().users[static_cast<size_t>(p.user)].id);
      QCOMPARE(t["position"].get<int64_t>(), p.position + 1);
      QCOMPARE(t["target"].get<std::string>(), sample_dataset().items[static_cast<size_t>(p.target)].id);
      QCOMPARE(t["prompt"].get<std::string>(), p.prompt);
      QCOMPARE(t["system"].get<std::string>(), p.system);
      QCOMPARE(t["prefill"].get<std::string>(), p.prefill);
      if (recipe == "list") {
        std::vector<std::string> ids;
        for (int32_t item : p.pool) ids.push_back(sample_dataset().items[static_cast<size_t>(item)].id);
        QCOMPARE(t["candidates"].get<std::vector<std::string>>(), ids);
        QCOMPARE(static_cast<int>(ids.size()), pool > 0 ? pool : 20);
      }
    }
  }

  void same_seed_same_traces() {
    for (const std::string recipe : {"list", "query", "rating"}) {
      const auto a = traces_collect(sample_dataset(), trace_options(recipe, 30, 9));
      const auto b = traces_collect(sample_dataset(), trace_options(recipe, 30, 9));
      QCOMPARE(json(a).dump(), json(b).dump());
      const auto c = traces_collect(sample_dataset(), trace_options(recipe, 30, 10));
      QVERIFY(json(a).dump() != json(c).dump());
    }
    // A user's trace does not depend on which other users were drawn: all users vs a sample of them.
    const auto all = traces_collect(sample_dataset(), trace_options("rating", 0, 5));
    const auto some = traces_collect(sample_dataset(), trace_options("rating", 20, 5));
    QVERIFY(all.size() > some.size());
    for (const auto& t : some) {
      const auto it = std::find_if(all.begin(), all.end(), [&](const json& x) { return x["user"] == t["user"]; });
      QVERIFY(it != all.end());
      QCOMPARE((*it)["completion"], t["completion"]);
    }
  }

  void hand_checked_mini() {
    // eval-mini: u1 A 5, B 4, C 3, D 2 (train A, B): the trace is about B with A as the history; u4 (B 5, F 4)
    // keeps both in train: about F with B as history.
    rf::ImportOptions io;
    io.format = "generic";
    const rf::Dataset ds = rf::data_import(rf::test::fixture_path("data/eval-mini"), io);
    const auto traces = traces_collect(ds, trace_options("rating", 0, 0));
    std::map<std::string, json> by_user;
    for (const auto& t : traces) by_user[t["user"]] = t;
    QCOMPARE(by_user["u1"]["target"].get<std::string>(), std::string("B"));
    QCOMPARE(by_user["u1"]["answer"].get<double>(), 4.0);
    QVERIFY(by_user["u1"]["prompt"].get<std::string>().find("1. Item A [x]: 5.0\n") != std::string::npos);
    QCOMPARE(by_user["u4"]["target"].get<std::string>(), std::string("F"));
    QCOMPARE(by_user["u4"]["answer"].get<double>(), 4.0);
    // The test holdout is the last interaction, as `recforge-cli prompt` holds out.
    rf::TraceOptions o = trace_options("rating", 0, 0);
    o.holdout = "test";
    for (const auto& t : traces_collect(ds, o))
      if (t["user"] == "u1") QCOMPARE(t["target"].get<std::string>(), std::string("D"));
  }

  void sasrec_teacher() {
    rf::TraceOptions o = trace_options("list", 5, 1);
    o.teacher = "sasrec";
    o.teacher_params = {{"epochs", 1}, {"eval_every", 0}, {"hidden", 16}};
    const auto traces = traces_collect(sample_dataset(), o);
    QCOMPARE(traces.size(), size_t{5});
    for (const auto& t : traces) {
      QCOMPARE(t["teacher"].get<std::string>(), std::string("sasrec"));
      QVERIFY(t["parse_ok"].get<bool>());
      QCOMPARE(t["answer"].size(), size_t{10});
    }
  }

  void bad_input_data() {
    QTest::addColumn<QString>("recipe");
    QTest::addColumn<QString>("teacher");
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("holdout");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown recipe") << "ranking"
                                    << "itemknn"
                                    << ""
                                    << "train"
                                    << "must be list, query or rating, not 'ranking'";
    QTest::newRow("unknown teacher") << "list"
                                     << "oracle"
                                     << ""
                                     << "train"
                                     << "oracle";
    QTest::newRow("unknown preset") << "list"
                                    << "itemknn"
                                    << "nope"
                                    << "train"
                                    << "no preset named 'nope'";
    QTest::newRow("preset of another recipe") << "list"
                                              << "itemknn"
                                              << "rating"
                                              << "train"
                                              << "preset 'rating' is for the rating recipe";
    QTest::newRow("unknown holdout") << "list"
                                     << "itemknn"
                                     << ""
                                     << "later"
                                     << "train, valid or test, not 'later'";
    QTest::newRow("broad share over 100") << "list"
                                          << "itemknn"
                                          << ""
                                          << "broad:101"
                                          << "share of broad plans must be 0..100";
    QTest::newRow("broad plans for ratings") << "rating"
                                             << "itemknn"
                                             << ""
                                             << "broad:50"
                                             << "offline List teacher only (not with --recipe rating)";
    QTest::newRow("pool larger than the catalogue") << "list"
                                                    << "itemknn"
                                                    << ""
                                                    << "pool:301"
                                                    << "traces: the pool size must be 1..300";
    QTest::newRow("k larger than the pool") << "list"
                                            << "itemknn"
                                            << ""
                                            << "k:21"
                                            << "traces: k: must be 1..the pool size (20), found 21";
    QTest::newRow("broad lambda over 1") << "list"
                                         << "itemknn"
                                         << ""
                                         << "lambda:1.5"
                                         << "broad plan's lambda must be in [0, 1]";
  }
  void bad_input() {
    QFETCH(QString, recipe);
    QFETCH(QString, teacher);
    QFETCH(QString, preset);
    QFETCH(QString, holdout);
    QFETCH(QString, message);
    rf::TraceOptions o = trace_options(recipe.toStdString(), 5, 0, preset.toStdString());
    o.teacher = teacher.toStdString();
    o.holdout = holdout.toStdString();
    // "broad:N", "lambda:L", "pool:N" and "k:K" rows keep the held-out default and set that option instead.
    if (holdout.startsWith("broad:")) o.broad_percent = holdout.mid(6).toInt(), o.holdout = "train";
    if (holdout.startsWith("lambda:")) o.broad_lambda = holdout.mid(7).toDouble(), o.broad_percent = 50, o.holdout = "train";
    if (holdout.startsWith("pool:")) o.candidates = holdout.mid(5).toInt(), o.holdout = "train";
    if (holdout.startsWith("k:")) o.k = holdout.mid(2).toInt(), o.holdout = "train";
    try {
      traces_collect(sample_dataset(), o);
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains(message), e.what());
    }
  }

  void rating_needs_ratings() {
    rf::Dataset ds;
    ds.name = "unrated";
    for (const char* id : {"a", "b", "c", "d"}) {
      rf::Item it;
      it.id = id;
      it.title = std::string("Item ") + id;
      rf::dataset_add_item(ds, it);
    }
    const int32_t u = rf::dataset_user_get_or_add(ds, "u");
    for (int32_t i = 0; i < 4; ++i) ds.interactions.push_back(rf::Interaction{u, i, i, NAN, "", ""});
    try {
      traces_collect(ds, trace_options("rating", 0, 0));
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains("needs rated interactions; dataset 'unrated' has no ratings"), e.what());
    }
    // The list recipe works on it (a pool of 4 = everything but... too few unseen items: a clear error).
    try {
      traces_collect(ds, trace_options("list", 0, 0));
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(!QString(e.what()).isEmpty(), e.what());
    }
  }
};

RF_TEST_SUITE(TestTeacherTraces);
#include "test_teacher_traces.moc"
