// Constrained decoding's text side: token texts concatenate back to the text they were encoded from
// (byte-level and SentencePiece tokenizers), and the List answer grammar allows exactly the tokens that
// keep the answer a prefix of some valid `[id, ..., id]</answer>` — checked against a brute-force list of
// every valid answer at each step of random walks through real tokenizers' vocabularies; "</think>" opens
// the answer, and a token budget closes the reasoning in time for the answer to fit. The tagged-blocks
// format of Query and Rating: random walks end in completions the recipes' own parser accepts, within the
// budget, and the rating's allowed tokens equal a brute-force list.
#include "generate/list_answer_constraint.h"
#include "generate/tagged_blocks_constraint.h"
#include "reward/reward_parse.h"
#include "text/token_texts.h"
#include "text/tokenizer.h"
#include "util/error.h"

#include "support/fixtures.h"
#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using rf::test::fixture_path;

namespace {

struct Loaded {
  rf::Tokenizer tokenizer;
  std::shared_ptr<const rf::TokenTexts> texts;
};

// Building the texts of a 150k vocabulary takes a moment: once per tokenizer.
const Loaded& loaded(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Loaded>> cache;
  auto& slot = cache[name];
  if (!slot) {
    rf::Tokenizer t = rf::Tokenizer::load(fixture_path("tokenizers/" + name));
    auto texts = std::make_shared<const rf::TokenTexts>(rf::token_texts_build(t));
    slot = std::make_unique<Loaded>(Loaded{t, texts});
  }
  return *slot;
}

// Every valid answer (the text after "<answer>"): the ordered choices of k distinct pool ids.
std::vector<std::string> valid_answers(const std::vector<std::string>& pool, int k) {
  std::vector<std::string> out;
  std::vector<int> pick;
  std::vector<bool> used(pool.size(), false);
  std::function<void()> rec = [&] {
    if (static_cast<int>(pick.size()) == k) {
      std::string s = "[";
      for (size_t i = 0; i < pick.size(); ++i) s += (i ? ", " : "") + pool[static_cast<size_t>(pick[i])];
      out.push_back(s + "]</answer>");
      return;
    }
    for (size_t p = 0; p < pool.size(); ++p)
      if (!used[p]) {
        used[p] = true;
        pick.push_back(static_cast<int>(p));
        rec();
        pick.pop_back();
        used[p] = false;
      }
  };
  rec();
  return out;
}

std::vector<int64_t> brute_force_allowed(const rf::TokenTexts& t, const std::string& written, const std::vector<std::string>& answers) {
  std::vector<int64_t> out;
  for (int64_t v = 0; v < t.size(); ++v) {
    const std::string& s = t.text[static_cast<size_t>(v)];
    if (s.empty() || t.special[static_cast<size_t>(v)]) continue;
    const std::string next = written + s;
    for (const std::string& a : answers)
      if (a.compare(0, next.size(), next) == 0 && next.size() <= a.size()) {
        out.push_back(v);
        break;
      }
  }
  return out;
}

// Whether `text` (everything generated) can still become a valid reasoning-with-mentions plus answer:
// every "[" in the reasoning opens "[id]" with a pool id not named before; the text after the first
// "<answer>" outside a mention is a prefix of a valid answer. Written over whole strings, independently
// of the constraint's character automaton.
bool mentions_prefix_ok(const std::string& text, const std::vector<std::string>& pool, const std::vector<std::string>& answers) {
  std::set<std::string> named;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 8, "<answer>") == 0) {
      const std::string rest = text.substr(i + 8);
      for (const std::string& a : answers)
        if (a.compare(0, rest.size(), rest) == 0 && rest.size() <= a.size()) return true;
      return false;
    }
    if (text[i] == '[') {
      const size_t close = text.find(']', i + 1);
      const std::string content = text.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
      bool ok = false;
      for (const std::string& id : pool)
        if (!named.count(id) && (close == std::string::npos ? id.compare(0, content.size(), content) == 0 && content.size() <= id.size() : id == content))
          ok = true;
      if (!ok) return false;
      if (close == std::string::npos) return true;
      named.insert(content);
      i = close + 1;
      continue;
    }
    ++i;
  }
  return true;
}

// Whether `text` (everything generated) can still become reasoning + "</think>\n<answer>" + a valid answer,
// where every '<' of the reasoning starts "</think>" or, before the first one is complete, "<think>".
// Written over whole strings, independently of the constraint's character automaton.
bool think_close_prefix_ok(const std::string& text, const std::vector<std::string>& answers) {
  bool opened = false;
  for (size_t i = text.find('<'); i != std::string::npos; i = text.find('<', i + 1)) {
    const std::string rest = text.substr(i);
    if (rest.rfind("</think>", 0) == 0) {
      const std::string after = rest.substr(8);
      for (const std::string& a : answers) {
        const std::string whole = "\n<answer>" + a;
        if (after.size() <= whole.size() && whole.compare(0, after.size(), after) == 0) return true;
      }
      return false;
    }
    if (!opened && rest.rfind("<think>", 0) == 0) {
      opened = true;
      continue;
    }
    const bool begun = std::string("</think>").rfind(rest, 0) == 0 || (!opened && std::string("<think>").rfind(rest, 0) == 0);
    return begun;  // a tag still being written ends the text, or a '<' that starts no allowed tag
  }
  return true;
}

// A vocabulary written by hand, for counts that can be checked on paper.
std::shared_ptr<const rf::TokenTexts> texts_of(const std::vector<std::string>& vocab) {
  auto t = std::make_shared<rf::TokenTexts>();
  t->by_first.assign(256, {});
  for (size_t v = 0; v < vocab.size(); ++v) {
    const bool special = vocab[v] == "<eos>";
    t->text.push_back(special ? "" : vocab[v]);
    t->special.push_back(special ? 1 : 0);
    if (special) t->no_text.push_back(static_cast<int64_t>(v));
    else t->by_first[static_cast<uint8_t>(vocab[v][0])].push_back(static_cast<int64_t>(v));
    if (!special && vocab[v].find('<') != std::string::npos) t->with_lt.push_back(static_cast<int64_t>(v));
  }
  return t;
}

// The ids a whole-string reference accepts next: a token with text when `text_ok(written + text)`, one
// without text (a special token) only in the free reasoning, and never an end id there.
std::vector<int64_t> reference_allowed(const rf::TokenTexts& t, bool free_phase, const std::vector<int64_t>& end_ids,
                                       const std::function<bool(const std::string&)>& text_ok) {
  std::vector<int64_t> out;
  for (int64_t v = 0; v < t.size(); ++v) {
    const std::string& s = t.text[static_cast<size_t>(v)];
    if (s.empty() || t.special[static_cast<size_t>(v)]) {
      if (free_phase && !std::binary_search(end_ids.begin(), end_ids.end(), v)) out.push_back(v);
      continue;
    }
    if (text_ok(s)) out.push_back(v);
  }
  return out;
}

// What the constraint lets through: allowed(), or when that is null every id but banned().
std::vector<int64_t> constraint_lets_through(rf::TokenConstraint& c, int64_t V) {
  if (const std::vector<int64_t>* allowed = c.allowed()) return *allowed;
  const std::vector<int64_t>* banned = c.banned();
  std::vector<int64_t> out;
  for (int64_t v = 0; v < V; ++v)
    if (!banned || !std::binary_search(banned->begin(), banned->end(), v)) out.push_back(v);
  return out;
}

// Writes random allowed tokens until the grammar ends (at most 64), calling `check` before each.
void write_random_pieces(rf::ListAnswerConstraint& c, const rf::TokenTexts& t, std::string& written, uint32_t seed,
                         const std::function<void()>& check) {
  std::mt19937 rng(seed);
  for (int step = 0; step < 64 && c.phase() != "end"; ++step) {
    check();
    if (QTest::currentTestFailed()) return;
    const std::vector<int64_t>& allowed = *c.allowed();
    const int64_t pick = allowed[std::uniform_int_distribution<size_t>(0, allowed.size() - 1)(rng)];
    written += t.text[static_cast<size_t>(pick)];
    c.advance(pick);
  }
}

// Writes the longest allowed token at each step until the grammar ends (or `limit` tokens); returns the
// tokens written.
int write_longest_pieces(rf::ListAnswerConstraint& c, const rf::TokenTexts& t, std::string& written, int limit) {
  int used = 0;
  while (c.phase() != "end" && used < limit) {
    const std::vector<int64_t>& allowed = *c.allowed();
    int64_t pick = allowed.front();
    for (int64_t v : allowed)
      if (t.text[static_cast<size_t>(v)].size() > t.text[static_cast<size_t>(pick)].size()) pick = v;
    written += t.text[static_cast<size_t>(pick)];
    c.advance(pick);
    ++used;
  }
  return used;
}

// `make` throws rf::Error with `expected` in its message.
void expect_error(const std::function<void()>& make, const QString& expected) {
  try {
    make();
    QFAIL("expected an error");
  } catch (const rf::Error& e) {
    QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
  }
}

std::vector<int64_t> eos_of(const rf::Tokenizer& t) {
  std::vector<int64_t> out;
  for (int32_t id : t.eos_ids()) out.push_back(id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The brute-force tests' pool: "i12" is a prefix of "i123", so after "i12" both ", " and "3" may follow.
const std::vector<std::string> kPool = {"i12", "i123", "i7", "B00X"};

rf::ListAnswerSpec spec_of(const rf::Tokenizer& t, int k) {
  rf::ListAnswerSpec spec;
  spec.pool = kPool;
  spec.k = k;
  spec.end_ids = eos_of(t);
  return spec;
}

}  // namespace

class TestTokenConstraint : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void token_texts_concatenate_to_the_text_data() {
    QTest::addColumn<QString>("tokenizer");
    QTest::addColumn<QString>("text");
    for (const char* tok : {"qwen3", "llama3", "llama2"})
      for (const char* text : {"<answer>[i0072, i0213]</answer>", "Hello world, 12345 tokens!", "two  spaces\n\nand a newline"})
        QTest::newRow((std::string(tok) + ": " + text).c_str()) << QString(tok) << QString(text);
  }
  void token_texts_concatenate_to_the_text() {
    QFETCH(QString, tokenizer);
    QFETCH(QString, text);
    const Loaded& l = loaded(tokenizer.toStdString());
    QCOMPARE(l.texts->size(), l.tokenizer.vocab_size());
    std::string joined;
    for (int32_t id : l.tokenizer.encode(text.toStdString())) joined += l.texts->text[static_cast<size_t>(id)];
    // SentencePiece (Llama 2) encodes a text with a space put in front of it (its "▁" prefix).
    std::string expected = text.toStdString();
    if (!l.tokenizer.byte_level()) expected.insert(expected.begin(), ' ');
    QCOMPARE(QString::fromStdString(joined), QString::fromStdString(expected));
    for (int32_t id : l.tokenizer.eos_ids()) {
      QVERIFY(l.texts->special[static_cast<size_t>(id)]);
      QVERIFY(l.texts->text[static_cast<size_t>(id)].empty());
    }
  }

  void allowed_tokens_match_brute_force_data() {
    QTest::addColumn<QString>("tokenizer");
    QTest::addColumn<int>("k");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<int>("seed");
    for (const char* tok : {"qwen3", "llama2"}) {
      for (int seed : {1, 2, 3}) QTest::newRow((std::string(tok) + " k=2 seed " + std::to_string(seed)).c_str()) << QString(tok) << 2 << QString() << seed;
      QTest::newRow((std::string(tok) + " k=9 capped at the pool").c_str()) << QString(tok) << 9 << QString() << 4;
      QTest::newRow((std::string(tok) + " prefill inside the answer").c_str()) << QString(tok) << 3 << QString("<think>x</think><answer>[i12, ") << 5;
    }
  }
  void allowed_tokens_match_brute_force() {
    QFETCH(QString, tokenizer);
    QFETCH(int, k);
    QFETCH(QString, prefix);
    QFETCH(int, seed);
    const Loaded& l = loaded(tokenizer.toStdString());
    const std::vector<std::string>& pool = kPool;
    rf::ListAnswerSpec spec = spec_of(l.tokenizer, k);
    spec.prefix = prefix.toStdString();
    rf::ListAnswerConstraint c(l.texts, spec);
    std::string written;  // the answer so far (after "<answer>")
    if (prefix.isEmpty()) {
      // Free reasoning first: nothing is constrained until "<answer>" is complete.
      for (int32_t id : l.tokenizer.encode("<think>I pick i99.</think>\n<answer")) {
        QCOMPARE(c.phase(), std::string("free"));
        // Free text is not held; once "<answer" has begun, only what can go on with it is.
        const std::vector<int64_t>* allowed = c.allowed();
        QVERIFY(allowed == nullptr || std::binary_search(allowed->begin(), allowed->end(), int64_t{id}));
        c.advance(id);
      }
      QCOMPARE(c.phase(), std::string("free"));
      c.advance(*l.tokenizer.token_to_id(">"));  // the piece itself (SentencePiece would encode " >")
    } else {
      written = "[i12, ";
    }
    QCOMPARE(c.phase(), std::string("answer"));
    const std::vector<std::string> answers = valid_answers(pool, std::min<int>(k, 4));
    std::mt19937 rng(static_cast<uint32_t>(seed));
    for (int step = 0; step < 64 && c.phase() == "answer"; ++step) {
      const std::vector<int64_t>* allowed = c.allowed();
      QVERIFY(allowed != nullptr);
      const std::vector<int64_t> expected = brute_force_allowed(*l.texts, written, answers);
      QCOMPARE(*allowed, expected);
      const int64_t pick = (*allowed)[std::uniform_int_distribution<size_t>(0, allowed->size() - 1)(rng)];
      written += l.texts->text[static_cast<size_t>(pick)];
      c.advance(pick);
    }
    QCOMPARE(c.phase(), std::string("end"));
    QVERIFY2(std::find(answers.begin(), answers.end(), written) != answers.end(), written.c_str());
    QCOMPARE(*c.allowed(), eos_of(l.tokenizer));
  }

  // With mentions: along a scripted reasoning that names pool items (and a prefill that already named
  // one), every step allows exactly the tokens the whole-string reference accepts — so "[" may only open
  // an unnamed pool id, "[i12]" cannot come twice, "[]" and "[x" never — and the free text around the
  // mentions is untouched; then a random walk finishes a valid answer.
  void mentions_match_brute_force_data() {
    QTest::addColumn<QString>("tokenizer");
    for (const char* tok : {"qwen3", "llama2"}) QTest::newRow(tok) << QString(tok);
  }
  void mentions_match_brute_force() {
    QFETCH(QString, tokenizer);
    const Loaded& l = loaded(tokenizer.toStdString());
    const std::vector<std::string>& pool = kPool;
    const std::vector<std::string> answers = valid_answers(pool, 2);
    rf::ListAnswerSpec spec = spec_of(l.tokenizer, 2);
    spec.prefix = "<think>First [B00X]";
    spec.mentions = true;
    rf::ListAnswerConstraint c(l.texts, spec);
    std::string written = spec.prefix;
    auto check = [&] {
      const std::vector<int64_t>* allowed = c.allowed();
      QVERIFY(allowed != nullptr);
      const std::vector<int64_t> expected = reference_allowed(*l.texts, c.phase() == "free", spec.end_ids, [&](const std::string& t) {
        return mentions_prefix_ok(written + t, pool, answers);
      });
      // On a mismatch, name a few tokens on either side rather than print 150k ids.
      std::string diff;
      std::vector<int64_t> only_a, only_e;
      std::set_difference(allowed->begin(), allowed->end(), expected.begin(), expected.end(), std::back_inserter(only_a));
      std::set_difference(expected.begin(), expected.end(), allowed->begin(), allowed->end(), std::back_inserter(only_e));
      for (size_t i = 0; i < std::min<size_t>(5, only_a.size()); ++i) diff += " allowed-only \"" + l.texts->text[static_cast<size_t>(only_a[i])] + "\"";
      for (size_t i = 0; i < std::min<size_t>(5, only_e.size()); ++i) diff += " expected-only \"" + l.texts->text[static_cast<size_t>(only_e[i])] + "\"";
      QVERIFY2(only_a.empty() && only_e.empty(), ("after \"" + written + "\":" + diff).c_str());
    };
    bool saw_mention = false;
    for (int32_t id : l.tokenizer.encode(", then [i123] and [i7] (not [i12] again)</think>\n<answer")) {
      check();
      if (QTest::currentTestFailed()) return;
      saw_mention = saw_mention || c.phase() == "mention";
      written += l.texts->text[static_cast<size_t>(id)];
      c.advance(id);
      QVERIFY2(c.phase() != "off", written.c_str());
    }
    QVERIFY(saw_mention);
    c.advance(*l.tokenizer.token_to_id(">"));
    written += ">";
    QCOMPARE(c.phase(), std::string("answer"));
    write_random_pieces(c, *l.texts, written, 9, check);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(c.phase(), std::string("end"));
    // A second "[i12]" in the reasoning is refused: every mention names a pool id once.
    rf::ListAnswerSpec twice = spec;
    twice.prefix = "<think>[i12] and ";
    rf::ListAnswerConstraint d(l.texts, twice);
    for (int32_t id : l.tokenizer.encode("[i12")) d.advance(id);
    QCOMPARE(d.phase(), std::string("mention"));  // "[i12" may still become "[i123"
    d.advance(*l.tokenizer.token_to_id("]"));
    QCOMPARE(d.phase(), std::string("off"));
  }

  // With think_close, "</think>" opens the answer at once: along a scripted reasoning and then a random
  // walk, every step allows exactly the tokens the whole-string reference accepts (the end of turn never
  // before the answer; no '<' but one that begins "</think>", or "<think>" once), and the text ends as
  // reasoning + "</think>\n<answer>" + a valid answer. A false start ("</thin" and more text), a second
  // "<think>", "<answer>" without "</think>" and a stray "</answer>" are all refused.
  void think_close_matches_brute_force_data() { mentions_match_brute_force_data(); }
  void think_close_matches_brute_force() {
    QFETCH(QString, tokenizer);
    const Loaded& l = loaded(tokenizer.toStdString());
    const std::vector<std::string> answers = valid_answers(kPool, 2);
    rf::ListAnswerSpec spec = spec_of(l.tokenizer, 2);
    spec.think_close = "</think>";
    rf::ListAnswerConstraint c(l.texts, spec);
    std::string written;
    auto check = [&] {
      const std::vector<int64_t> expected = reference_allowed(*l.texts, c.phase() == "free", spec.end_ids, [&](const std::string& t) {
        return think_close_prefix_ok(written + t, answers);
      });
      const std::vector<int64_t> got = constraint_lets_through(c, l.texts->size());
      std::string diff;
      std::vector<int64_t> only_g, only_e;
      std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(only_g));
      std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(only_e));
      for (size_t i = 0; i < std::min<size_t>(5, only_g.size()); ++i) diff += " allowed-only \"" + l.texts->text[static_cast<size_t>(only_g[i])] + "\"";
      for (size_t i = 0; i < std::min<size_t>(5, only_e.size()); ++i) diff += " expected-only \"" + l.texts->text[static_cast<size_t>(only_e[i])] + "\"";
      QVERIFY2(got == expected, ("after \"" + written + "\":" + diff).c_str());
    };
    for (const char* wrong : {"<think>I pick </thin and", "<think>x<think>", "<think>x<answer>", "<think>x</answer>", "x<b>"}) {
      rf::ListAnswerSpec w = spec;
      w.prefix = wrong;
      QVERIFY2(rf::ListAnswerConstraint(l.texts, w).phase() == "off", wrong);
      QVERIFY(!think_close_prefix_ok(wrong, answers));
    }
    for (int32_t id : l.tokenizer.encode("<think>I pick i99 over i7 and then i12.</think>")) {
      QCOMPARE(c.phase(), std::string("free"));
      check();
      if (QTest::currentTestFailed()) return;
      written += l.texts->text[static_cast<size_t>(id)];
      c.advance(id);
    }
    QCOMPARE(c.phase(), std::string("closing"));
    write_random_pieces(c, *l.texts, written, 11, check);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(c.phase(), std::string("end"));
    const std::string tail = written.substr(written.find("</think>") + 8);
    QVERIFY2(tail.rfind("\n<answer>", 0) == 0, written.c_str());
    QVERIFY2(std::find(answers.begin(), answers.end(), tail.substr(9)) != answers.end(), written.c_str());
  }

  // The tokens an answer needs, on a vocabulary small enough to count by hand: "\n" "</think>" "\n"
  // "<answer>" "[" (5), two ids of at most 2 tokens ("i12" is one token, "i7" is "i" "7"), one ", ", "]"
  // "</answer>" (2) and the end id: 13, plus a quarter rounded up: 17.
  void reserve_counts_the_shortest_spelling() {
    auto t = texts_of({"<eos>", "\n", "</think>", "<answer>", "</answer>", "[", "]", ",", " ", ", ", "i", "1", "2", "7",
                       "i12", "<", "/", ">", "a", "n", "s", "w", "e", "r"});
    rf::ListAnswerSpec spec;
    spec.pool = {"i12", "i7"};
    spec.k = 2;
    spec.end_ids = {0};
    spec.think_close = "</think>";
    QCOMPARE(rf::list_answer_reserve(*t, spec), 17);
    spec.think_close.clear();  // "\n" "<answer>" "[": 3, so 11 + 3 = 14
    QCOMPARE(rf::list_answer_reserve(*t, spec), 14);
  }

  // With a budget, the reasoning is closed when the tokens left reach the reserve, and an answer spelled
  // in the vocabulary's longest pieces then ends within the budget; on real vocabularies too.
  void budget_closes_the_reasoning_in_time_data() {
    QTest::addColumn<QString>("tokenizer");
    QTest::addColumn<int>("free_tokens");
    for (const char* tok : {"qwen3", "llama2"})
      for (int free : {0, 3, 7}) QTest::newRow((std::string(tok) + " " + std::to_string(free) + " free tokens").c_str()) << QString(tok) << free;
  }
  void budget_closes_the_reasoning_in_time() {
    QFETCH(QString, tokenizer);
    QFETCH(int, free_tokens);
    const Loaded& l = loaded(tokenizer.toStdString());
    const std::vector<std::string> pool = {"i12", "i123", "i7", "B00X", "i0042"};
    const std::vector<std::string> answers = valid_answers(pool, 3);
    rf::ListAnswerSpec spec;
    spec.pool = pool;
    spec.k = 3;
    spec.end_ids = eos_of(l.tokenizer);
    spec.think_close = "</think>";
    spec.budget = rf::list_answer_reserve(*l.texts, spec) + free_tokens;
    QVERIFY(spec.budget > free_tokens);
    rf::ListAnswerConstraint c(l.texts, spec);
    const std::vector<int32_t> reasoning = l.tokenizer.encode("<think>The user reads fantasy, then science fiction, then poetry and more");
    QVERIFY(static_cast<int>(reasoning.size()) > free_tokens);
    std::string written;
    int used = 0;
    for (int i = 0; i < free_tokens; ++i) {
      QCOMPARE(c.phase(), std::string("free"));
      written += l.texts->text[static_cast<size_t>(reasoning[static_cast<size_t>(i)])];
      c.advance(reasoning[static_cast<size_t>(i)]);
      ++used;
    }
    QCOMPARE(c.phase(), std::string("closing"));
    used += write_longest_pieces(c, *l.texts, written, spec.budget + 8);
    QCOMPARE(c.phase(), std::string("end"));
    const std::vector<int64_t>& ends = *c.allowed();
    QCOMPARE(ends, eos_of(l.tokenizer));
    ++used;  // the end id
    QVERIFY2(used <= spec.budget, (std::to_string(used) + " tokens, budget " + std::to_string(spec.budget) + ": " + written).c_str());
    QVERIFY2(think_close_prefix_ok(written, answers), written.c_str());
    QVERIFY2(written.find("\n</think>\n<answer>[") != std::string::npos, written.c_str());
  }

  // With mentions, a budget that runs out inside "[i12" lets the mention finish ("]") before it closes.
  void budget_lets_a_mention_finish() {
    const Loaded& l = loaded("qwen3");
    rf::ListAnswerSpec spec;
    spec.pool = {"i12", "i123", "i7"};
    spec.k = 2;
    spec.end_ids = eos_of(l.tokenizer);
    spec.think_close = "</think>";
    spec.mentions = true;
    spec.budget = rf::list_answer_reserve(*l.texts, spec) + 1;
    rf::ListAnswerConstraint c(l.texts, spec);
    std::string written;
    for (int32_t id : l.tokenizer.encode("[i12")) {
      written += l.texts->text[static_cast<size_t>(id)];
      c.advance(id);
      QCOMPARE(c.phase(), std::string("mention"));
    }
    c.advance(*l.tokenizer.token_to_id("]"));
    written += "]";
    QCOMPARE(c.phase(), std::string("closing"));
    int used = static_cast<int>(l.tokenizer.encode("[i12").size()) + 1;
    used += write_longest_pieces(c, *l.texts, written, spec.budget + 8);
    QCOMPARE(c.phase(), std::string("end"));
    QVERIFY2(used + 1 <= spec.budget, written.c_str());
    QVERIFY2(written.rfind("[i12]\n</think>\n<answer>[", 0) == 0, written.c_str());
  }

  void a_token_outside_the_grammar_lifts_it() {
    const Loaded& l = loaded("qwen3");
    rf::ListAnswerSpec spec;
    spec.pool = {"i1", "i2"};
    spec.k = 2;
    rf::ListAnswerConstraint c(l.texts, spec);
    for (int32_t id : l.tokenizer.encode("<answer>")) c.advance(id);
    QCOMPARE(c.phase(), std::string("answer"));
    c.advance(l.tokenizer.encode("x")[0]);  // not "[": the caller ignored allowed()
    QCOMPARE(c.phase(), std::string("off"));
    QVERIFY(c.allowed() == nullptr);
    // With no end ids, the text after "</answer>" is free.
    rf::ListAnswerConstraint done(l.texts, {{"i1"}, 1, {}, "<answer>[i1]</answer>"});
    QCOMPARE(done.phase(), std::string("end"));
    QVERIFY(done.allowed() == nullptr);
  }

  void bad_specs_data() {
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("expected");
    QTest::newRow("empty pool") << 0 << "pool is empty";
    QTest::newRow("id with a space") << 1 << "\"a b\"";
    QTest::newRow("k = 0") << 2 << "k must be >= 1";
    QTest::newRow("closing tag without '<'") << 3 << "must start with '<'";
  }
  void bad_specs() {
    QFETCH(int, which);
    QFETCH(QString, expected);
    rf::ListAnswerSpec spec{{"i1", "i2"}, 2, {}, ""};
    if (which == 0) spec.pool.clear();
    if (which == 1) spec.pool[1] = "a b";
    if (which == 2) spec.k = 0;
    if (which == 3) spec.think_close = "/think";
    expect_error([&] { rf::ListAnswerConstraint c(loaded("qwen3").texts, spec); }, expected);
  }
};

RF_TEST_SUITE(TestTokenConstraint);

// Query's and Rating's format (core/generate/tagged_blocks_constraint.h).
class TestTaggedBlocks : public QObject {
  Q_OBJECT

  // A random walk: in a block's free text any token the constraint lets through, with a token holding '<'
  // one time in four (so blocks sometimes close by themselves); where it holds a list (tags, the rating),
  // the longest token of it, as a model spells a tag (the budget's reserve counts such spellings).
  static std::string walk(rf::TaggedBlocksConstraint& c, const rf::TokenTexts& t, uint32_t seed, int limit, int* used) {
    std::mt19937 rng(seed);
    std::string written;
    *used = 0;
    while (c.phase() != "end" && c.phase() != "off" && *used < limit) {
      std::vector<int64_t> ok = constraint_lets_through(c, t.size());
      if (c.allowed()) {
        int64_t longest = ok.front();
        for (int64_t v : ok)
          if (t.text[static_cast<size_t>(v)].size() > t.text[static_cast<size_t>(longest)].size()) longest = v;
        ok = {longest};
      }
      if (!c.allowed() && rng() % 4 == 0) {
        std::vector<int64_t> lt;
        for (int64_t v : ok)
          if (t.text[static_cast<size_t>(v)].find('<') != std::string::npos) lt.push_back(v);
        if (!lt.empty()) ok = lt;
      }
      const int64_t pick = ok[std::uniform_int_distribution<size_t>(0, ok.size() - 1)(rng)];
      written += t.text[static_cast<size_t>(pick)];
      c.advance(pick);
      ++*used;
    }
    return written;
  }

 private Q_SLOTS:
  void rating_walks_parse_data() {
    QTest::addColumn<QString>("tokenizer");
    QTest::addColumn<int>("budget");
    QTest::addColumn<int>("seed");
    for (const char* tok : {"qwen3", "llama2"})
      for (int budget : {64, 160})
        for (int seed : {1, 2, 3}) QTest::addRow("%s budget %d seed %d", tok, budget, seed) << tok << budget << seed;
  }
  // Every walk, however random its text, ends within the budget in four non-empty blocks in order and a
  // rating of the scale: the Rating recipe's own parser finds the format whole.
  void rating_walks_parse() {
    QFETCH(QString, tokenizer);
    QFETCH(int, budget);
    QFETCH(int, seed);
    const Loaded& l = loaded(tokenizer.toStdString());
    rf::TaggedBlocksSpec spec;
    spec.tags = {"analyze user", "analyze item", "match", "rate"};
    spec.choices = rf::tagged_blocks_rating_choices(1, 5);
    spec.end_ids = eos_of(l.tokenizer);
    spec.budget = budget;
    rf::TaggedBlocksConstraint c(l.texts, spec);
    int used = 0;
    const std::string text = walk(c, *l.texts, static_cast<uint32_t>(seed), budget, &used);
    QVERIFY2(c.phase() == "end", (c.phase() + ": " + text).c_str());
    QVERIFY2(used <= budget, std::to_string(used).c_str());
    rf::RewardInput in;
    in.completion = text;
    rf::reward_parse(in, rf::Recipe::Rating, rf::reward_parse_defaults(rf::Recipe::Rating));
    QVERIFY2(in.parsed.format_ok(), text.c_str());
    QVERIFY(in.parsed.rating >= 1 && in.parsed.rating <= 5);
  }

  // Query after its prefill ("...step by step.\n<think>"), its answer a JSON slot: the think and answer
  // blocks close in time and the Query parser reads a whole {"query": "..."} from every walk, in both
  // tokenizers, whatever random words the walk put in it.
  void query_walks_parse_data() {
    QTest::addColumn<QString>("tokenizer");
    for (const char* tok : {"qwen3", "llama2"}) QTest::newRow(tok) << tok;
  }
  void query_walks_parse() {
    QFETCH(QString, tokenizer);
    const Loaded& l = loaded(tokenizer.toStdString());
    rf::TaggedBlocksSpec spec;
    spec.tags = {"think", "answer"};
    spec.end_ids = eos_of(l.tokenizer);
    spec.prefix = "Let me solve this step by step.\n<think>";
    spec.slot_open = "{\"query\": \"";
    spec.slot_close = "\"}";
    spec.slot_banned = "\"\\\n";
    spec.budget = 64;
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      rf::TaggedBlocksConstraint c(l.texts, spec);
      QCOMPARE(c.phase(), std::string("body"));
      QVERIFY(c.slot_limit() > 0 && c.slot_limit() < c.body_limit());
      int used = 0;
      const std::string text = walk(c, *l.texts, seed, spec.budget, &used);
      QVERIFY2(c.phase() == "end" && used <= spec.budget, text.c_str());
      rf::RewardInput in;
      in.completion = spec.prefix + text;
      rf::reward_parse(in, rf::Recipe::Query, rf::reward_parse_defaults(rf::Recipe::Query));
      QVERIFY2(in.parsed.format_ok(), in.completion.c_str());
      QVERIFY(!in.parsed.query.empty());
    }
  }

  // After "<rate>" the allowed tokens are exactly those that keep the text a prefix of "<choice></rate>"
  // for some choice ("4" may go on to "4.5" or close), by brute force over the whole vocabulary; a block
  // with no text yet cannot close; a closed block forces the next opening tag, one longest piece at a time.
  void rating_answer_tokens_are_exact() {
    const Loaded& l = loaded("qwen3");
    rf::TaggedBlocksSpec spec;
    spec.tags = {"match", "rate"};
    spec.choices = rf::tagged_blocks_rating_choices(1, 5);
    spec.prefix = "<match>";
    rf::TaggedBlocksConstraint c(l.texts, spec);
    QCOMPARE(c.phase(), std::string("body"));
    const std::vector<int64_t>* banned = c.banned();
    QVERIFY(banned);
    for (int64_t v : l.texts->with_lt)
      if (l.texts->text[static_cast<size_t>(v)][0] == '<') QVERIFY(std::binary_search(banned->begin(), banned->end(), v));
    std::string written;
    for (int32_t id : l.tokenizer.encode("fits well</match>")) {
      written += l.texts->text[static_cast<size_t>(id)];
      c.advance(id);
    }
    QCOMPARE(c.phase(), std::string("forced"));
    QCOMPARE(c.block(), 1);
    std::vector<std::string> answers;
    for (const std::string& ch : spec.choices) answers.push_back("\n<rate>" + ch + "</rate>");
    std::string at;  // the text after "</match>"
    for (int step = 0; c.phase() != "end"; ++step) {
      QVERIFY(step < 20);
      const std::vector<int64_t>* allowed = c.allowed();
      QVERIFY(allowed);
      const std::vector<int64_t> brute = brute_force_allowed(*l.texts, at, answers);
      if (c.phase() == "forced") {  // nothing to choose: the one longest piece of the tag
        QCOMPARE(allowed->size(), size_t(1));
        QVERIFY(std::binary_search(brute.begin(), brute.end(), allowed->front()));
        for (int64_t v : brute)
          QVERIFY(l.texts->text[static_cast<size_t>(v)].size() <= l.texts->text[static_cast<size_t>(allowed->front())].size());
      } else {
        QCOMPARE(*allowed, brute);
      }
      const int64_t pick = (*allowed)[allowed->size() / 2];
      at += l.texts->text[static_cast<size_t>(pick)];
      c.advance(pick);
    }
    QVERIFY2(std::find(answers.begin(), answers.end(), at) != answers.end(), at.c_str());
  }

  // The budget splits what the tags leave equally between the free blocks; without one, nothing closes by
  // itself.
  void budget_shares_the_blocks() {
    const Loaded& l = loaded("qwen3");
    rf::TaggedBlocksSpec spec;
    spec.tags = {"think", "answer"};
    spec.budget = 200;
    rf::TaggedBlocksConstraint c(l.texts, spec);
    QVERIFY(c.body_limit() > 50 && c.body_limit() < 100);
    spec.budget = 0;
    rf::TaggedBlocksConstraint free(l.texts, spec);
    QCOMPARE(free.body_limit(), 0);
    const int32_t word = l.tokenizer.encode(" word")[0];
    for (int32_t id : l.tokenizer.encode("<think>")) free.advance(id);
    for (int i = 0; i < 500; ++i) free.advance(word);
    QCOMPARE(free.phase(), std::string("body"));
  }

  void rating_choices() {
    QCOMPARE(rf::tagged_blocks_rating_choices(1, 5), (std::vector<std::string>{"1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"}));
    QCOMPARE(rf::tagged_blocks_rating_choices(0.5, 2), (std::vector<std::string>{"0.5", "1", "1.5", "2"}));
  }

  void bad_specs_data() {
    QTest::addColumn<QStringList>("tags");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no tags") << QStringList{} << "" << "no tags";
    QTest::newRow("tag with <") << QStringList{"a<b"} << "" << "the tag \"a<b\"";
    QTest::newRow("empty block in the prefill") << QStringList{"think", "answer"} << "<think></think>"
                                                << "the prefill \"<think></think>\" does not fit";
    QTest::newRow("slot closing with an allowed character") << QStringList{"answer"} << "" << "the slot's closing text";
  }
  void bad_specs() {
    QFETCH(QStringList, tags);
    QFETCH(QString, prefix);
    QFETCH(QString, expected);
    rf::TaggedBlocksSpec spec;
    for (const QString& t : tags) spec.tags.push_back(t.toStdString());
    spec.prefix = prefix.toStdString();
    if (QString(QTest::currentDataTag()).startsWith("slot")) {
      spec.slot_close = "x}";
      spec.slot_banned = "\"";
    }
    expect_error([&] { rf::TaggedBlocksConstraint c(loaded("qwen3").texts, spec); }, expected);
  }
};

RF_TEST_SUITE(TestTaggedBlocks);
#include "test_token_constraint.moc"
