// `recforge-cli data ...` and `bench import` driven through QProcess as a user would: import a small
// fixture into a new project, list it, print stats (JSON fields checked against hand-computed values)
// and a user's history, and fail with exit code 1, a message naming file/line/field, and the project
// left as it was.
#include "support/fixtures.h"
#include "support/cli_process.h"
#include "support/suite_registry.h"

#include <QtCore/QProcess>
#include <QtTest/QtTest>

#include <fstream>

using rf::test::fixture_path;

namespace {

using rf::test::CliRun;

CliRun cli(const QStringList& args) { return rf::test::cli_run(args); }

nlohmann::json json_of(const CliRun& r) { return nlohmann::json::parse(r.out.toStdString()); }

QString fx(const char* rel) { return QString::fromStdString(fixture_path(rel)); }

}  // namespace

class TestDataCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void import_list_stats_show() {
    QTemporaryDir dir;
    const QString project = dir.filePath("proj");  // does not exist yet: import creates it
    CliRun r = cli({"data", "import", "--project", project, "--path", fx("data/generic-mini"), "--json"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    nlohmann::json j = json_of(r);
    QCOMPARE(j["name"].get<std::string>(), std::string("generic-mini"));
    QCOMPARE(j["format"].get<std::string>(), std::string("generic"));
    QCOMPARE(j["items"].get<int>(), 4);
    QCOMPARE(j["users"].get<int>(), 3);
    QCOMPARE(j["interactions"].get<int>(), 4);

    r = cli({"data", "import", "--project", project, "--path", fx("data/movielens-100k-mini"), "--name", "ml"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.contains("imported 'ml' (movielens-100k)") && r.out.contains("interactions  6"), r.out.constData());

    r = cli({"data", "list", "--project", project, "--json"});
    QCOMPARE(r.exit_code, 0);
    j = json_of(r);
    QCOMPARE(j.size(), size_t(2));
    QCOMPARE(j[0]["name"].get<std::string>(), std::string("generic-mini"));
    QCOMPARE(j[1]["name"].get<std::string>(), std::string("ml"));
    QCOMPARE(j[1]["interactions"].get<int>(), 6);

    // generic-mini: histories alice 2, bob 2, carol 0; items m1 2, m2 1, m3 1, "4" 0; 4 of 12 cells.
    r = cli({"data", "stats", "--data", project, "--dataset", "generic-mini", "--json"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    j = json_of(r);
    QCOMPARE(j["interactions"].get<int>(), 4);
    QVERIFY(std::fabs(j["sparsity"].get<double>() - 2.0 / 3.0) < 1e-12);
    QCOMPARE(j["history_length"]["min"].get<double>(), 0.0);
    QCOMPARE(j["history_length"]["median"].get<double>(), 2.0);
    QCOMPARE(j["item_popularity"]["max"].get<double>(), 2.0);
    QCOMPARE(j["item_popularity"]["median"].get<double>(), 1.0);
    QCOMPARE(j["ratings"]["count"].get<int>(), 3);
    QCOMPARE(j["top_categories"][0]["category"].get<std::string>(), std::string("drinks"));
    QCOMPARE(j["top_categories"][0]["share"].get<double>(), 1.0);
    QCOMPARE(j["time"]["first_date"].get<std::string>(), std::string("2020-09-13"));

    r = cli({"data", "stats", "--data", project});  // two datasets: which one?
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("--dataset"), r.err.constData());

    r = cli({"data", "show-user", "alice", "--data", project, "--dataset", "generic-mini", "--json"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    j = json_of(r);
    QCOMPARE(j["profile"].get<std::string>(), std::string("likes warm drinks"));
    QCOMPARE(j["interactions"].get<int>(), 2);
    QCOMPARE(j["history"][0]["item"].get<std::string>(), std::string("m1"));
    QCOMPARE(j["history"][0]["date"].get<std::string>(), std::string("2020-09-13"));
    QCOMPARE(j["history"][0]["rating"].get<double>(), 4.5);
    QCOMPARE(j["history"][0]["title"].get<std::string>(), std::string("Café au lait"));
    QVERIFY(j["history"][1]["rating"].is_null());

    r = cli({"data", "show-user", "alice", "--data", project, "--dataset", "generic-mini", "--limit", "1"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.contains("2 interactions, the last 1 shown") && r.out.contains("Green tea") &&
                 !r.out.contains("Café au lait") && r.out.contains("profile: likes warm drinks"),
             r.out.constData());
  }

  void stats_of_a_source_without_a_project() {
    const CliRun r = cli({"data", "stats", "--data", fx("data/esci-sample")});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.contains("interactions     200") && r.out.contains("E: 138, S: 49, I: 12, C: 1"), r.out.constData());
  }

  void failed_import_exits_1_and_keeps_the_project() {
    QTemporaryDir dir;
    const QString project = dir.filePath("proj");
    QCOMPARE(cli({"data", "import", "--project", project, "--path", fx("data/sequence-mini")}).exit_code, 0);
    const QByteArray before = cli({"data", "list", "--project", project, "--json"}).out;

    const QString bad = dir.filePath("bad");
    QDir().mkpath(bad);
    std::ofstream((bad + "/movies.csv").toStdString()) << "movieId,title,genres\n1,A (1995),Drama\n";
    std::ofstream((bad + "/ratings.csv").toStdString()) << "userId,movieId,rating,timestamp\n1,1,4.0,1\n1,1,4.x,2\n";
    CliRun r = cli({"data", "import", "--project", project, "--path", bad, "--name", "sequence-mini", "--replace"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.startsWith("error: ") && r.err.contains("ratings.csv:3: field 'rating': '4.x' is not a number"),
             r.err.constData());
    QCOMPARE(cli({"data", "list", "--project", project, "--json"}).out, before);

    r = cli({"data", "import", "--project", project, "--path", fx("data/sequence-mini")});  // name taken
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("already has a dataset named 'sequence-mini'"), r.err.constData());

    r = cli({"data", "show-user", "nobody", "--data", project});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("no user 'nobody'"), r.err.constData());
    QCOMPARE(cli({"data", "list", "--project", project, "--json"}).out, before);
    r = cli({"data", "list", "--project", dir.filePath("missing")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("not a RecForge project"), r.err.constData());
    QVERIFY(!QFileInfo::exists(dir.filePath("missing")));
  }

  void help() {
    const CliRun r = cli({"data", "show-user", "--help"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.out.contains("usage: recforge-cli data show-user") && r.out.contains("--limit"), r.out.constData());
  }

  void bench_import_synthetic() {
    const CliRun r = cli({"bench", "import", "--synthetic", "3000"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const nlohmann::json j = json_of(r);
    QCOMPARE(j["format"].get<std::string>(), std::string("generic"));
    QCOMPARE(j["interactions"].get<int>(), 3000);
    QCOMPARE(j["items"].get<int>(), 150);  // N / 20
    QCOMPARE(j["users"].get<int>(), 60);   // N / 50
    QVERIFY(j["round_trip_counts_equal"].get<bool>());
    for (const char* key : {"parse_s", "save_s", "load_s", "interactions_per_s"}) QVERIFY(j[key].get<double>() > 0);
  }
};

RF_TEST_SUITE(TestDataCli);
#include "test_data_cli.moc"
