// Tests for the output parsers (core/text/output_parse.h, title_match.h): a table of hand-written model
// completions for the three recipes, good and broken, each with the expected tag verdict, the answer read
// (items / query / rating) and a fragment of the expected problem; exact tag byte positions counted by
// hand; title normalisation and fuzzy lookup (checked against a brute-force scan on a 12k catalogue);
// a fixed-seed random-input robustness loop; and `recforge-cli parse` driven through QProcess.
#include "text/output_parse.h"
#include "text/title_match.h"

#include "util/error.h"

#include "support/fixtures.h"
#include "support/cli_process.h"
#include "support/suite_registry.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <random>

namespace {

// A small mixed catalogue: MovieLens-style titles (years, moved articles, alternative titles, accents),
// Amazon-style ASIN ids, a Japanese title. The candidate pool is the first ten items.
const rf::ListMatcher& test_matcher() {
  static const rf::ListMatcher matcher(rf::ListCatalogue{
      {"1", "2", "3", "4", "5", "6", "7", "8", "318", "B00ABC1234", "B00XYZ9876", "B01DEF5555", "2046", "12"},
      {"Toy Story (1995)", "Heat (1995)", "American President, The (1995)", "Seven (a.k.a. Se7en) (1995)",
       "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
       "Léon: The Professional (a.k.a. The Professional) (Léon) (1994)", "2001: A Space Odyssey (1968)",
       "Beauty and the Beast (1991)", "Shawshank Redemption, The (1994)", "Maybelline New York Great Lash Mascara",
       "OPI Nail Lacquer, Simmer and Shimmer, 0.5-Fluid Ounce", "L'Oréal Paris Voluminous Original Mascara",
       "千と千尋の神隠し (2001)", "Titanic (1997)"}});
  return matcher;
}

std::vector<int32_t> test_pool() { return {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; }

const std::vector<std::string> kListTags = {"think", "answer"};
const std::vector<std::string> kRatingTags = {"analyze user", "analyze item", "match", "rate"};

QString joined(const std::vector<std::string>& problems) {
  QStringList out;
  for (const std::string& p : problems) out << QString::fromStdString(p);
  return out.join(" | ");
}

QString rating_completion(const QString& rate) {
  return "<analyze user>Rates dramas highly, 4.2 on average.</analyze user>\n<analyze item>A slow drama, average 3.9."
         "</analyze item>\n<match>Good fit for this user.</match>\n<rate>" + rate + "</rate>";
}

using rf::test::CliRun;

CliRun run_cli(const QStringList& args, const QByteArray& input) { return rf::test::cli_run(args, {input, 60000, {}}); }

}  // namespace

class TestOutputParse : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // --- the table of completions -------------------------------------------------------------------------
  void completions_data() {
    QTest::addColumn<QString>("recipe");
    QTest::addColumn<QString>("completion");
    QTest::addColumn<int>("k");
    QTest::addColumn<bool>("tags_ok");
    QTest::addColumn<bool>("answer_ok");
    QTest::addColumn<QStringList>("items");  // list: catalogue ids in answer order
    QTest::addColumn<QString>("query");
    QTest::addColumn<double>("rating");
    QTest::addColumn<QString>("problem");  // "" = no problem at all; else a fragment of one problem

    const QString think = "<think>The user watched crime dramas from the 90s; pick tense films.</think>\n";
    auto list = [&](const char* name, const QString& answer, bool tags_ok, bool answer_ok, const QStringList& items,
                    const QString& problem, int k = 3) {
      QTest::newRow(name) << "list" << (think + "<answer>" + answer + "</answer>") << k << tags_ok << answer_ok << items
                          << QString() << 0.0 << problem;
    };
    auto raw_list = [&](const char* name, const QString& completion, bool tags_ok, bool answer_ok, const QStringList& items,
                        const QString& problem) {
      QTest::newRow(name) << "list" << completion << 3 << tags_ok << answer_ok << items << QString() << 0.0 << problem;
    };
    const QStringList crime = {"2", "4", "318"};
    list("list: JSON array of ids", "[2, 4, 318]", true, true, crime, "");
    list("list: bare comma ids", "2, 4, 318", true, true, crime, "");
    list("list: one id per line", "\n2\n4\n318\n", true, true, crime, "");
    list("list: numbered titles", "\n1. Heat\n2. Seven\n3. The Shawshank Redemption\n", true, true, crime, "");
    list("list: #ids", "#2, #4, #318", true, true, crime, "");
    list("list: item N", "item 2, item 4, item 318", true, true, crime, "");
    list("list: Item N: Title lines", "Item 2: Heat\nItem 4: Seven\nItem 318: The Shawshank Redemption", true, true, crime, "");
    list("list: Title (id N) lines", "Heat (id 2)\nSeven (ID: 4)\nThe Shawshank Redemption (id 318)", true, true, crime, "");
    list("list: id - title, numbered", "1) 2 - Heat\n2) 4 - Seven\n3) 318 - Shawshank", true, true, crime, "");
    list("list: JSON strings with an ASIN", "[\"B00ABC1234\", \"1\", \"2\"]", true, true, {"B00ABC1234", "1", "2"}, "");
    list("list: ASIN in other case", "b00abc1234, 1, 2", true, true, {"B00ABC1234", "1", "2"}, "");
    list("list: unquoted ASINs in brackets", "[B00ABC1234, 1, 2]", true, true, {"B00ABC1234", "1", "2"}, "");
    list("list: code fence", "```json\n[2, 4, 318]\n```", true, true, crime, "");
    list("list: trailing comma", "[2, 4, 318,]", true, true, crime, "");
    list("list: JSON objects", "[{\"id\": 2, \"title\": \"Heat\"}, {\"id\": 4}, {\"id\": \"318\"}]", true, true, crime, "");
    list("list: bold bullets", "\n- **Heat**\n- **Seven**\n- **Toy Story**", true, true, {"2", "4", "1"}, "");
    list("list: curly-quoted titles", "“Heat”, “Seven”, “Toy Story”", true, true, {"2", "4", "1"}, "");
    list("list: title with a number, not an id", "2001: A Space Odyssey\nHeat\nSeven", true, true, {"7", "2", "4"}, "");
    list("list: moved article and & for and", "American President, The (1995); Beauty & the Beast", true, true, {"3", "8"}, "", 2);
    list("list: duplicates reported", "[2, 4, 2]", true, true, {"2", "4"}, "item \"2\" (\"Heat (1995)\") appears 2 times");
    list("list: duplicates make k short", "[2, 4, 2]", true, true, {"2", "4"}, "2 distinct catalogue items, expected 3");
    list("list: id outside the pool kept", "[2, 4, 12]", true, true, {"2", "4", "12"},
         "item \"12\" (\"Titanic (1997)\") is not in the candidate pool");
    list("list: unknown id reported", "[2, 4, 999]", true, true, {"2", "4"}, "\"999\" matches no catalogue item");
    list("list: titles with typos", "The Shawshenk Redemption\nBeauty and the Beest\nAmerikan President", true, true,
         {"318", "8", "3"}, "only approximately (similarity 0.95)");
    list("list: typo too far from any title", "Heet, Seven, Heat", true, true, {"4", "2"}, "\"Heet\" matches no catalogue item");
    list("list: unicode titles", "Amélie, Léon, 千と千尋の神隠し", true, true, {"5", "6", "2046"}, "is not in the candidate pool");
    list("list: wrong id, right title", "Item 99: Heat\nItem 4: Seven\nItem 318: Shawshank", true, true, crime,
         "the id matches no item; read by its title");
    list("list: too long for k", "[1, 2, 3, 4]", true, true, {"1", "2", "3", "4"}, "lists 4 entries, expected 3");
    list("list: wrapped in an object", "{\"recommendations\": [2, 4, 318]}", true, true, crime, "wrapped in a JSON object");
    list("list: nested lists", "[[2, 4], [318]]", true, true, crime, "nested lists");
    list("list: object without a list", "{\"pick\": \"Heat\"}", true, false, {}, "JSON object with no list");
    list("list: brackets nested too deep", "[[[[[[[[[[[[[[[[[[2]]]]]]]]]]]]]]]]]]", true, false, {}, "more than 16 deep");
    list("list: prose instead of a list", "My picks are: great films, all of them", true, false, {}, "no entry matched");
    list("list: empty brackets", "[]", true, false, {}, "lists no items");
    list("list: empty answer", "  ", false, false, {}, "<answer> is empty");
    raw_list("list: missing </think>", "<think>Crime dramas.\n<answer>[2, 4, 318]</answer>", false, true, crime,
             "</think> is missing");
    raw_list("list: answer twice, the last is read", think + "<answer>[1, 2, 3]</answer> Wait, better:<answer>[2, 4, 318]</answer>",
             false, true, crime, "<answer> appears 2 times");
    raw_list("list: tags out of order", "<answer>[2, 4, 318]</answer><think>Crime dramas.</think>", false, true, crime,
             "<answer> comes before <think>");
    raw_list("list: answer inside think", "<think>Crime dramas. <answer>[2, 4, 318]</answer></think>", false, true, crime,
             "<answer> is inside <think>");
    raw_list("list: spaces inside the tag", think + "< answer >[2, 4, 318]</ answer >", false, false, {},
             "\"< answer >\" at byte 77 is not the tag <answer>");
    raw_list("list: upper-case tag", "<THINK>Crime.</THINK><answer>[2, 4, 318]</answer>", false, true, crime,
             "is not the tag <think>");
    raw_list("list: no tags at all", "[2, 4, 318]", false, false, {}, "<think> is missing");
    raw_list("list: unclosed answer", think + "<answer>[2, 4, 318]", false, false, {}, "</answer> is missing");

    auto query = [&](const char* name, const QString& answer, bool answer_ok, const QString& q, const QString& problem) {
      QTest::newRow(name) << "query" << ("<think>She buys lip products.</think><answer>" + answer + "</answer>") << 0
                          << true << answer_ok << QStringList() << q << 0.0 << problem;
    };
    query("query: plain JSON", "{\"query\": \"red matte lipstick\"}", true, "red matte lipstick", "");
    query("query: code fence", "```json\n{\"query\": \"long lasting mascara\"}\n```", true, "long lasting mascara", "");
    query("query: Boolean operators", "{\"query\": \"(mascara OR eyeliner) AND waterproof\"}", true,
          "(mascara OR eyeliner) AND waterproof", "");
    query("query: unicode escape", "{\"query\": \"cr\\u00e8me hydratante\"}", true, "crème hydratante", "");
    query("query: text around", "Here it is: {\"query\": \"nail polish\"} Hope this helps!", true, "nail polish",
          "text around the JSON object was ignored");
    query("query: trailing comma", "{\"query\": \"nail polish\",}", true, "nail polish", "trailing comma");
    query("query: single quotes", "{'query': 'nail polish'}", false, "", "single quotes");
    query("query: number", "{\"query\": 42}", false, "", "\"query\" is a number, not a string");
    query("query: list", "{\"query\": [\"lipstick\", \"gloss\"]}", false, "", "\"query\" is an array, not a string");
    query("query: empty", "{\"query\": \"   \"}", false, "", "\"query\" is empty");
    query("query: missing field", "{\"search\": \"lipstick\"}", false, "", "no \"query\" field (its fields: \"search\")");
    query("query: bare string", "red matte lipstick", false, "", "not a JSON object");
    query("query: unclosed object", "{\"query\": \"lipstick\"", false, "", "not closed");
    QTest::newRow("query: missing <think>")
        << "query" << "<answer>{\"query\": \"lipstick\"}</answer>" << 0 << false << true << QStringList() << "lipstick"
        << 0.0 << "<think> is missing";

    auto rating = [&](const char* name, const QString& rate, bool answer_ok, double value, const QString& problem) {
      QTest::newRow(name) << "rating" << rating_completion(rate) << 0 << !rate.trimmed().isEmpty() << answer_ok
                          << QStringList() << QString() << value << problem;
    };
    rating("rating: integer", "4", true, 4, "");
    rating("rating: 4.5/5", "4.5/5", true, 4.5, "");
    rating("rating: stars", "4 stars", true, 4, "");
    rating("rating: Rating: 3.5", "Rating: 3.5", true, 3.5, "");
    rating("rating: out of", "3 out of 5", true, 3, "");
    rating("rating: same number twice", "4. I rate it 4.", true, 4, "");
    rating("rating: between 3 and 4", "between 3 and 4", false, 0, "several different numbers in the rating (3, 4)");
    rating("rating: out of range", "6", false, 6, "the rating 6 is outside [1, 5]");
    rating("rating: negative", "-1", false, -1, "outside [1, 5]");
    rating("rating: ten-point scale", "8/10", false, 8, "scale of 10");
    rating("rating: words only", "pretty high", false, 0, "no number in the rating");
    rating("rating: empty", " ", false, 0, "the rating is empty");
    QTest::newRow("rating: missing <match>")
        << "rating" << "<analyze user>u</analyze user><analyze item>i</analyze item><rate>4</rate>" << 0 << false << true
        << QStringList() << QString() << 4.0 << "<match> is missing";
    QTest::newRow("rating: underscore in a tag")
        << "rating" << "<analyze_user>u</analyze_user><analyze item>i</analyze item><match>m</match><rate>4</rate>" << 0
        << false << true << QStringList() << QString() << 4.0 << "is not the tag <analyze user>";
    QTest::newRow("rating: blocks out of order")
        << "rating" << "<analyze user>u</analyze user><analyze item>i</analyze item><rate>4</rate><match>m</match>" << 0
        << false << true << QStringList() << QString() << 4.0 << "<rate> comes before <match>";
  }

  void completions() {
    QFETCH(QString, recipe);
    QFETCH(QString, completion);
    QFETCH(int, k);
    QFETCH(bool, tags_ok);
    QFETCH(bool, answer_ok);
    QFETCH(QStringList, items);
    QFETCH(QString, query);
    QFETCH(double, rating);
    QFETCH(QString, problem);

    const std::string text = completion.toStdString();
    const bool is_rating = recipe == "rating";
    const rf::TagCheck tags = rf::output_check_tags(text, is_rating ? kRatingTags : kListTags);
    std::vector<std::string> problems = tags.problems;
    const std::optional<rf::TagSpan> block = rf::output_last_block(text, is_rating ? "rate" : "answer");
    bool ok = false;
    if (!block) {
      problems.push_back("no answer block");
    } else if (recipe == "list") {
      const rf::ListMatcher& m = test_matcher();
      const rf::ListAnswer a = rf::output_parse_list(block->content, m, test_pool(), k);
      ok = a.ok;
      QStringList got;
      for (const int32_t i : a.items) got << QString::fromStdString(m.catalogue().ids[static_cast<size_t>(i)]);
      QCOMPARE(got, items);
      problems.insert(problems.end(), a.problems.begin(), a.problems.end());
    } else if (recipe == "query") {
      const rf::QueryAnswer a = rf::output_parse_query(block->content);
      ok = a.ok;
      QCOMPARE(QString::fromStdString(a.query), query);
      problems.insert(problems.end(), a.problems.begin(), a.problems.end());
    } else {
      const rf::RatingAnswer a = rf::output_parse_rating(block->content, 1, 5);
      ok = a.ok;
      QCOMPARE(a.value, rating);
      problems.insert(problems.end(), a.problems.begin(), a.problems.end());
    }
    const QString all = joined(problems);
    QVERIFY2(tags.ok == tags_ok, qPrintable("tags: " + all));
    QVERIFY2(ok == answer_ok, qPrintable("answer: " + all));
    if (problem.isEmpty()) QVERIFY2(problems.empty(), qPrintable("unexpected problems: " + all));
    else QVERIFY2(all.contains(problem), qPrintable("expected \"" + problem + "\" in: " + all));
  }

  // --- exact positions, counted by hand ----------------------------------------------------------------
  void tag_positions() {
    const rf::TagCheck a = rf::output_check_tags("<think>ab</think><answer>1</answer>", kListTags);
    QVERIFY(a.ok);
    QCOMPARE(a.tags.size(), size_t(2));
    QCOMPARE(a.tags[0].open_begin, size_t(0));
    QCOMPARE(a.tags[0].open_end, size_t(7));
    QCOMPARE(a.tags[0].close_begin, size_t(9));
    QCOMPARE(a.tags[0].close_end, size_t(17));
    QCOMPARE(a.tags[0].content, std::string("ab"));
    QCOMPARE(a.tags[1].open_begin, size_t(17));
    QCOMPARE(a.tags[1].open_end, size_t(25));
    QCOMPARE(a.tags[1].close_begin, size_t(26));
    QCOMPARE(a.tags[1].close_end, size_t(35));

    // "<analyze user>" is 14 bytes, "</analyze user>" 15, "<analyze item>" 14, "</analyze item>" 15.
    const std::string recz = "<analyze user> u </analyze user>\n<analyze item>i</analyze item><match>m</match><rate>4</rate>";
    const rf::TagCheck b = rf::output_check_tags(recz, kRatingTags, true);
    QVERIFY2(b.ok, qPrintable(joined(b.problems)));
    QCOMPARE(b.tags.size(), size_t(4));
    QCOMPARE(b.tags[0].name, std::string("analyze user"));
    QCOMPARE(b.tags[0].close_begin, size_t(17));
    QCOMPARE(b.tags[0].close_end, size_t(32));
    QCOMPARE(b.tags[0].content, std::string("u"));
    QCOMPARE(b.tags[1].open_begin, size_t(33));
    QCOMPARE(b.tags[1].close_end, size_t(63));
    QCOMPARE(b.tags[2].open_begin, size_t(63));
    QCOMPARE(b.tags[3].open_begin, size_t(79));
    QCOMPARE(b.tags[3].open_end, size_t(85));
    QCOMPARE(b.tags[3].close_begin, size_t(86));
    QCOMPARE(b.tags[3].close_end, size_t(93));

    // Positions are bytes: "é" is two.
    const rf::TagCheck c = rf::output_check_tags("<think>é</think><answer>x</answer>", kListTags);
    QCOMPARE(c.tags[0].close_begin, size_t(9));
    QCOMPARE(c.tags[1].open_begin, size_t(17));

    // The last complete block: 18 bytes, a space, then the second block at 19.
    const auto last = rf::output_last_block("<answer>1</answer> <answer>2</answer>", "answer");
    QVERIFY(last.has_value());
    QCOMPARE(last->open_begin, size_t(19));
    QCOMPARE(last->open_end, size_t(27));
    QCOMPARE(last->close_begin, size_t(28));
    QCOMPARE(last->close_end, size_t(37));
    QCOMPARE(last->content, std::string("2"));
    QVERIFY(!rf::output_last_block("<answer>1", "answer").has_value());
    QVERIFY(!rf::output_last_block("</answer><answer>", "answer").has_value());

    // Only white space outside the tags, when asked; the first stray word is located.
    const rf::TagCheck d = rf::output_check_tags("Sure! <think>a</think><answer>1</answer>", kListTags, true);
    QVERIFY(!d.ok);
    QVERIFY2(joined(d.problems).contains("text outside the tags at byte 0: \"Sure!\""), qPrintable(joined(d.problems)));
    QVERIFY(rf::output_check_tags("Sure! <think>a</think><answer>1</answer>", kListTags, false).ok);
  }

  // --- titles --------------------------------------------------------------------------------------------
  void title_normalise_data() {
    QTest::addColumn<QByteArray>("title");
    QTest::addColumn<QString>("expected");
    QTest::newRow("moved article and year") << QByteArray("American President, The (1995)") << "american president";
    QTest::newRow("leading article") << QByteArray("  The   Matrix  ") << "matrix";
    QTest::newRow("A is an article") << QByteArray("A Beautiful Mind (2001)") << "beautiful mind";
    QTest::newRow("accents") << QByteArray("Amélie") << "amelie";
    QTest::newRow("ampersand") << QByteArray("Beauty & the Beast") << "beauty and the beast";
    QTest::newRow("curly apostrophe") << QByteArray("Schindler’s List (1993)") << "schindlers list";
    QTest::newRow("French moved article") << QByteArray("Atalante, L' (1934)") << "latalante";
    QTest::newRow("punctuation to spaces") << QByteArray("Léon: The Professional") << "leon the professional";
    QTest::newRow("year range") << QByteArray("Twin Peaks (1990-1991)") << "twin peaks";
    QTest::newRow("leading bracket kept") << QByteArray("(500) Days of Summer (2009)") << "500 days of summer";
    QTest::newRow("ligatures") << QByteArray("Ærø Straße") << "aero strasse";
    QTest::newRow("fullwidth") << QByteArray("ＡＢＣ １２") << "abc 12";
    QTest::newRow("Cyrillic") << QByteArray("Город") << "город";
    QTest::newRow("Greek") << QByteArray("ΑΒΓ") << "αβγ";
    QTest::newRow("invalid UTF-8") << QByteArray("\xff\xfeHeat\xc3") << "heat";
    QTest::newRow("only punctuation") << QByteArray("?!…") << "";
    QTest::newRow("a lone article stays") << QByteArray("A") << "a";
  }
  void title_normalise() {
    QFETCH(QByteArray, title);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(rf::title_normalise(title.toStdString())), expected);
  }

  void title_aliases_and_similarity() {
    const std::vector<std::string> seven = rf::title_aliases("Seven (a.k.a. Se7en) (1995)");
    QCOMPARE(seven, (std::vector<std::string>{"seven a k a se7en", "seven", "se7en"}));
    QCOMPARE(rf::title_aliases("Heat (1995)"), std::vector<std::string>{"heat"});
    QVERIFY(rf::title_aliases("").empty());
    // kitten -> sitting: 3 edits over 7 characters.
    QVERIFY(qAbs(rf::title_similarity("kitten", "sitting") - (1.0 - 3.0 / 7.0)) < 1e-12);
    QCOMPARE(rf::title_similarity("", ""), 1.0);
    QCOMPARE(rf::title_similarity("abc", ""), 0.0);
    QVERIFY(qAbs(rf::title_similarity("amélie", "amelie") - (1.0 - 1.0 / 6.0)) < 1e-12);  // code points, not bytes

    const rf::ListMatcher& m = test_matcher();
    std::string how;
    double sim = 0;
    QCOMPARE(m.find_title("Heat (1995)", &how), 1);
    QCOMPARE(how, std::string("exact"));
    QCOMPARE(m.find_title("the shawshank redemption", &how), 8);
    QCOMPARE(how, std::string("normalised"));
    QCOMPARE(m.find_title("Se7en", &how), 3);  // an alternative title
    QCOMPARE(m.find_title("Titanik", &how, &sim), 13);
    QCOMPARE(how, std::string("fuzzy"));
    QVERIFY(qAbs(sim - (1.0 - 1.0 / 7.0)) < 1e-12);
    QCOMPARE(m.find_title("Heet", &how), -1);  // 0.75 < 0.85
    QCOMPARE(m.find_title("", &how), -1);
    QCOMPARE(m.find_id("b00abc1234"), 9);
    QCOMPARE(m.find_id("nope"), -1);
    // Ids that differ only in case are not folded together.
    const rf::ListMatcher cased(rf::ListCatalogue{{"ab", "AB"}, {}});
    QCOMPARE(cased.find_id("AB"), 1);
    QCOMPARE(cased.find_id("Ab"), -1);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::ListMatcher(rf::ListCatalogue{{"1", "2"}, {"only one"}}));
  }

  // The trigram index must find what a scan of every title finds, on a catalogue of Beauty's size.
  void fuzzy_index_matches_brute_force() {
    std::mt19937 rng(7);
    const char* syllables[] = {"ka", "lo", "mi", "ra", "sen", "tor", "vel", "qua", "bri", "zon", "pel", "dar", "fin", "gus"};
    auto word = [&] {
      std::string w;
      const int n = 2 + static_cast<int>(rng() % 3);
      for (int i = 0; i < n; ++i) w += syllables[rng() % 14];
      return w;
    };
    rf::ListCatalogue c;
    for (int i = 0; i < 12000; ++i) {
      std::string t = word() + " " + word();
      if (rng() % 2) t += " " + word();
      c.ids.push_back(std::to_string(i));
      c.titles.push_back(t);
    }
    const rf::ListMatcher m(c, 0.85);
    std::vector<std::string> queries;
    for (int q = 0; q < 300; ++q) {
      std::string t = c.titles[rng() % c.titles.size()];
      t[rng() % t.size()] = static_cast<char>('a' + rng() % 26);  // one typo (or none)
      if (q % 3 == 0) t.insert(t.begin() + static_cast<long>(rng() % t.size()), 'x');
      queries.push_back(t);
    }
    QElapsedTimer timer;
    timer.start();
    std::vector<double> found_sim(queries.size());
    std::vector<int32_t> found(queries.size());
    for (size_t q = 0; q < queries.size(); ++q) {
      std::string how;
      found[q] = m.find_title(queries[q], &how, &found_sim[q]);
    }
    const double us_per_lookup = static_cast<double>(timer.nsecsElapsed()) / 1000.0 / static_cast<double>(queries.size());
    qInfo("fuzzy title lookup on 12000 titles: %.1f us per lookup", us_per_lookup);
    QVERIFY2(us_per_lookup < 5000, "a lookup must not scan the whole catalogue");
    for (size_t q = 0; q < 40; ++q) {  // brute force on a sample
      double best = 0;
      const std::string n = rf::title_normalise(queries[q]);
      for (const std::string& t : c.titles) best = std::max(best, rf::title_similarity(n, rf::title_normalise(t)));
      if (best < 0.85) {
        QCOMPARE(found[q], -1);
      } else {
        QVERIFY2(found[q] >= 0, queries[q].c_str());
        QVERIFY(qAbs(found_sim[q] - best) < 1e-12);
      }
    }
  }

  // --- bad input never crashes ---------------------------------------------------------------------------
  void random_input_robustness() {
    std::mt19937 rng(20240611);
    const std::vector<std::string> pieces = {"<think>", "</think>", "<answer>", "</answer>", "< answer >", "<rate>",
                                             "</rate>", "<analyze user>", "[", "]", "{", "}", "\"", "'", ",", ":",
                                             "\"query\"", "```json\n", "```", "12", "318", "B00ABC1234", "#", "item ",
                                             "\n", " ", "4.5", "/5", "-", ".", "Heat", "Amélie", "\xff", "\xc3",
                                             "\xe2\x80", "\\", "千", "(id 2)", "1. "};
    const rf::ListMatcher& m = test_matcher();
    QElapsedTimer timer;
    timer.start();
    int runs = 0;
    for (; runs < 20000 && timer.elapsed() < 3000; ++runs) {
      std::string text;
      const int n = static_cast<int>(rng() % 40);
      for (int i = 0; i < n; ++i) {
        if (rng() % 5 == 0) text += static_cast<char>(rng() % 256);
        else text += pieces[rng() % pieces.size()];
      }
      const rf::TagCheck t = rf::output_check_tags(text, runs % 2 ? kListTags : kRatingTags, runs % 3 == 0);
      for (const rf::TagSpan& s : t.tags) {
        QVERIFY(s.open_begin < s.open_end && s.open_end <= s.close_begin && s.close_begin < s.close_end);
        QVERIFY(s.close_end <= text.size());
      }
      QVERIFY(t.ok == t.problems.empty());
      if (const auto b = rf::output_last_block(text, "answer")) QVERIFY(b->close_end <= text.size());
      const rf::ListAnswer l = rf::output_parse_list(text, m, test_pool(), 3);
      QVERIFY(!l.ok || !l.items.empty());
      size_t unmatched = 0;
      for (const rf::ListEntry& e : l.entries) unmatched += e.item < 0;
      QCOMPARE(unmatched, l.unmatched.size());
      const rf::QueryAnswer q = rf::output_parse_query(text);
      QCOMPARE(q.ok, !q.query.empty());
      QVERIFY(q.ok || !q.problems.empty());
      const rf::RatingAnswer r = rf::output_parse_rating(text, 1, 5);
      QVERIFY(!r.ok || (r.value >= 1 && r.value <= 5));
      QVERIFY(r.ok || !r.problems.empty());
    }
    qInfo("%d random completions parsed", runs);

    // Huge and pathological inputs finish quickly and say what happened.
    timer.restart();
    const std::string brackets(1 << 20, '[');
    QVERIFY(!rf::output_parse_list(brackets, m, {}, 0).ok);
    QVERIFY(!rf::output_parse_query(std::string(1 << 20, '{')).ok);
    QVERIFY(!rf::output_check_tags(std::string(1 << 20, '<'), kRatingTags).ok);
    std::string many;
    for (int i = 0; i < 100000; ++i) many += "2, ";
    const rf::ListAnswer big = rf::output_parse_list(many, m, {}, 10);
    QVERIFY(big.ok);
    QVERIFY(joined(big.problems).contains("longer than 64 KiB"));
    QVERIFY(joined(big.problems).contains("more than 1000 entries"));
    const rf::RatingAnswer digits = rf::output_parse_rating(std::string(100000, '9'), 1, 5);
    QVERIFY(!digits.ok);
    QVERIFY2(timer.elapsed() < 10000, "pathological inputs took too long");
  }

  // --- recforge-cli parse ----------------------------------------------------------------------------------
  void cli_parse() {
    const CliRun list = run_cli({"parse", "--recipe", "list", "--pool", "2,4,318", "--k", "3", "--text", "-"},
                                "<think>Crime.</think><answer>[4, 2]</answer>");
    QCOMPARE(list.exit_code, 0);
    const nlohmann::json j = nlohmann::json::parse(list.out.toStdString());
    QCOMPARE(j["ok"].get<bool>(), true);
    QCOMPARE(j["format"]["tags"][1]["name"].get<std::string>(), std::string("answer"));
    QCOMPARE(j["format"]["tags"][1]["open_begin"].get<int>(), 21);  // "<think>Crime.</think>" is 21 bytes
    QCOMPARE(j["answer"]["content"].get<std::string>(), std::string("[4, 2]"));
    QCOMPARE(j["list"]["items"][0]["id"].get<std::string>(), std::string("4"));
    QCOMPARE(j["list"]["items"][1]["id"].get<std::string>(), std::string("2"));
    QVERIFY(j["problems"].dump().find("lists 2 entries, expected 3") != std::string::npos);

    const CliRun titles = run_cli({"parse", "--recipe", "list", "--data", QString::fromStdString(rf::test::fixture_path("data/eval-mini")),
                                   "--text", "-"},
                                  "<think>x</think><answer>1. Item C\n2. item b\n3. \"Item E\"</answer>");
    QCOMPARE(titles.exit_code, 0);
    const nlohmann::json t = nlohmann::json::parse(titles.out.toStdString());
    QCOMPARE(t["list"]["items"].size(), size_t(3));
    QCOMPARE(t["list"]["items"][0]["id"].get<std::string>(), std::string("C"));
    QCOMPARE(t["list"]["items"][1]["id"].get<std::string>(), std::string("B"));
    QCOMPARE(t["list"]["items"][2]["id"].get<std::string>(), std::string("E"));

    const CliRun rating = run_cli({"parse", "--recipe", "rating", "--text", "-"}, rating_completion("4.5/5").toUtf8());
    QCOMPARE(rating.exit_code, 0);
    const nlohmann::json r = nlohmann::json::parse(rating.out.toStdString());
    QCOMPARE(r["ok"].get<bool>(), true);
    QCOMPARE(r["rating"]["value"].get<double>(), 4.5);

    const CliRun query = run_cli({"parse", "--recipe", "query", "--text", "-"}, "<think>x</think><answer>{'query': 'x'}</answer>");
    QCOMPARE(query.exit_code, 0);
    const nlohmann::json q = nlohmann::json::parse(query.out.toStdString());
    QCOMPARE(q["ok"].get<bool>(), false);
    QVERIFY(q["query"]["problems"].dump().find("single quotes") != std::string::npos);

    const CliRun bad = run_cli({"parse", "--recipe", "poem", "--text", "-"}, "");
    QCOMPARE(bad.exit_code, 1);
    QVERIFY(bad.err.contains("error: parse: --recipe must be list, query or rating"));
  }
};

RF_TEST_SUITE(TestOutputParse);
#include "test_output_parse.moc"
