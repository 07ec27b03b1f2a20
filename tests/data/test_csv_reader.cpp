// The parsing helpers under the importers: the RFC 4180 CSV reader (quoted delimiters, doubled quotes,
// line breaks inside quotes, CRLF, blank lines, the line each record starts on, its errors), UTF-8
// validation against hand-picked ill-formed sequences, latin-1 conversion, strict number parsing, and the
// importers' id -> index map.
#include "data/csv_reader.h"
#include "data/id_index.h"
#include "data/line_reader.h"
#include "data/text_checks.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtTest/QtTest>

namespace {

using Rows = std::vector<std::vector<std::string>>;

Rows read_all(const std::string& text, std::vector<int64_t>* lines = nullptr, char delim = ',') {
  rf::CsvReader csv(text, "t.csv", delim);
  std::vector<std::string_view> f;
  Rows rows;
  while (csv.next(f)) {
    rows.emplace_back(f.begin(), f.end());
    if (lines) lines->push_back(csv.record_line());
  }
  return rows;
}

QString error_of(const std::string& text, bool header = false) {
  try {
    rf::CsvReader csv(text, "t.csv");
    csv.set_check_utf8(true);
    if (header) csv.read_header("a,b");
    std::vector<std::string_view> f;
    while (csv.next(f)) {
    }
  } catch (const rf::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

}  // namespace

Q_DECLARE_METATYPE(Rows)

class TestCsvReader : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void records_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Rows>("expected");
    QTest::newRow("plain") << QByteArray("a,b\n1,2\n") << Rows{{"a", "b"}, {"1", "2"}};
    QTest::newRow("no final newline") << QByteArray("a,b\n1,2") << Rows{{"a", "b"}, {"1", "2"}};
    QTest::newRow("quoted comma") << QByteArray("1,\"Heat, The (1995)\",Action\n")
                                  << Rows{{"1", "Heat, The (1995)", "Action"}};
    QTest::newRow("doubled quotes") << QByteArray("7789,\"11'09\"\"01 - September 11 (2002)\",Drama\n")
                                    << Rows{{"7789", "11'09\"01 - September 11 (2002)", "Drama"}};
    QTest::newRow("line break in quotes") << QByteArray("1,\"two\nlines\",x\n2,y,z\n")
                                          << Rows{{"1", "two\nlines", "x"}, {"2", "y", "z"}};
    QTest::newRow("crlf") << QByteArray("a,b\r\n1,\"q\"\r\n") << Rows{{"a", "b"}, {"1", "q"}};
    QTest::newRow("empty fields") << QByteArray(",,\n\"\",x,\n") << Rows{{"", "", ""}, {"", "x", ""}};
    QTest::newRow("trailing delimiter at end") << QByteArray("a,") << Rows{{"a", ""}};
    QTest::newRow("blank lines skipped") << QByteArray("\na,b\n\n\r\n1,2\n\n") << Rows{{"a", "b"}, {"1", "2"}};
    QTest::newRow("stray quote kept") << QByteArray("5\" disk,x\n") << Rows{{"5\" disk", "x"}};
    QTest::newRow("only quotes") << QByteArray("\"\"\"\"\n") << Rows{{"\""}};
  }
  void records() {
    QFETCH(QByteArray, text);
    QFETCH(Rows, expected);
    QCOMPARE(read_all(text.toStdString()), expected);
  }

  void many_doubled_fields_stay_valid() {
    // Views into the scratch space must survive later fields of the same record being unescaped.
    std::string line;
    for (int i = 0; i < 40; ++i) line += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\"\"x\"";
    const Rows rows = read_all(line + "\n" + line + "\n");
    QCOMPARE(rows.size(), size_t(2));
    for (int i = 0; i < 40; ++i) QCOMPARE(rows[1][static_cast<size_t>(i)], "f" + std::to_string(i) + "\"x");
  }

  void record_lines() {
    std::vector<int64_t> lines;
    read_all("h1,h2\n\"a\nb\nc\",1\n\n2,3\n", &lines);
    QCOMPARE(lines, (std::vector<int64_t>{1, 2, 6}));
  }

  void tab_delimiter() { QCOMPARE(read_all("a\tb,c\n", nullptr, '\t'), (Rows{{"a", "b,c"}})); }

  void errors_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("header");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unclosed quote") << QByteArray("a,b\n1,\"open\n2,3\n") << true
                                    << "t.csv:2: field 'b': a quoted field opened on this line is never closed";
    QTest::newRow("text after closing quote") << QByteArray("a,b\n\"x\"y,2\n") << true
                                              << "t.csv:2: field 'a': unexpected 'y' after the closing quote";
    QTest::newRow("invalid UTF-8") << QByteArray("a,b\nok,caf\xC3\n") << true
                                   << "t.csv:2: field 'b': invalid UTF-8: byte 0xC3 at byte offset 6 of the line";
    QTest::newRow("invalid UTF-8 on a later line of a field")
        << QByteArray("a,b\n1,\"x\ny\xFFz\"\n") << true << "t.csv:3: field 'b': invalid UTF-8: byte 0xFF at byte offset 1";
    QTest::newRow("empty") << QByteArray("") << true << "t.csv:1: the file is empty";
  }
  void errors() {
    QFETCH(QByteArray, text);
    QFETCH(bool, header);
    QFETCH(QString, expected);
    const QString msg = error_of(text.toStdString(), header);
    QVERIFY2(msg.contains(expected), qPrintable(msg));
  }

  void utf8_validation_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("bad");  // -1: valid
    QTest::newRow("ascii") << QByteArray("plain text, long enough to use the 8-byte path") << -1;
    QTest::newRow("two/three/four bytes") << QByteArray("é 日本 🍮") << -1;
    QTest::newRow("U+10FFFF") << QByteArray("\xF4\x8F\xBF\xBF") << -1;
    QTest::newRow("lone continuation") << QByteArray("ab\x80") << 2;
    QTest::newRow("latin-1 e-acute") << QByteArray("Mis\xE9rables") << 3;
    QTest::newRow("overlong slash") << QByteArray("\xC0\xAF") << 0;
    QTest::newRow("overlong 3-byte") << QByteArray("x\xE0\x80\xAF") << 1;
    QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << 0;
    QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << 0;
    QTest::newRow("truncated at end") << QByteArray("0123456789\xE6\x97") << 10;
    QTest::newRow("F5 lead") << QByteArray("\xF5\x80\x80\x80") << 0;
  }
  void utf8_validation() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, bad);
    const size_t r = rf::utf8_find_invalid(std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())));
    QCOMPARE(r == std::string_view::npos ? -1 : static_cast<int>(r), bad);
  }

  void latin1() {
    QCOMPARE(rf::latin1_to_utf8("Mis\xE9rables \xFF"), std::string("Misérables ÿ"));
    QCOMPARE(rf::latin1_or_utf8_to_utf8("Misérables"), std::string("Misérables"));  // already UTF-8: kept
    QCOMPARE(rf::latin1_or_utf8_to_utf8("Mis\xE9rables"), std::string("Misérables"));
  }

  void numbers() {
    int64_t i = 0;
    QVERIFY(rf::parse_int64("964982703", i) && i == 964982703);
    QVERIFY(rf::parse_int64("-5", i) && i == -5);
    for (const char* bad : {"", "1.0", "1a", " 1", "+1", "99999999999999999999"}) QVERIFY2(!rf::parse_int64(bad, i), bad);
    double d = 0;
    QVERIFY(rf::parse_double("4.5", d) && d == 4.5);
    QVERIFY(rf::parse_double("4", d) && d == 4.0);
    QVERIFY(rf::parse_double("-1e3", d) && d == -1000.0);
    for (const char* bad : {"", "4.x", "nan", "inf", "4,5", "4.5 "}) QVERIFY2(!rf::parse_double(bad, d), bad);
  }

  void id_index() {
    rf::IdIndex index;
    QCOMPARE(index.find("a"), -1);
    // Enough keys to grow the table several times; keys come from a buffer that is overwritten after.
    std::string buf;
    for (int i = 0; i < 5000; ++i) {
      buf = (i % 2 ? "B00" : "user-") + std::to_string(i * 7919);
      QVERIFY(index.insert(buf, i));
      buf.assign(buf.size(), 'x');
    }
    QCOMPARE(index.size(), size_t(5000));
    for (int i = 0; i < 5000; ++i) QCOMPARE(index.find((i % 2 ? "B00" : "user-") + std::to_string(i * 7919)), i);
    QVERIFY(!index.insert("user-0", 99));  // present: kept
    QCOMPARE(index.find("user-0"), 0);
    QCOMPARE(index.find("user-1"), -1);
    QVERIFY(index.insert("", 7));  // the empty id is a key like any other
    QCOMPARE(index.find(""), 7);
    QVERIFY(!index.contains("B00"));
  }

  void lines() {
    rf::LineReader r("a\r\nb\n\nc");
    std::string_view line;
    std::vector<std::string> got;
    while (r.next(line)) got.emplace_back(line);
    QCOMPARE(got, (std::vector<std::string>{"a", "b", "", "c"}));
    QCOMPARE(r.line_number(), int64_t(4));
  }
};

RF_TEST_SUITE(TestCsvReader);
#include "test_csv_reader.moc"
