// Bad input for every importer: each row writes a few small files into a temporary folder, imports them,
// and checks the error names the file, the line and the field (`<file>:<line>: field '<name>': ...`) and
// says what is wrong: wrong field counts, wrong delimiters, missing columns, bad numbers, invalid UTF-8,
// duplicate ids, unknown items, empty files, ratings out of range, unclosed quotes, Python literals.
#include "data/importer.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <fstream>

namespace {

const QByteArray kMovies = "movieId,title,genres\n1,Toy Story (1995),Comedy\n2,\"Heat, The (1995)\",Action|Crime\n";
const QByteArray kRatingsHeader = "userId,movieId,rating,timestamp\n";

// files: name, content, name, content, ...; "format@file" imports that file instead of the folder.
QString import_error(const QString& format_at, const QByteArrayList& files) {
  const QString format = format_at.section('@', 0, 0), file = format_at.section('@', 1);
  QTemporaryDir dir;
  for (qsizetype i = 0; i + 1 < files.size(); i += 2) {
    std::ofstream(dir.filePath(QString::fromUtf8(files[i])).toStdString(), std::ios::binary)
        << files[i + 1].toStdString();
  }
  try {
    const QString path = file.isEmpty() ? dir.path() : dir.filePath(file);
    rf::data_import(path.toStdString(), rf::ImportOptions{format.toStdString(), "", ""});
  } catch (const rf::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return QString();
}

}  // namespace

class TestImportErrors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void errors_name_file_line_field_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<QByteArrayList>("files");
    QTest::addColumn<QStringList>("expected");
    const QByteArray ml = "movielens-latest";

    // 1. malformed lines (wrong field count)
    QTest::newRow("field missing") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1,4.0,964982703\n1,2,4.0\n"}
        << QStringList{"ratings.csv:3: field 'timestamp': missing: expected 4 fields"};
    QTest::newRow("field too many") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1,4.0,964982703,7\n"}
        << QStringList{"ratings.csv:2: field '#5': too many fields: expected 4"};
    QTest::newRow("unclosed quote") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies + "3,\"Open (1999),Drama\n4,Closed (2000),Drama\n", "ratings.csv",
                          kRatingsHeader + "1,1,4.0,1\n"}
        << QStringList{"movies.csv:4: field 'title': a quoted field opened on this line is never closed"};
    // 2. wrong delimiter
    QTest::newRow("tab-separated header") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", "userId\tmovieId\trating\ttimestamp\n1\t1\t4.0\t1\n"}
        << QStringList{"ratings.csv:1: the header is separated by tabs, expected ','"};
    QTest::newRow("semicolon-separated header") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", "userId;movieId;rating;timestamp\n1;1;4.0;1\n"}
        << QStringList{"ratings.csv:1: the header is separated by semicolons"};
    QTest::newRow("tab-separated line") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1,4.0,1\n1\t2\t4.0\t2\n"}
        << QStringList{"ratings.csv:3: fields are separated by tabs, expected ','"};
    QTest::newRow("u.data with commas") << "movielens-100k"
        << QByteArrayList{"u.item", "1|Toy Story (1995)|01-Jan-1995||url|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
                          "u.data", "1,1,5,874965758\n"}
        << QStringList{"u.data:1: fields are separated by commas, expected tabs"};
    // 3. missing column
    QTest::newRow("missing column") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", "userId,movieId,timestamp\n1,1,964982703\n"}
        << QStringList{"ratings.csv:1: field 'rating': missing column in the header (the header has: userId,movieId,timestamp)"};
    QTest::newRow("esci missing column") << "esci@e.csv"
        << QByteArrayList{"e.csv", "example_id,query,query_id,product_id,label\n1,soap,1,P1,Exact\n"}
        << QStringList{"e.csv:1: field 'esci_label': missing column in the header"};
    // 4. bad numbers
    QTest::newRow("rating 4.x") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1,4.0,964982703\n1,2,4.x,964982704\n"}
        << QStringList{"ratings.csv:3: field 'rating': '4.x' is not a number"};
    QTest::newRow("id not an integer") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1a,4.0,964982703\n"}
        << QStringList{"ratings.csv:2: field 'movieId': '1a' is not an integer"};
    QTest::newRow("time not an integer") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1,4.0,964982703.5\n"}
        << QStringList{"ratings.csv:2: field 'timestamp': '964982703.5' is not an integer"};
    QTest::newRow("rating nan") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1,nan,1\n"}
        << QStringList{"ratings.csv:2: field 'rating': 'nan' is not a number"};
    QTest::newRow("empty id") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + ",1,4.0,1\n"}
        << QStringList{"ratings.csv:2: field 'userId': is empty, expected an integer"};
    // ratings outside the format's range
    QTest::newRow("rating 5.5 (latest)") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1,5.5,1\n"}
        << QStringList{"ratings.csv:2: field 'rating': rating 5.5 is outside this format's range 0.5..5"};
    QTest::newRow("rating 6 (1m)") << "movielens-1m"
        << QByteArrayList{"movies.dat", "1::Toy Story (1995)::Comedy\n", "ratings.dat", "1::1::6::978300760\n"}
        << QStringList{"ratings.dat:1: field 'Rating': rating 6 is outside this format's range 1..5"};
    QTest::newRow("rating 0 (amazon)") << "amazon"
        << QByteArrayList{"r.json", "{\"reviewerID\": \"A\", \"asin\": \"B\", \"overall\": 0, \"unixReviewTime\": 1}\n"}
        << QStringList{"r.json:1: field 'overall': rating 0 is outside 1..5"};
    // 5. invalid UTF-8 (line, field and byte offset)
    QTest::newRow("invalid UTF-8 in a title") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies + "3,Mis\xE9rables (1995),Drama\n", "ratings.csv", kRatingsHeader + "1,1,4,1\n"}
        << QStringList{"movies.csv:4: field 'title': invalid UTF-8: byte 0xE9 at byte offset 5 of the line"};
    QTest::newRow("invalid UTF-8 in JSON lines") << "amazon"
        << QByteArrayList{"r.json", "{\"reviewerID\": \"A\", \"asin\": \"B\", \"overall\": 5, \"unixReviewTime\": 1}\n"
                                    "{\"reviewerID\": \"A\", \"asin\": \"B\xFF\", \"overall\": 5, \"unixReviewTime\": 1}\n"}
        << QStringList{"r.json:2: field 'asin': invalid UTF-8: byte 0xFF at byte offset 30 of the line"};
    // 6. duplicate ids in item tables
    QTest::newRow("duplicate movieId") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies + "1,Again (2000),Drama\n", "ratings.csv", kRatingsHeader + "1,1,4,1\n"}
        << QStringList{"movies.csv:4: field 'movieId': duplicate item id '1' (first on line 2)"};
    QTest::newRow("duplicate generic item") << "generic"
        << QByteArrayList{"items.jsonl", "{\"id\": \"a\"}\n{\"id\": \"a\", \"title\": \"again\"}\n", "interactions.csv",
                          "user,item,time\nu,a,1\n"}
        << QStringList{"items.jsonl:2: field 'id': duplicate item id 'a'"};
    QTest::newRow("duplicate u.item id") << "movielens-100k"
        << QByteArrayList{"u.item", "1|A (1995)|||u|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
                                    "1|B (1995)|||u|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
                          "u.data", "1\t1\t5\t1\n"}
        << QStringList{"u.item:2: field 'movie id': duplicate item id '1'"};
    // 7. interactions naming an item the item table lacks
    QTest::newRow("unknown movie") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", kRatingsHeader + "1,1,4,1\n1,99,4,2\n"}
        << QStringList{"ratings.csv:3: field 'movieId': unknown item '99' (not in", "movies.csv)"};
    QTest::newRow("unknown sequence item") << "sequence"
        << QByteArrayList{"s.txt", "u1 i1\nu2 i1 i9\n", "items.jsonl", "{\"item_id\": \"i1\", \"title\": \"One\"}\n"}
        << QStringList{"s.txt:2: field 'item 2': unknown item 'i9'"};
    QTest::newRow("unknown generic user") << "generic"
        << QByteArrayList{"items.jsonl", "{\"id\": \"a\"}\n", "users.jsonl", "{\"id\": \"u\"}\n", "interactions.csv",
                          "user,item,time\nu,a,1\nv,a,2\n"}
        << QStringList{"interactions.csv:3: field 'user': unknown user 'v' (not in"};
    QTest::newRow("unknown u.data item") << "movielens-100k"
        << QByteArrayList{"u.item", "1|A (1995)|||u|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n", "u.data", "1\t1\t5\t1\n1\t2\t5\t1\n"}
        << QStringList{"u.data:2: field 'item id': unknown item '2'"};
    // 8. empty files
    QTest::newRow("empty ratings.csv") << QString(ml)
        << QByteArrayList{"movies.csv", kMovies, "ratings.csv", ""}
        << QStringList{"ratings.csv:1: the file is empty"};
    QTest::newRow("blank items.jsonl") << "generic"
        << QByteArrayList{"items.jsonl", "\n\n", "interactions.csv", "user,item,time\n"}
        << QStringList{"items.jsonl:1: the file is empty"};
    // format-specific problems
    QTest::newRow("python literal metadata") << "amazon"
        << QByteArrayList{"reviews.json", "{\"reviewerID\": \"A\", \"asin\": \"B\", \"overall\": 5, \"unixReviewTime\": 1}\n",
                          "meta.json", "{'asin': 'B', 'title': 'Soap'}\n"}
        << QStringList{"meta.json:1: this line is a Python literal (single quotes), not JSON"};
    QTest::newRow("python literal generic items") << "generic"
        << QByteArrayList{"items.jsonl", "{\"id\": \"a\"}\n{'id': 'b'}\n", "interactions.csv", "user,item,time\nu,a,1\n"}
        << QStringList{"items.jsonl:2: this line is a Python literal (single quotes), not JSON"};
    QTest::newRow("generic line not an object") << "generic"
        << QByteArrayList{"items.jsonl", "{\"id\": \"a\"}\n[1, 2]\n", "interactions.csv", "user,item,time\nu,a,1\n"}
        << QStringList{"items.jsonl:2: expected a JSON object, found array"};
    QTest::newRow("amazon key missing") << "amazon"
        << QByteArrayList{"r.json", "{\"reviewerID\": \"A\", \"asin\": \"B\", \"overall\": 5, \"unixReviewTime\": 1}\n"
                                    "{\"reviewerID\": \"A\", \"asin\": \"C\", \"overall\": 4}\n"}
        << QStringList{"r.json:2: field 'unixReviewTime': missing"};
    QTest::newRow("amazon not JSON") << "amazon"
        << QByteArrayList{"r.json", "{\"reviewerID\": \"A\", \"asin\": \"B\", \"overall\": 5, \"unixReviewTime\": 1}\n{\"reviewerID\": \n"}
        << QStringList{"r.json:2: not valid JSON"};
    QTest::newRow("gzip") << "amazon@r.json"
        << QByteArrayList{"r.json", QByteArray("\x1f\x8b\x08\x00\x00\x00", 6)}
        << QStringList{"r.json: is gzip-compressed; unpack it first"};
    QTest::newRow("sequence user twice") << "sequence"
        << QByteArrayList{"s.txt", "u1 a b\nu2 a\nu1 c\n"}
        << QStringList{"s.txt:3: field 'user': user 'u1' already has a line (line 1)"};
    QTest::newRow("esci label") << "esci"
        << QByteArrayList{"e.csv", "query,query_id,product_id,esci_label\nsoap,1,P1,Exact\nsoap,1,P2,Great\n"}
        << QStringList{"e.csv:3: field 'esci_label': 'Great' is not an ESCI label"};
    QTest::newRow("genre flag") << "movielens-100k"
        << QByteArrayList{"u.item", "1|A (1995)|||u|0|0|0|0|0|2|0|0|0|0|0|0|0|0|0|0|0|0|0\n", "u.data", "1\t1\t5\t1\n"}
        << QStringList{"u.item:1: field 'Comedy': genre flag '2' is not 0 or 1"};
    QTest::newRow("generic unknown column") << "generic"
        << QByteArrayList{"items.jsonl", "{\"id\": \"a\"}\n", "interactions.csv", "user,item,time,ratng\nu,a,1,5\n"}
        << QStringList{"interactions.csv:1: field 'ratng': unknown column"};
    QTest::newRow("generic time") << "generic"
        << QByteArrayList{"items.jsonl", "{\"id\": \"a\"}\n", "interactions.jsonl", "{\"user\": \"u\", \"item\": \"a\", \"time\": 1.5}\n"}
        << QStringList{"interactions.jsonl:1: field 'time': 1.5 is not an integer"};
    QTest::newRow("generic list type") << "generic"
        << QByteArrayList{"items.jsonl", "{\"id\": \"a\", \"categories\": \"x|y\"}\n", "interactions.csv", "user,item,time\n"}
        << QStringList{"items.jsonl:1: field 'categories': expected a list of strings, found string"};
  }

  void errors_name_file_line_field() {
    QFETCH(QString, format);
    QFETCH(QByteArrayList, files);
    QFETCH(QStringList, expected);
    const QString msg = import_error(format, files);
    QVERIFY2(!msg.isEmpty(), "the import did not fail");
    for (const auto& part : expected) QVERIFY2(msg.contains(part), qPrintable("message: " + msg + "\nexpected: " + part));
  }

  // Hostile input: a huge declared size or deep nesting costs nothing but the bytes given.
  void hostile_input_is_an_error_not_a_crash() {
    QByteArray deep(200000, '[');
    const QString msg = import_error("amazon@r.json", {"r.json", "{\"reviewerID\": " + deep + "\n"});
    QVERIFY2(msg.contains("r.json:1:"), qPrintable(msg));
    const QString binary = import_error("sequence", {"s.txt", QByteArray("u1 \x00\x01\xff\xfe", 8)});
    QVERIFY2(binary.contains("s.txt:1: field 'item 1': invalid UTF-8: byte 0xFF at byte offset 5"), qPrintable(binary));
  }
};

RF_TEST_SUITE(TestImportErrors);
#include "test_import_errors.moc"
