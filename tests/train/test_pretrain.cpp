// Pretraining from scratch (core/train/pretrain.h) and its corpus (core/teacher/pretrain_corpus.h): the
// corpus of the hand-built eval-mini data set against lines written out here, a few-step run of a tiny
// shape whose loss falls and whose folder loads back and generates, the folder cache, and
// `recforge-cli pretrain` end to end (reuse, --force, bad input).
#include "data/dataset_store.h"
#include "generate/generate.h"
#include "model/transformer.h"
#include "support/cli_process.h"
#include "support/fixtures.h"
#include "teacher/pretrain_corpus.h"
#include "text/tokenizer.h"
#include "train/pretrain.h"
#include "util/error.h"
#include "util/file_io.h"

#include <QtTest/QtTest>

#include <filesystem>

using rf::test::fixture_path;

namespace {

using Lines = std::vector<std::string>;

rf::Dataset open_fixture(const std::string& name) {
  rf::ImportOptions io;
  io.format = "generic";
  return rf::dataset_open(fixture_path("data/" + name), "", io);
}

// A corpus with plenty of repetition, so a few steps of a tiny model visibly lower the loss.
Lines repetitive_corpus() {
  Lines out;
  const Lines names = {"Maya", "Omar", "Lena", "Tom"};
  const Lines books = {"The Glass Harbor", "River Kings", "Salt and Stone", "Night Train"};
  for (int i = 0; i < 64; ++i)
    out.push_back(names[i % 4] + " read " + books[(i / 4) % 4] + ", then " + books[(i + 1) % 4] + ".");
  return out;
}

rf::PretrainOptions tiny_shape() {
  rf::PretrainOptions o;
  o.vocab_size = 300;
  o.hidden_size = 32;
  o.intermediate_size = 64;
  o.num_hidden_layers = 2;
  o.num_attention_heads = 2;
  o.num_key_value_heads = 1;
  o.max_position_embeddings = 128;
  o.seq_len = 32;
  o.batch = 8;
  o.steps = 40;
  o.lr = 1e-2;
  o.seed = 3;
  return o;
}

std::filesystem::file_time_type mtime(const std::string& path) { return std::filesystem::last_write_time(path); }

QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

Q_DECLARE_METATYPE(Lines)

class TestPretrain : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // eval-mini: items A-F; u1 A5 B4 C3 D2, u2 A4 B3 E5, u3 A3 C4 B2, u4 B5 F4. Leave-last-out training
  // interactions: u1 A B, u2 A, u3 A, u4 (two items, not evaluated) B F.
  void corpus_items() {
    const Lines got = rf::pretrain_corpus_items(open_fixture("eval-mini"), {});
    const Lines want = {"[A] Item A. Categories: x.", "[B] Item B. Categories: x, y.", "[C] Item C. Categories: y.",
                        "[D] Item D. Categories: z.", "[E] Item E. Categories: x, z.", "[F] Item F."};
    QCOMPARE(got, want);
    // Every part of an item, empty parts left out (generic-mini m1 has them all, m2 only a category).
    const Lines g = rf::pretrain_corpus_items(open_fixture("generic-mini"), {});
    QCOMPARE(g[0], std::string("[m1] Caf\u00e9 au lait. Categories: drinks, french. Tags: warm. By Chez Nous. Coffee with milk."));
    QCOMPARE(g[1], std::string("[m2] Green tea. Categories: drinks."));
  }

  void corpus_histories_data() {
    QTest::addColumn<QString>("style");
    QTest::addColumn<int>("window");
    QTest::addColumn<bool>("train_only");
    QTest::addColumn<Lines>("want");
    QTest::newRow("list, training only")
        << "list" << 10 << true
        << Lines{"The user has interacted with 2 items so far, with an average rating of 4.5.\n"
                 "Most frequent categories: x (2), y (1).\n\nMost recent items, oldest first:\n"
                 "1. [A] Item A (rated 5.0)\n2. [B] Item B (rated 4.0)",
                 "The user has interacted with 1 item so far, with an average rating of 4.0.\n"
                 "Most frequent categories: x (1).\n\nMost recent items, oldest first:\n1. [A] Item A (rated 4.0)",
                 "The user has interacted with 1 item so far, with an average rating of 3.0.\n"
                 "Most frequent categories: x (1).\n\nMost recent items, oldest first:\n1. [A] Item A (rated 3.0)",
                 "The user has interacted with 2 items so far, with an average rating of 4.5.\n"
                 "Most frequent categories: x (1), y (1).\n\nMost recent items, oldest first:\n"
                 "1. [B] Item B (rated 5.0)\n2. [F] Item F (rated 4.0)"};
    // Windows of one: u1's second window counts both interactions in its average (5 + 4) / 2.
    QTest::newRow("rating, windows of 1")
        << "rating" << 1 << true
        << Lines{"The user's last 1 interactions, oldest first:\n1. Item A [x]: 5.0\nThe user's average rating: 5.0 (over 1 rating).",
                 "The user's last 1 interactions, oldest first:\n1. Item B [x, y]: 4.0\nThe user's average rating: 4.5 (over 2 ratings).",
                 "The user's last 1 interactions, oldest first:\n1. Item A [x]: 4.0\nThe user's average rating: 4.0 (over 1 rating).",
                 "The user's last 1 interactions, oldest first:\n1. Item A [x]: 3.0\nThe user's average rating: 3.0 (over 1 rating).",
                 "The user's last 1 interactions, oldest first:\n1. Item B [x, y]: 5.0\nThe user's average rating: 5.0 (over 1 rating).",
                 "The user's last 1 interactions, oldest first:\n1. Item F: 4.0\nThe user's average rating: 4.5 (over 2 ratings)."};
    // Every interaction, windows of 3: u1's fourth item starts a second window numbered from 1.
    QTest::newRow("query, all interactions")
        << "query" << 3 << false
        << Lines{"Item 1: Item A\nItem 2: Item B\nItem 3: Item C", "Item 1: Item D",
                 "Item 1: Item A\nItem 2: Item B\nItem 3: Item E", "Item 1: Item A\nItem 2: Item C\nItem 3: Item B",
                 "Item 1: Item B\nItem 2: Item F"};
  }
  void corpus_histories() {
    QFETCH(QString, style);
    QFETCH(int, window);
    QFETCH(bool, train_only);
    QFETCH(Lines, want);
    rf::PretrainCorpusOptions o;
    o.styles = {style.toStdString()};
    o.window = window;
    o.train_only = train_only;
    QCOMPARE(rf::pretrain_corpus_histories(open_fixture("eval-mini"), o), want);
  }

  // Mixed styles: drawn by the seed, so the same seed gives the same corpus and each document is one of the
  // three writings of its window.
  void corpus_is_deterministic_per_seed() {
    const rf::Dataset ds = open_fixture("eval-mini");
    rf::PretrainCorpusOptions o;
    o.seed = 11;
    const Lines a = rf::pretrain_corpus_build(ds, o), b = rf::pretrain_corpus_build(ds, o);
    QCOMPARE(a, b);
    QCOMPARE(a.size(), size_t(6 + 4));  // six items, four users with one window each
    for (size_t i = 6; i < a.size(); ++i)
      QVERIFY2(a[i].rfind("The user has", 0) == 0 || a[i].rfind("The user's last", 0) == 0 || a[i].rfind("Item 1: ", 0) == 0,
               a[i].c_str());
    o.styles = {"bogus"};
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::pretrain_corpus_build(ds, o));
  }

  void corpus_traces() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("traces.jsonl").toStdString();
    rf::file_write_atomic(path, "{\"system\": \"S\", \"prompt\": \"P?\", \"completion\": \"<answer>[A]</answer>\"}\n\n"
                                "{\"prompt\": \"Q\", \"completion\": \"R\", \"user\": \"u1\"}\n");
    const Lines want = {"<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nP?<|im_end|>\n<|im_start|>assistant\n<answer>[A]</answer><|im_end|>\n",
                        "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nR<|im_end|>\n"};
    QCOMPARE(rf::pretrain_corpus_traces(path), want);
    rf::file_write_atomic(path, "{\"prompt\": \"P\", \"completion\": \"C\"}\n{\"prompt\": \"P\"}\n");
    try {
      rf::pretrain_corpus_traces(path);
      QFAIL("a line without completion was accepted");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find(path + ":2") != std::string::npos, e.what());
    }
  }

  // A tiny shape for 40 steps: the loss falls, the folder loads back and generates, the manifest records it.
  void pretrain_runs_and_loads_back() {
    QTemporaryDir tmp;
    const std::string out = tmp.filePath("m").toStdString();
    int64_t steps_seen = 0;
    bool tokenizer_seen = false;
    const rf::PretrainResult r = rf::pretrain_run(repetitive_corpus(), tiny_shape(), out, [&](const rf::PretrainProgress& p) {
      if (p.stage == rf::PretrainProgress::Stage::tokenizer) tokenizer_seen = true;
      if (p.stage == rf::PretrainProgress::Stage::step) ++steps_seen;
    });
    QVERIFY(tokenizer_seen);
    QCOMPARE(steps_seen, int64_t(40));
    QCOMPARE(r.steps, int64_t(40));
    QCOMPARE(r.tokens_seen, int64_t(40 * 8 * 32));  // packed rows: every one of the 32 tokens after the first is predicted
    QVERIFY2(r.final_loss_mean < 0.6 * r.first_loss_mean,
             qPrintable(QString("loss %1 -> %2").arg(r.first_loss_mean).arg(r.final_loss_mean)));
    for (const char* f : {"tokenizer.json", "tokenizer_config.json", "config.json", "model.safetensors", "recforge_pretrain.json"})
      QVERIFY2(rf::file_exists(out + "/" + f), f);

    const rf::Tokenizer tok = rf::Tokenizer::load(out);
    auto model = rf::Transformer::load(out);
    QCOMPARE(model->config().hidden_size, int64_t(32));
    QCOMPARE(model->config().vocab_size, tok.vocab_size());
    const auto ids32 = tok.encode("Maya read");
    rf::GenerateOptions gen;
    gen.max_new_tokens = 6;
    gen.eos_ids = {};
    gen.pad_id = 0;
    const auto results = rf::generate(*model, {std::vector<int64_t>(ids32.begin(), ids32.end())}, gen);
    QCOMPARE(results[0].tokens.size(), size_t(6));

    const auto m = nlohmann::json::parse(rf::file_read_all(out + "/recforge_pretrain.json"));
    QCOMPARE(m["corpus_hash"].get<std::string>(), rf::pretrain_corpus_hash(repetitive_corpus()));
    QVERIFY(m["options"] == tiny_shape().to_json());
  }

  // FNV-1a 64 worked out by hand: "" -> the offset basis cbf29ce484222325; one empty document mixes one 0
  // byte: (cbf29ce484222325 ^ 0) * 100000001b3 mod 2^64 = af63bd4c8601b7df.
  void corpus_hash_is_fnv1a() {
    QCOMPARE(rf::pretrain_corpus_hash({}), std::string("cbf29ce484222325"));
    QCOMPARE(rf::pretrain_corpus_hash({""}), std::string("af63bd4c8601b7df"));
    QVERIFY(rf::pretrain_corpus_hash({"ab"}) != rf::pretrain_corpus_hash({"a", "b"}));
  }

  void cache_reuses_and_force_rebuilds() {
    QTemporaryDir tmp;
    const std::string out = tmp.filePath("m").toStdString();
    rf::PretrainOptions o = tiny_shape();
    o.steps = 3;
    const Lines corpus = repetitive_corpus();
    QVERIFY(!rf::pretrain_cached(corpus, o, out, false).reused);
    const auto t0 = mtime(out + "/model.safetensors");
    const rf::PretrainResult again = rf::pretrain_cached(corpus, o, out, false);
    QVERIFY(again.reused);
    QCOMPARE(again.steps, int64_t(3));
    QVERIFY(mtime(out + "/model.safetensors") == t0);
    // Other options, another corpus, or --force: trained again.
    rf::PretrainOptions o2 = o;
    o2.steps = 4;
    QVERIFY(!rf::pretrain_cache_find(out, rf::pretrain_corpus_hash(corpus), o2));
    Lines corpus2 = corpus;
    corpus2.push_back("One more line.");
    QVERIFY(!rf::pretrain_cache_find(out, rf::pretrain_corpus_hash(corpus2), o));
    QVERIFY(!rf::pretrain_cached(corpus, o, out, true).reused);
    QVERIFY(rf::pretrain_cached(corpus, o, out, false).reused);
  }

  void bad_input_errors() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::pretrain_run({}, tiny_shape(), "/tmp/unused"));
    rf::PretrainOptions o = tiny_shape();
    o.seq_len = 128;  // not below max_position_embeddings
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::pretrain_run(repetitive_corpus(), o, "/tmp/unused"));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::pretrain_options_for_size("huge"));
    QTemporaryDir tmp;
    const std::string file = tmp.filePath("a-file").toStdString();
    rf::file_write_atomic(file, "x");
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::pretrain_run(repetitive_corpus(), tiny_shape(), file + "/sub"));
  }

  // The command end to end on eval-mini: trains, reuses, --force retrains; bad input fails on stderr.
  void cli_pretrain_caches() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("base");
    const QStringList args = {"pretrain", "--data", qs(fixture_path("data/eval-mini")), "--format", "generic",
                              "--out", out, "--steps", "3", "--batch", "2", "--seq-len", "16", "--progress", "1"};
    const rf::test::CliRun a = rf::test::cli_run(args + QStringList{"--json"});
    QVERIFY2(a.exit_code == 0, a.err.constData());
    const auto j = nlohmann::json::parse(a.out.toStdString());
    QCOMPARE(j["reused"].get<bool>(), false);
    QCOMPARE(j["documents"].get<int64_t>(), int64_t(6 + 4));
    QCOMPARE(j["tokens_seen"].get<int64_t>(), int64_t(3 * 2 * 16));
    QVERIFY2(a.err.contains("step     3/3  loss"), a.err.constData());
    const rf::test::CliRun b = rf::test::cli_run(args);
    QCOMPARE(b.exit_code, 0);
    QVERIFY2(b.out.contains("reusing the model"), b.out.constData());
    const rf::test::CliRun c = rf::test::cli_run(args + QStringList{"--force"});
    QCOMPARE(c.exit_code, 0);
    QVERIFY2(c.out.contains("pretrain: wrote"), c.out.constData());
    const rf::test::CliRun g = rf::test::cli_run({"generate", "--model", out, "--prompt", "[A] Item", "--max-new-tokens", "4",
                                                  "--greedy", "--json"});
    QCOMPARE(g.exit_code, 0);
  }

  void cli_pretrain_errors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no data") << QStringList{"pretrain", "--out", "/tmp/x"} << "--data is required";
    QTest::newRow("missing data") << QStringList{"pretrain", "--data", "/nonexistent/data", "--out", "/tmp/x"}
                                  << "/nonexistent/data";
    QTest::newRow("bad size") << QStringList{"pretrain", "--data", qs(fixture_path("data/eval-mini")), "--out", "/tmp/x",
                                             "--size", "huge"}
                              << "tiny or small";
    QTest::newRow("unwritable out") << QStringList{"pretrain", "--data", qs(fixture_path("data/eval-mini")), "--format",
                                                   "generic", "--out", qs(fixture_path("data/eval-mini/items.jsonl")) + "/m",
                                                   "--steps", "1"}
                                    << "cannot create the output folder";
  }
  void cli_pretrain_errors() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const rf::test::CliRun r = rf::test::cli_run(args);
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(expected.toUtf8()), r.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestPretrain)
#include "test_pretrain.moc"
