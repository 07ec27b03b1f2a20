// The Project & data screen (widgets/project_panel.h) driven as a user would: type a source path, click
// Import, wait for the worker; then read the tables and plots. Every expected value is computed here from
// the input files themselves (sample_data/, or files the test writes), never from the engine's output:
// row counts from the files' lines, a user's history from interactions.csv sorted by time, the long tail
// from per-item counts, a broken file's error from the line the test broke.
#include "data/dataset_store.h"
#include "data/importer.h"
#include "data_models.h"
#include "project_panel.h"
#include "qcustomplot_include.h"
#include "store/project.h"

#include "support/sample_project.h"
#include "support/suite_registry.h"

#include <QCheckBox>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QTableWidget>
#include <QtTest/QtTest>

#include <algorithm>
#include <map>
#include <set>

namespace {

QString sample_dir() { return QString::fromStdString(rf::test::sample_data_dir()); }

QStringList file_lines(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QStringList lines;
  while (!f.atEnd()) {
    QString l = QString::fromUtf8(f.readLine()).trimmed();
    if (!l.isEmpty()) lines << l;
  }
  return lines;
}

// interactions.csv of the sample (user,item,time,rating; no quoting), without its header.
struct Row {
  QString user, item;
  qint64 time;
  double rating;
};
std::vector<Row> sample_interactions() {
  std::vector<Row> rows;
  const QStringList lines = file_lines(sample_dir() + "/interactions.csv");
  for (int i = 1; i < lines.size(); ++i) {
    const QStringList f = lines[i].split(',');
    rows.push_back({f[0], f[1], f[2].toLongLong(), f[3].toDouble()});
  }
  return rows;
}

QString json_id(const QString& line) { return QJsonDocument::fromJson(line.toUtf8()).object()["id"].toString(); }

void write_file(const QString& path, const QString& text) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(text.toUtf8());
}

QStringList dataset_names(const QString& project) {
  rf::Project p = rf::project_open(project.toStdString(), false);
  QStringList names;
  for (const auto& d : rf::dataset_list(p))
    names << QString("%1:%2/%3/%4").arg(QString::fromStdString(d.name)).arg(d.users).arg(d.items).arg(d.interactions);
  return names;
}

// Clicks the button and waits for the panel's answer; returns its (ok, message).
std::pair<bool, QString> click_import(rf::gui::ProjectPanel& panel) {
  QSignalSpy done(&panel, &rf::gui::ProjectPanel::importFinished);
  QTest::mouseClick(panel.importButton(), Qt::LeftButton);
  if (!done.wait(20000) && done.isEmpty()) return {false, "timeout"};
  return {done.front()[0].toBool(), done.front()[1].toString()};
}

void type_into(QLineEdit* edit, const QString& text) {
  edit->selectAll();
  QTest::keyClick(edit, Qt::Key_Delete);
  QTest::keyClicks(edit, text);
}

// A panel over a fresh project with the sample data imported by the engine as "sample", shown.
struct Fixture {
  QTemporaryDir dir;
  rf::gui::ProjectPanel panel;
  Fixture() {
    rf::Project p = rf::project_open(dir.path().toStdString(), true);
    rf::ImportOptions o;
    o.name = "sample";
    rf::dataset_save(p, rf::data_import(rf::test::sample_data_dir(), o), false);
    panel.resize(1280, 760);
    panel.show();
    panel.setProject(dir.path());
    panel.waitIdle(20000);
  }
};

}  // namespace

class TestProjectPanel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Import sample_data/ through the panel; the list and tables count what the files hold.
  void project_import_sample() {
    QTemporaryDir dir;
    rf::project_open(dir.path().toStdString(), true);
    rf::gui::ProjectPanel panel;
    panel.resize(1280, 760);
    panel.show();
    panel.setProject(dir.path());
    QCOMPARE(panel.datasetList()->count(), 0);

    QTest::keyClicks(panel.pathEdit(), sample_dir());
    QTest::keyClicks(panel.nameEdit(), "books");
    QSignalSpy bar(panel.progressBar(), &QProgressBar::valueChanged);
    QSignalSpy loaded(&panel, &rf::gui::ProjectPanel::datasetLoaded);
    const auto [ok, message] = click_import(panel);
    QVERIFY2(ok, qPrintable(message));
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
    // Real progress: the bar went through the files to their end (1000 = 100.0%).
    bool full = false;
    for (const auto& v : bar) full = full || v[0].toInt() == 1000;
    QVERIFY(full);

    // Independent counts from the files.
    const QStringList item_lines = file_lines(sample_dir() + "/items.jsonl");
    const QStringList user_lines = file_lines(sample_dir() + "/users.jsonl");
    const std::vector<Row> rows = sample_interactions();
    std::set<QString> users;
    for (const QString& l : user_lines) users.insert(json_id(l));
    for (const Row& r : rows) users.insert(r.user);

    QCOMPARE(panel.datasetList()->count(), 1);
    const QString entry = panel.datasetList()->item(0)->text();
    QVERIFY2(entry.startsWith("books") && entry.contains(QLocale(QLocale::English).toString(qlonglong(rows.size())) + " interactions"),
             qPrintable(entry));
    QCOMPARE(panel.currentDataset(), QString("books"));
    QCOMPARE(panel.usersView()->model()->rowCount(), int(users.size()));
    QCOMPARE(panel.itemsView()->model()->rowCount(), int(item_lines.size()));
    QVERIFY(panel.statsLabel()->text().contains(QLocale(QLocale::English).toString(qlonglong(rows.size()))));
    QCOMPARE(dataset_names(dir.path()).size(), 1);
  }

  // Items sort by popularity (click the header) and filter by text.
  void project_items_sort_filter() {
    Fixture fx;
    std::map<QString, int> count;
    for (const Row& r : sample_interactions()) ++count[r.item];
    int most = 0;
    for (const auto& [item, n] : count) most = std::max(most, n);
    QTableView* items = fx.panel.itemsView();
    QHeaderView* header = items->horizontalHeader();
    const int pop_x = header->sectionViewportPosition(3) + header->sectionSize(3) / 2;
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(pop_x, header->height() / 2));
    if (items->model()->index(0, 3).data().toInt() != most)  // the first click may sort ascending
      QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(pop_x, header->height() / 2));
    QCOMPARE(items->model()->index(0, 3).data().toInt(), most);
    const QString top_id = items->model()->index(0, 0).data().toString();
    QCOMPARE(count[top_id], most);

    // Filtering on one item's exact title keeps the items whose any column contains it.
    const QStringList item_lines = file_lines(sample_dir() + "/items.jsonl");
    const QString title = QJsonDocument::fromJson(item_lines[4].toUtf8()).object()["title"].toString();
    int expected = 0;
    for (const QString& l : item_lines) {
      const QJsonObject o = QJsonDocument::fromJson(l.toUtf8()).object();
      QStringList cats;
      for (const auto& c : o["categories"].toArray()) cats << c.toString();
      expected += (o["id"].toString() + "\n" + o["title"].toString() + "\n" + cats.join(", ")).contains(title, Qt::CaseInsensitive);
    }
    QTest::keyClicks(fx.panel.itemsFilter(), title);
    QCOMPARE(items->model()->rowCount(), expected);
    QVERIFY(expected >= 1);
  }

  // Selecting a user (filter, then click the row) shows exactly that user's rows of interactions.csv,
  // oldest first (ties in file order), with their dates, items and ratings.
  void project_user_history_data() {
    QTest::addColumn<QString>("user");
    const std::vector<Row> rows = sample_interactions();
    QTest::newRow("first in the file") << rows.front().user;
    QTest::newRow("last in the file") << rows.back().user;
    QTest::newRow("middle") << rows[rows.size() / 2].user;
  }
  void project_user_history() {
    QFETCH(QString, user);
    Fixture fx;
    std::vector<Row> expected;
    for (const Row& r : sample_interactions())
      if (r.user == user) expected.push_back(r);
    std::stable_sort(expected.begin(), expected.end(), [](const Row& a, const Row& b) { return a.time < b.time; });

    type_into(fx.panel.usersFilter(), user);
    QTableView* users = fx.panel.usersView();
    QCOMPARE(users->model()->rowCount(), 1);
    QCOMPARE(users->model()->index(0, 0).data().toString(), user);
    QCOMPARE(users->model()->index(0, 1).data().toInt(), int(expected.size()));
    const QRect cell = users->visualRect(users->model()->index(0, 0));
    QTest::mouseClick(users->viewport(), Qt::LeftButton, {}, cell.center());

    QAbstractItemModel* h = fx.panel.historyView()->model();
    QCOMPARE(h->rowCount(), int(expected.size()));
    using C = rf::gui::DataHistoryModel;
    for (int r = 0; r < h->rowCount(); ++r) {
      const Row& e = expected[size_t(r)];
      QCOMPARE(h->index(r, C::kItem).data().toString(), e.item);
      QCOMPARE(h->index(r, C::kTime).data().toString(),
               QDateTime::fromSecsSinceEpoch(e.time, Qt::UTC).toString("yyyy-MM-dd"));
      QCOMPARE(h->index(r, C::kRating).data().toDouble(), e.rating);
    }
  }

  // The long tail is every item's interaction count, sorted down, with ceil(10%) items as the head;
  // the category bars are the top categories' shares computed from items.jsonl and the interactions.
  void project_long_tail_and_categories() {
    Fixture fx;
    std::map<QString, int> count;
    const std::vector<Row> rows = sample_interactions();
    for (const Row& r : rows) ++count[r.item];
    const QStringList item_lines = file_lines(sample_dir() + "/items.jsonl");
    std::vector<double> pops;
    std::map<QString, double> cat_hits;
    for (const QString& l : item_lines) {
      const QJsonObject o = QJsonDocument::fromJson(l.toUtf8()).object();
      const int n = count[o["id"].toString()];
      pops.push_back(n);
      for (const auto& c : o["categories"].toArray()) cat_hits[c.toString()] += n;
    }
    std::sort(pops.rbegin(), pops.rend());

    QCustomPlot* tail = fx.panel.longTailPlot();
    QCOMPARE(tail->graph(0)->dataCount(), int(pops.size()));
    for (int i = 0; i < tail->graph(0)->dataCount(); ++i) {
      QCOMPARE(tail->graph(0)->data()->at(i)->key, double(i + 1));
      QCOMPARE(tail->graph(0)->data()->at(i)->value, pops[size_t(i)]);
    }
    const int head = int(std::ceil(0.1 * double(pops.size())));
    QCOMPARE(tail->graph(1)->dataCount(), head);
    double head_sum = 0;
    for (int i = 0; i < head; ++i) head_sum += pops[size_t(i)];
    QVERIFY2(tail->graph(1)->name().contains(QString("%1%").arg(100.0 * head_sum / double(rows.size()), 0, 'f', 1)),
             qPrintable(tail->graph(1)->name()));
    QTest::mouseClick(fx.panel.logScale(), Qt::LeftButton);
    QCOMPARE(tail->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(tail->graph(0)->dataCount(), int(pops.size()));

    double best = 0;
    for (const auto& [c, hits] : cat_hits) best = std::max(best, hits);
    auto* bars = qobject_cast<QCPBars*>(fx.panel.categoryPlot()->plottable(0));
    QVERIFY(bars);
    QCOMPARE(bars->dataCount(), std::min(15, int(cat_hits.size())));
    double top_value = 0;
    for (int i = 0; i < bars->dataCount(); ++i) top_value = std::max(top_value, bars->data()->at(i)->value);
    QVERIFY(std::abs(top_value - 100.0 * best / double(rows.size())) < 1e-9);
  }

  // A broken interactions file: the error names the file, the line and the field, the line itself is shown,
  // and the project keeps exactly what it had.
  void project_import_error_data() {
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("bad");
    QTest::addColumn<QString>("field");
    QTest::newRow("bad rating on line 4") << 4 << "u2,i1,1704067300,five" << "rating";
    QTest::newRow("bad time on line 3") << 3 << "u1,i2,yesterday,3" << "time";
    QTest::newRow("unknown item on line 5") << 5 << "u2,i9,1704067400,2" << "item";
  }
  void project_import_error() {
    QFETCH(int, line);
    QFETCH(QString, bad);
    QFETCH(QString, field);
    Fixture fx;
    const QStringList before = dataset_names(fx.dir.path());
    QTemporaryDir src;
    write_file(src.filePath("items.jsonl"), "{\"id\":\"i1\",\"title\":\"One\"}\n{\"id\":\"i2\",\"title\":\"Two\"}\n");
    QStringList lines = {"user,item,time,rating", "u1,i1,1704067200,4", "u1,i2,1704067250,3", "u2,i2,1704067300,5",
                         "u2,i1,1704067400,2", "u3,i1,1704067500,1"};
    lines[line - 1] = bad;
    write_file(src.filePath("interactions.csv"), lines.join('\n') + '\n');

    type_into(fx.panel.pathEdit(), src.path());
    type_into(fx.panel.nameEdit(), "sample");  // even over an existing name: nothing is written
    const auto [ok, message] = click_import(fx.panel);
    QVERIFY(!ok);
    QTableWidget* errors = fx.panel.errorTable();
    QVERIFY(errors->isVisible());
    QCOMPARE(errors->rowCount(), 1);
    QCOMPARE(errors->item(0, 0)->data(Qt::UserRole).toString(), src.filePath("interactions.csv"));
    QCOMPARE(errors->item(0, 0)->text(), QString("interactions.csv"));
    QCOMPARE(errors->item(0, 1)->text(), QString::number(line));
    QCOMPARE(errors->item(0, 2)->text(), field);
    QVERIFY2(fx.panel.errorLines()->toPlainText().contains(QString("▶ %1: %2").arg(line).arg(bad)),
             qPrintable(fx.panel.errorLines()->toPlainText()));
    QCOMPARE(dataset_names(fx.dir.path()), before);
    QVERIFY(fx.panel.importButton()->isEnabled());
  }

  // Importing under a taken name asks; "no" keeps the stored data set, "yes" replaces it.
  void project_import_replace_data() {
    QTest::addColumn<bool>("answer");
    QTest::newRow("keep") << false;
    QTest::newRow("replace") << true;
  }
  void project_import_replace() {
    QFETCH(bool, answer);
    Fixture fx;
    QTemporaryDir src;
    write_file(src.filePath("items.jsonl"), "{\"id\":\"i1\",\"title\":\"One\"}\n{\"id\":\"i2\",\"title\":\"Two\"}\n");
    write_file(src.filePath("interactions.csv"), "user,item,time\nu1,i1,1\nu1,i2,2\nu2,i2,3\n");
    QStringList asked;
    fx.panel.setConfirmReplace([&](const QString& name) {
      asked << name;
      return answer;
    });
    const QStringList before = dataset_names(fx.dir.path());
    type_into(fx.panel.pathEdit(), src.path());
    type_into(fx.panel.nameEdit(), "sample");
    const auto [ok, message] = click_import(fx.panel);
    QCOMPARE(asked, QStringList{"sample"});
    QCOMPARE(ok, answer);
    if (answer) {
      QCOMPARE(dataset_names(fx.dir.path()), QStringList{"sample:2/2/3"});
      QVERIFY(fx.panel.waitIdle(20000));
      QTRY_COMPARE(fx.panel.itemsView()->model()->rowCount(), 2);
    } else {
      QCOMPARE(dataset_names(fx.dir.path()), before);
    }
  }
};

RF_TEST_SUITE(TestProjectPanel);
#include "test_project_panel.moc"
