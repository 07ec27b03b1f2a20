// `recforge-cli prompt` driven through QProcess on the hand-checkable eval-mini data set
// (tests/fixtures/data/eval-mini: u1 rated A 5, B 4, C 3, D 2 at times 100..400; train = A, B for u1, A for
// u2 and u3, B and F for u4): the full rating prompt, the context JSON, the list recipe's pool, the chat
// wrapping with the preset's prefill, and errors (template errors as FILE:line:col: message).
#include "support/fixtures.h"
#include "support/cli_process.h"
#include "support/suite_registry.h"

#include <QtCore/QProcess>
#include <QtTest/QtTest>

#ifdef RECFORGE_CLI_PATH

namespace {

using nlohmann::json;

using rf::test::CliRun;

using rf::test::cli_run;

QString mini() { return QString::fromStdString(rf::test::fixture_path("data/eval-mini")); }

}  // namespace

class TestPromptCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void help() {
    const CliRun r = cli_run({"prompt", "--help"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.out.contains("usage: recforge-cli") && r.out.contains("--recipe"), r.out.constData());
  }

  void rating_prompt_full_text() {
    const CliRun r = cli_run({"prompt", "--recipe", "rating", "--data", mini(), "--user", "u1"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    // Train ratings: u1 A 5 B 4, u2 A 4, u3 A 3, u4 B 5 F 4 -> the scale 3.0..5.0; D has no train rating.
    QCOMPARE(QString::fromUtf8(r.out),
             QString("You are a recommender that predicts how a user will rate an item, on a scale from 3.0 to 5.0.\n"
                     "\n"
                     "The user's last 3 interactions, oldest first:\n"
                     "1. Item A [x]: 5.0\n"
                     "2. Item B [x, y]: 4.0\n"
                     "3. Item C [y]: 3.0\n"
                     "The user's average rating: 4.0 (over 3 ratings).\n"
                     "\n"
                     "The item to rate: Item D [z]\n"
                     "The item's average rating: unknown (over 0 ratings).\n"
                     "\n"
                     "Answer in exactly four blocks, in this order:\n"
                     "<analyze user> the user's tastes and rating habits </analyze user>\n"
                     "<analyze item> what the item is and how others rated it </analyze item>\n"
                     "<match> how well the item fits the user </match>\n"
                     "<rate> the predicted rating, one number from 3.0 to 5.0 </rate>\n"));
  }

  void context_json() {
    // u2 at its 2nd interaction (B at time 200): history = A only; B's train average excludes nothing (B is
    // u2's validation item) = u1's 4 and u4's 5.
    const CliRun r = cli_run({"prompt", "--recipe", "rating", "--data", mini(), "--user", "u2", "--position", "2", "--context-json"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const json c = json::parse(r.out.toStdString());
    QCOMPARE(c["user"]["id"], json("u2"));
    QCOMPARE(c["user"]["history_count"], json(1));
    QCOMPARE(c["user"]["history"][0]["id"], json("A"));
    QCOMPARE(c["user"]["history"][0]["date"], json(nullptr));  // times 100..400 are not dates
    QCOMPARE(c["user"]["average_rating"], json(4.0));
    QCOMPARE(c["target"]["id"], json("B"));
    QCOMPARE(c["target"]["average_rating"], json(4.5));
    QCOMPARE(c["target"]["rating_count"], json(2));
    QVERIFY(!c["target"].contains("rating"));
    QCOMPARE(c["dataset"]["items"], json(6));
    QCOMPARE(c["dataset"]["users"], json(4));
  }

  void list_pool() {
    // u1 has seen A-D, so a pool of 3 is the target D plus the only unseen items E and F.
    const CliRun r = cli_run({"prompt", "--recipe", "list", "--data", mini(), "--user", "u1", "--candidates", "3", "--k", "2", "--json"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const json j = json::parse(r.out.toStdString());
    QCOMPARE(j["target_item"], json("D"));
    QCOMPARE(j["preset"], json("list"));
    std::vector<std::string> pool;
    for (const auto& c : j["context"]["candidates"]) pool.push_back(c["id"].get<std::string>());
    std::sort(pool.begin(), pool.end());
    QCOMPARE(pool, (std::vector<std::string>{"D", "E", "F"}));
    const QString prompt = QString::fromStdString(j["prompt"].get<std::string>());
    QVERIFY2(prompt.contains("# Candidate pool (3 items)\n") && prompt.contains("[E] Item E (x, z)\n") && prompt.contains("[F] Item F\n"),
             qPrintable(prompt));
    QVERIFY(prompt.contains("1. [A] Item A (rated 5.0)\n2. [B] Item B (rated 4.0)\n3. [C] Item C (rated 3.0)\n"));
    QVERIFY(prompt.contains("give exactly 2 distinct ids"));
    QCOMPARE(prompt.count("[D] Item D (z)"), 1);  // only in the pool (with its categories), never in the history
    QCOMPARE(j["tags"], (json{"think", "answer"}));
    // The same seed gives the same pool order.
    const CliRun again = cli_run({"prompt", "--recipe", "list", "--data", mini(), "--user", "u1", "--candidates", "3", "--k", "2", "--json"});
    QCOMPARE(json::parse(again.out.toStdString())["context"]["candidates"], j["context"]["candidates"]);
  }

  void chat_with_prefill() {
    const CliRun r = cli_run({"prompt", "--recipe", "query", "--data", mini(), "--user", "u3", "--chat", "chatml"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const QString out = QString::fromUtf8(r.out);
    QVERIFY2(out.startsWith("<|im_start|>system\nYou are a helpful AI assistant. You first think about the reasoning process in the mind "
                            "and then provide the user with the answer.<|im_end|>\n<|im_start|>user\n"),
             qPrintable(out));
    QVERIFY(out.contains("Item 1: Item A\nItem 2: Item C\nYou may combine keywords"));
    QVERIFY(out.endsWith("</answer>.<|im_end|>\n<|im_start|>assistant\nLet me solve this step by step.\n<think>\n"));
    const CliRun l3 = cli_run({"prompt", "--recipe", "query", "--data", mini(), "--user", "u3", "--chat", "llama3", "--prefill", "", "--system", ""});
    QVERIFY2(l3.exit_code == 0, l3.err.constData());
    QVERIFY(l3.out.startsWith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nYou are an expert"));
    // An empty prefill: the generation prompt ends the text (no newline is added after a trailing one).
    QVERIFY(l3.out.endsWith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"));
  }

  void custom_template_and_errors() {
    QTemporaryDir dir;
    const QString good = dir.path() + "/good.jinja", bad = dir.path() + "/bad.jinja";
    QFile g(good), b(bad);
    QVERIFY(g.open(QIODevice::WriteOnly) && b.open(QIODevice::WriteOnly));
    g.write("{{ user.id }}: {{ user.history | map(attribute='id') | join(',') }} -> {{ target.id }}\n");
    b.write("{{ user.id }}\n{% if %}\n");
    g.close();
    b.close();
    const CliRun ok = cli_run({"prompt", "--recipe", "rating", "--data", mini(), "--user", "u1", "--template", good});
    QVERIFY2(ok.exit_code == 0, ok.err.constData());
    QCOMPARE(QString::fromUtf8(ok.out), QString("u1: A,B,C -> D\n"));

    const CliRun e = cli_run({"prompt", "--recipe", "rating", "--data", mini(), "--user", "u1", "--template", bad});
    QCOMPARE(e.exit_code, 1);
    QCOMPARE(QString::fromUtf8(e.err).trimmed(), bad + ":2:7: expected an expression, found '%}'");

    QFile u(dir.path() + "/undef.jinja");
    QVERIFY(u.open(QIODevice::WriteOnly));
    u.write("x\n  {{ user.histroy }}");
    u.close();
    const CliRun e2 = cli_run({"prompt", "--recipe", "rating", "--data", mini(), "--user", "u1", "--template", u.fileName()});
    QCOMPARE(e2.exit_code, 1);
    QCOMPARE(QString::fromUtf8(e2.err).trimmed(),
             u.fileName() + ":2:6: 'user.histroy' is undefined \u2014 did you mean 'history'?");
  }

  void bad_arguments() {
    const CliRun user = cli_run({"prompt", "--recipe", "list", "--data", mini(), "--user", "nobody"});
    QCOMPARE(user.exit_code, 1);
    QVERIFY2(user.err.contains("no user 'nobody'"), user.err.constData());
    const CliRun recipe = cli_run({"prompt", "--recipe", "ranking", "--data", mini(), "--user", "u1"});
    QCOMPARE(recipe.exit_code, 1);
    QVERIFY2(recipe.err.contains("--recipe must be list, query or rating"), recipe.err.constData());
    const CliRun pool = cli_run({"prompt", "--recipe", "list", "--data", mini(), "--user", "u1", "--candidates", "4"});
    QCOMPARE(pool.exit_code, 1);  // only E and F are unseen: a pool of 4 cannot be filled
    QVERIFY(pool.err.startsWith("error: "));
    const CliRun pos = cli_run({"prompt", "--recipe", "rating", "--data", mini(), "--user", "u4", "--position", "3"});
    QCOMPARE(pos.exit_code, 1);
    QVERIFY2(pos.err.contains("--position must be 1..2"), pos.err.constData());
  }
};

RF_TEST_SUITE(TestPromptCli);
#include "test_prompt_cli.moc"

#endif  // RECFORGE_CLI_PATH
