// Import progress (core/data/import_progress.h, ImportOptions::progress): for real data sets in several
// formats, every file the importer parses is reported with its size on disk as the total, the bytes parsed
// never go back within a file and end at that size, and reports are thinned (a few hundred per file, not
// one per line). Sizes come from the file system, not from the importer.
#include "data/importer.h"
#include "support/fixtures.h"
#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <map>

using rf::test::fixture_path;

class TestImportProgress : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void reports_every_file_to_its_end_data() {
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QStringList>("files");
    QTest::newRow("movielens-latest") << "data/ml-latest-small" << "movielens-latest" << QStringList{"ratings.csv", "movies.csv"};
    QTest::newRow("generic") << "data/generic-mini" << "generic" << QStringList{"interactions.csv", "items.jsonl", "users.jsonl"};
  }
  void reports_every_file_to_its_end() {
    QFETCH(QString, folder);
    QFETCH(QString, format);
    QFETCH(QStringList, files);
    struct Seen {
      int64_t last = -1, total = -1;
      int reports = 0;
      bool monotonic = true;
    };
    std::map<std::string, Seen> seen;
    rf::ImportOptions o;
    o.format = format.toStdString();
    o.progress = [&](const std::string& file, int64_t done, int64_t total) {
      Seen& s = seen[std::filesystem::path(file).filename().string()];
      if (done < s.last) s.monotonic = false;
      s.last = done;
      s.total = total;
      ++s.reports;
    };
    const std::string dir = fixture_path(folder.toStdString());
    rf::data_import(dir, o);
    for (const QString& f : files) {
      const std::string name = f.toStdString();
      QVERIFY2(seen.count(name), qPrintable("not reported: " + f));
      const Seen& s = seen.at(name);
      const auto size = static_cast<int64_t>(std::filesystem::file_size(std::filesystem::path(dir) / name));
      QCOMPARE(s.total, size);
      QCOMPARE(s.last, size);  // ends at 100 %
      QVERIFY(s.monotonic);
      QVERIFY2(s.reports <= 250, qPrintable(QString("%1 reports for %2").arg(s.reports).arg(f)));
    }
  }
};

RF_TEST_SUITE(TestImportProgress);
#include "test_import_progress.moc"
