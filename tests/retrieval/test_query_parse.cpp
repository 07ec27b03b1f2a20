// Tests for the query parser of the BM25 retriever: the grammar (AND/OR/NOT/-word/phrases/parentheses,
// implicit OR or AND), a long table of hostile model-written queries whose expected FTS5 expression is
// written by hand from what the text means, a randomized check that no input can produce anything but
// quoted phrases, operators and parentheses (and that FTS5 accepts it), and the Rec-R1 answer JSON helper.
#include "retrieval/bm25_index.h"
#include "retrieval/query_parse.h"
#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <random>

namespace {

// A tiny index whose only job here is to show that FTS5 accepts every expression the parser emits.
rf::Bm25Index& syntax_index() {
  static rf::Bm25Index index = rf::bm25_index_build(std::vector<std::pair<int32_t, std::string>>{
      {0, "red lipstick matte"}, {1, "anti-aging night cream"}, {2, "Crème brûlée lip balm"}, {3, "bm25 docs table drop"}});
  return index;
}

// True when `expr` is nothing but "quoted strings", AND, OR, NOT, parentheses and single spaces, and
// every quoted string holds at least one character: nothing the model wrote can act as FTS5 syntax.
bool expression_is_safe(const std::string& expr) {
  size_t i = 0;
  while (i < expr.size()) {
    const char c = expr[i];
    if (c == ' ' || c == '(' || c == ')') {
      ++i;
    } else if (c == '"') {
      size_t j = i + 1;
      for (;;) {
        if (j >= expr.size()) return false;
        if (expr[j] == '"') {
          if (j + 1 < expr.size() && expr[j + 1] == '"') j += 2;
          else break;
        } else {
          if (static_cast<unsigned char>(expr[j]) < 0x20) return false;
          ++j;
        }
      }
      if (j == i + 1) return false;
      i = j + 1;
    } else if (expr.compare(i, 4, "AND ") == 0) {
      i += 4;
    } else if (expr.compare(i, 3, "OR ") == 0) {
      i += 3;
    } else if (expr.compare(i, 4, "NOT ") == 0) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

class TestQueryParse : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void expressions_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("implicit_and");
    QTest::addColumn<QString>("expected");  // "" = no search (ok false)
    QTest::addColumn<QString>("note");      // a substring of one repair note, "" = not checked
    auto row = [](const char* name, const QByteArray& in, const char* expected, const char* note = "", bool and_ = false) {
      QTest::newRow(name) << in << and_ << QString::fromUtf8(expected) << QString::fromUtf8(note);
    };
    // The grammar.
    row("adjacent words are OR'ed", "red lipstick", R"("red" OR "lipstick")");
    row("implicit AND option", "red lipstick", R"("red" AND "lipstick")", "", true);
    row("AND", "red AND lipstick", R"("red" AND "lipstick")");
    row("AND binds tighter than OR", "red OR lipstick AND matte", R"("red" OR ("lipstick" AND "matte"))");
    row("implicit AND binds like AND", "red lipstick OR gloss", R"(("red" AND "lipstick") OR "gloss")", "", true);
    row("parentheses", "(red OR pink) AND lipstick", R"(("red" OR "pink") AND "lipstick")");
    row("&& and ||", "red && lipstick || gloss", R"(("red" AND "lipstick") OR "gloss")");
    row("NOT", "lipstick NOT red", R"("lipstick" NOT "red")");
    row("-word", "lipstick -red", R"("lipstick" NOT "red")");
    row("!word", "lipstick !red", R"("lipstick" NOT "red")");
    row("AND NOT", "lipstick AND NOT red", R"("lipstick" NOT "red")");
    row("OR NOT", "lipstick OR NOT red", R"("lipstick" NOT "red")");
    row("NOT excludes from the whole group", "lipstick OR gloss NOT red", R"(("lipstick" OR "gloss") NOT "red")");
    row("leading NOT excludes from the rest", "NOT red lipstick", R"("lipstick" NOT "red")");
    row("two exclusions", "lipstick -red -pink", R"("lipstick" NOT ("red" OR "pink"))");
    row("excluded group", "-(red pink) lipstick", R"("lipstick" NOT ("red" OR "pink"))");
    row("NOT inside a group stays there", "(lipstick -red) OR gloss", R"(("lipstick" NOT "red") OR "gloss")");
    row("a group of only NOT applies to its parent", "lipstick AND (NOT red)", R"("lipstick" NOT "red")");
    row("quoted phrase", R"("red lipstick" matte)", R"("red lipstick" OR "matte")");
    row("hyphenated word is a phrase", "anti-aging cream", R"("anti aging" OR "cream")");
    row("dotted brand is a phrase", "e.l.f. primer", R"("e l f" OR "primer")");
    row("accents kept as written", "Crème brûlée", R"("Crème" OR "brûlée")");
    row("stop words dropped", "cream for the face", R"("cream" OR "face")", "dropped stop words: for, the");
    row("stop words kept in phrases", R"("oil of olay")", R"("oil of olay")");
    // FTS5 / Lucene syntax in model text: never syntax, never extra words.
    row("lowercase operators are words", "and or not near", R"("near")", "dropped stop words: and, or, not");
    row("NEAR( is a word and a group", "NEAR(red lipstick)", R"("NEAR" OR "red" OR "lipstick")");
    row("column filter word:", "title:lipstick", R"("lipstick")", "ignored column filter 'title:'");
    row("column filter on a phrase", R"(title:"red lipstick")", R"("red lipstick")", "ignored column filter");
    row("column filter on a group", "title:(red OR pink)", R"("red" OR "pink")", "ignored column filter");
    row("FTS5 column set filter", "{title body}: lipstick", R"("lipstick")", "ignored column filter '{title body}:'");
    row("wildcard", "lip* gloss", R"("lip" OR "gloss")", "without its wildcard");
    row("boost and fuzziness", "red^2 lipstick~1", R"("red" OR "lipstick")", "ignored boost '^2'");
    row("phrase proximity", R"("red lipstick"~3 matte)", R"("red lipstick" OR "matte")", "ignored proximity '~3'");
    row("caret prefix", "^red", R"("red")");
    row("plus prefix", "+red +lipstick", R"("red" OR "lipstick")");
    row("SQL injection", "'; DROP TABLE bm25_docs; --", R"("DROP" OR "TABLE" OR "bm25 docs")");
    row("SQL in a quote", "\" OR 1=1 --", R"("OR 1 1")", "unterminated quote");
    row("quote inside a word", "red\"lipstick", R"("red" OR "lipstick")", "unterminated quote");
    row("doubled quotes", R"("a ""b"" c")", R"("a" OR "b" OR "c")");
    row("punctuation words vanish", "red ** lipstick & , ;", R"("red" OR "lipstick")");
    row("C++ and R&D", "C++ R&D", R"("C" OR "R D")");
    row("symbols ignored", "💄 lipstick ★", R"("lipstick")", "no searchable characters");
    // Structure repairs.
    row("unclosed (", "((red lipstick)", R"("red" OR "lipstick")", "closed 1 unclosed '('");
    row("unmatched )", "red) lipstick)", R"("red" OR "lipstick")", "dropped 2 unmatched ')'");
    row("leading and trailing operators", "AND red OR", R"("red")", "dropped leading operator 'AND'");
    row("trailing operator", "red lipstick AND", R"("red" OR "lipstick")", "dropped trailing operator 'AND'");
    row("double operator keeps the first", "red AND OR lipstick", R"("red" AND "lipstick")", "stray operators");
    row("operator left alone by a stop word", "a OR lipstick", R"("lipstick")", "dropped leading operator 'OR'");
    row("empty group", "( ) lipstick", R"("lipstick")");
    row("operators around an empty group", "red AND () lipstick", R"("red" AND "lipstick")");
    row("redundant parentheses removed", "((((((((((red))))))))))", R"("red")");
    row("redundant parentheses keep the meaning", "(((((((((red OR pink) AND lipstick)))))))))",
        R"(("red" OR "pink") AND "lipstick")");
    row("deep nesting flattened", "(w1 (w2 (w3 (w4 (w5 (w6 (w7 (w8 (w9 (w10))))))))))",
        R"("w1" OR "w2" OR "w3" OR "w4" OR "w5" OR "w6" OR "w7" OR "w8" OR "w9" OR "w10")", "nested deeper than 8");
    // Characters.
    row("tabs and newlines", "red\tlipstick\nmatte", R"("red" OR "lipstick" OR "matte")");
    row("NUL byte", QByteArray("lipstick\0red", 12), R"("lipstick" OR "red")", "control characters");
    row("invalid UTF-8", "lip\xffstick \xc3", R"("lip" OR "stick")", "invalid UTF-8");
    row("overlong UTF-8 slash", "red\xc0\xafpink", R"("red" OR "pink")", "invalid UTF-8");
    row("UTF-16 surrogate bytes", "red\xed\xa0\x80pink", R"("red" OR "pink")", "invalid UTF-8");
    row("no-break space separates", "red\xc2\xa0lipstick", R"("red" OR "lipstick")");
    row("curly quotes make a phrase", "\xe2\x80\x9cred lipstick\xe2\x80\x9d matte", R"("red lipstick" OR "matte")");
    // Nothing to search.
    row("empty", "", "");
    row("spaces", "   \t ", "");
    row("only symbols", "💄★ ©", "");
    row("only stop words", "the for with", "");
    row("only NOT", "NOT red", "", "NOT needs something to exclude from");
    row("only -words", "-red -pink", "");
    row("empty phrase", R"("")", "");
    row("only operators", "AND OR NOT && || ( )", "");
    row("only punctuation", "*** ;;; ---", "");
  }
  void expressions() {
    QFETCH(QByteArray, input);
    QFETCH(bool, implicit_and);
    QFETCH(QString, expected);
    QFETCH(QString, note);
    rf::QueryParseOptions o;
    o.implicit_and = implicit_and;
    const rf::Bm25Query q = rf::query_parse(std::string_view(input.constData(), static_cast<size_t>(input.size())), o);
    QCOMPARE(QString::fromStdString(q.fts_expression), expected);
    QCOMPARE(q.ok, !expected.isEmpty());
    if (!q.ok) QVERIFY2(q.reason.rfind("query has no searchable words", 0) == 0, q.reason.c_str());
    if (!note.isEmpty()) {
      bool found = false;
      for (const std::string& n : q.notes) found = found || QString::fromStdString(n).contains(note);
      QVERIFY2(found, qPrintable("no note containing '" + note + "' in: " + QString::fromStdString([&] {
                                   std::string all;
                                   for (const std::string& n : q.notes) all += n + "; ";
                                   return all;
                                 }())));
    }
    QVERIFY(expression_is_safe(q.fts_expression));
    // FTS5 accepts it; the table is still there afterwards.
    syntax_index().search(q, 10);
    QCOMPARE(syntax_index().search(rf::query_parse("lipstick"), 10).size(), size_t(1));
  }

  void terms_and_reasons() {
    const rf::Bm25Query q = rf::query_parse("Crème -\"Anti-Aging\" OR lip");
    QCOMPARE(q.terms, (std::vector<std::string>{"creme", "lip"}));
    QCOMPARE(q.excluded, (std::vector<std::string>{"anti aging"}));
    QVERIFY(q.notes.empty());
    QCOMPARE(rf::query_parse("the of").reason, std::string("query has no searchable words (only stop words: the, of)"));
    QCOMPARE(rf::query_parse("NOT red").reason, std::string("query has no searchable words (it only excludes words)"));
    QCOMPARE(rf::query_parse("💄").reason, std::string("query has no searchable words"));
    rf::QueryParseOptions keep;
    keep.keep_stop_words = true;
    QCOMPARE(rf::query_parse("the cream", keep).fts_expression, std::string(R"("the" OR "cream")"));
  }

  void caps_on_size() {
    std::string huge;
    for (int i = 0; i < 20000; ++i) huge += "lipstick ";
    const rf::Bm25Query q = rf::query_parse(huge);
    QVERIFY(q.ok);
    QCOMPARE(q.terms.size(), size_t(64));
    bool cut = false, capped = false;
    for (const std::string& n : q.notes) {
      cut = cut || n == "query cut to its first 2048 bytes";
      capped = capped || n.rfind("kept the first 64 of", 0) == 0;
    }
    QVERIFY(cut && capped);
    syntax_index().search(q, 10);

    std::string phrase = "\"";
    for (int i = 0; i < 100; ++i) phrase.append("w").append(std::to_string(i)).append(" ");
    const rf::Bm25Query p = rf::query_parse(phrase + "\"");
    QCOMPARE(p.terms.size(), size_t(1));
    QCOMPARE(std::count(p.terms[0].begin(), p.terms[0].end(), ' '), 31);  // 32 tokens

    // A multi-byte character is never split by the byte cap.
    rf::QueryParseOptions o;
    o.max_bytes = 9;
    const rf::Bm25Query e = rf::query_parse("crèmecrèmecrème", o);  // 'è' spans bytes 2-3 and 8-9
    QCOMPARE(e.fts_expression, std::string(R"("crèmecr")"));
  }

  // Random mixes of words, operators, brackets, quotes, colons, control and invalid bytes: every result is
  // safe, accepted by FTS5, and the parser is deterministic.
  void random_inputs_are_safe() {
    const std::vector<std::string> pieces = {
        "red", "Lipstick", "AND", "OR", "NOT", "NEAR", "and", "not", "(", ")", "\"", "-", "!", "+", "*", "^2", "~",
        ":", "title:", "{", "}", "&&", "||", "'", ";", "--", "/*", "\\", "<NUL>", "\x01", "\xff", "\xc3", "\xe2\x80\x9c",
        "💄", "ß", "Crème", " ", " ", " ", "\t", "anti-aging", "0.5oz", "\"\"", "NEAR(", ",", "$", "%"};
    std::mt19937 rng(7);
    for (int n = 0; n < 3000; ++n) {
      std::string text;
      const int len = static_cast<int>(rng() % 24);
      for (int i = 0; i < len; ++i) {
        const std::string& p = pieces[rng() % pieces.size()];
        text += p == "<NUL>" ? std::string(1, '\0') : p;
        if (rng() % 3 == 0) text += ' ';
      }
      const rf::Bm25Query q = rf::query_parse(text);
      QVERIFY2(expression_is_safe(q.fts_expression), q.fts_expression.c_str());
      QCOMPARE(q.ok, !q.fts_expression.empty());
      QCOMPARE(rf::query_parse(text).fts_expression, q.fts_expression);
      try {
        syntax_index().search(q, 5);
      } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("FTS5 rejected ") + QString::fromStdString(q.fts_expression) + ": " + e.what()));
      }
    }
  }

  void answer_json_data() {
    QTest::addColumn<QString>("answer");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("query_or_reason");
    QTest::newRow("plain") << R"({"query": "red lipstick"})" << true << "red lipstick";
    QTest::newRow("spaces and other keys") << "  {\"think\": 1, \"query\": \"a AND b\"}\n" << true << "a AND b";
    QTest::newRow("json fence") << "```json\n{\"query\": \"matte\"}\n```" << true << "matte";
    QTest::newRow("escaped quote") << "{\"query\": \"\\\"red lipstick\\\" -pink\"}" << true << "\"red lipstick\" -pink";
    QTest::newRow("not json") << "red lipstick" << false << "answer is not JSON";
    QTest::newRow("truncated") << "{\"query\": \"red" << false << "answer is not JSON";
    QTest::newRow("array") << R"(["red"])" << false << "not an object";
    QTest::newRow("no query") << R"({"q": "red"})" << false << "no \"query\" field";
    QTest::newRow("number") << R"({"query": 5})" << false << "not a string";
    QTest::newRow("empty") << "" << false << "answer is not JSON";
  }
  void answer_json() {
    QFETCH(QString, answer);
    QFETCH(bool, ok);
    QFETCH(QString, query_or_reason);
    const rf::QueryAnswer a = rf::query_answer_extract(answer.toStdString());
    QCOMPARE(a.ok, ok);
    if (ok) QCOMPARE(QString::fromStdString(a.query), query_or_reason);
    else QVERIFY2(QString::fromStdString(a.reason).contains(query_or_reason), a.reason.c_str());
  }
};

RF_TEST_SUITE(TestQueryParse);
#include "test_query_parse.moc"
