// The template designer (widgets/template_designer.h) driven as a user would: a broken template typed into
// the editor shows its error at the line it is on (rows: a parse error, an undefined variable found while
// rendering, an unknown filter, an unclosed block), and fixing it clears the marker; the preview for a user of
// the sample data lists exactly the items that user's history file holds before the held-out one and counts
// its tokens as the model's tokenizer does; "Try it" samples answers whose reward totals add up term by
// term; "Use in run form" saves the template into the project and points the run form at it.
#include "run_form.h"
#include "run_session.h"
#include "template_designer.h"
#include "template_editor.h"
#include "token_view.h"

#include "engine/run_config.h"
#include "engine/run_setup.h"
#include "engine/template_try.h"
#include "support/sample_project.h"
#include "support/suite_registry.h"
#include "text/tokenizer.h"

#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTextBlock>
#include <QtTest/QtTest>

#include <fstream>
#include <sstream>

namespace {

// Types `text` into the editor as key presses, a Return for each newline.
void editor_type(rf::gui::TemplateEditor* e, const QString& text) {
  e->setFocus();
  e->selectAll();
  QTest::keyClick(e, Qt::Key_Delete);
  const QStringList lines = text.split('\n');
  for (int i = 0; i < lines.size(); ++i) {
    if (i > 0) QTest::keyClick(e, Qt::Key_Return);
    QTest::keyClicks(e, lines[i]);
  }
}

// A user's interactions in sample_data/interactions.csv (user,item,time,rating; already in time order) and
// the item titles of items.jsonl: read here from the files, not through the importer.
std::vector<std::string> user_items_from_file(const std::string& user) {
  std::ifstream in(rf::test::sample_data_dir() + "/interactions.csv");
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::string> items;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string u, item;
    std::getline(ss, u, ',');
    std::getline(ss, item, ',');
    if (u == user) items.push_back(item);
  }
  return items;
}

std::string item_title_from_file(const std::string& id) {
  std::ifstream in(rf::test::sample_data_dir() + "/items.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j.at("id") == id) return j.at("title");
  }
  return {};
}

}  // namespace

class TestTemplateDesigner : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString project_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    project_ = dir_.filePath("project");
    rf::test::sample_project_make(project_.toStdString());
  }

  void broken_template_shows_error_at_line_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("fixed");
    QTest::newRow("parse error") << "Recommend {{ k }} items.\nUser {{ user.id }}\n\n{{ k + }}\nend" << 4
                                 << "Recommend {{ k }} items.\nUser {{ user.id }}\n\n{{ k + 1 }}\nend";
    QTest::newRow("undefined variable") << "Hello {{ user.id }}\nline two\n{{ user.nope }}" << 3
                                        << "Hello {{ user.id }}\nline two\n{{ user.profile }}";
    QTest::newRow("unknown filter") << "a\nb {{ user.id | no_such_filter }}" << 2 << "a\nb {{ user.id | upper }}";
    QTest::newRow("unclosed for") << "first\n{% for h in user.history %}\n{{ h.title }}" << 2
                                  << "first\n{% for h in user.history %}\n{{ h.title }}\n{% endfor %}";
  }
  void broken_template_shows_error_at_line() {
    QFETCH(QString, text);
    QFETCH(int, line);
    QFETCH(QString, fixed);
    rf::gui::TemplateDesigner d;
    d.setProject(project_);
    QTRY_VERIFY_WITH_TIMEOUT(d.dataReady(), 20000);
    editor_type(d.editor(), text);
    QCOMPARE(d.templateText(), text);
    QTRY_COMPARE(d.editor()->errorLine(), line);
    QVERIFY2(d.errorText().startsWith(QString("line %1,").arg(line)), qPrintable(d.errorText()));
    // The marker sits on that line: the tinted line and the underline are in its block.
    const auto sels = d.editor()->extraSelections();
    QCOMPARE(sels.size(), qsizetype(2));
    for (const auto& s : sels) QCOMPARE(s.cursor.block().blockNumber(), line - 1);
    editor_type(d.editor(), fixed);
    QTRY_COMPARE(d.editor()->errorLine(), 0);
    QVERIFY2(d.errorText().isEmpty(), qPrintable(d.errorText()));
    QVERIFY(d.editor()->extraSelections().isEmpty());
  }

  void preview_lists_the_users_history() {
    rf::gui::TemplateDesigner d;
    d.setProject(project_);
    QTRY_VERIFY_WITH_TIMEOUT(d.dataReady() && d.tokenizerReady(), 20000);
    QCOMPARE(d.recipe(), QString("list"));
    QCOMPARE(d.preset(), QString("list"));
    d.setHoldout("test");
    const std::string user = "u0143";
    d.setUser(QString::fromStdString(user));
    const std::vector<std::string> items = user_items_from_file(user);
    QVERIFY(items.size() > 12);
    const QString preview = d.previewText();
    // The held-out (test) item is the file's last line for the user; the preset lists the 10 before it.
    for (size_t i = items.size() - 11; i + 1 < items.size(); ++i) {
      const QString line = QString("[%1] %2").arg(QString::fromStdString(items[i]), QString::fromStdString(item_title_from_file(items[i])));
      QVERIFY2(preview.contains(line), qPrintable(line));
    }
    const QString older = QString("[%1] ").arg(QString::fromStdString(items[items.size() - 12]));
    const QString history = preview.section("# Candidate pool", 0, 0);
    QVERIFY2(!history.contains(older), "only the last 10 history items are listed");
    QVERIFY(!history.contains(QString("[%1]").arg(QString::fromStdString(items.back()))));
    auto* info = d.findChild<QLabel*>("previewInfo");
    QVERIFY2(info->text().contains(QString("held out: %1").arg(QString::fromStdString(items.back()))), qPrintable(info->text()));
    // The token count is the model's tokenizer's count of exactly the shown text.
    const rf::Tokenizer tok = rf::Tokenizer::load(rf::run_sample_model_dir(project_.toStdString()));
    QCOMPARE(d.previewTokens(), static_cast<int64_t>(tok.encode(d.previewText().toStdString()).size()));
    QVERIFY2(info->text().startsWith(QString("%1 tokens").arg(d.previewTokens())), qPrintable(info->text()));
    // The Variables tab holds the context the template rendered: this user, and a history that ends
    // before the held-out item.
    const auto context = nlohmann::json::parse(d.contextText().toStdString());
    QCOMPARE(context["user"]["id"].get<std::string>(), user);
    QCOMPARE(context["user"]["history"].back()["id"].get<std::string>(), items[items.size() - 2]);
    QCOMPARE(context["user"]["history_count"].get<size_t>(), items.size() - 1);
    // A user with no such held-out interaction is named in the error.
    d.setUser("no-such-user");
    QVERIFY2(d.errorText().contains("no-such-user"), qPrintable(d.errorText()));
  }

  void try_it_scores_sampled_answers() {
    rf::gui::RunSession session;
    rf::gui::RunForm form(&session);
    form.setProject(project_);
    form.setField("grpo.max_completion_length", 12);
    form.setField("grpo.max_prompt_length", 96);
    form.setField("device", "cpu");
    rf::gui::TemplateDesigner d;
    d.setRunForm(&form);
    d.setProject(project_);
    QTRY_VERIFY_WITH_TIMEOUT(d.dataReady() && d.tokenizerReady(), 20000);
    QSignalSpy done(&d, &rf::gui::TemplateDesigner::tryFinished);
    QTest::mouseClick(d.findChild<QPushButton*>("tryIt"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 60000);
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
    QCOMPARE(d.answerCount(), 4);  // the spin box's default
    QCOMPARE(d.findChild<QTableWidget*>("tryAnswers")->rowCount(), 4);
    for (int i = 0; i < d.answerCount(); ++i) {
      const rf::TemplateTryAnswer& a = d.answer(i);
      QVERIFY(a.tokens >= 1 && a.tokens <= 12);
      QCOMPARE(static_cast<int64_t>(a.pieces.size()), a.tokens);
      QCOMPARE(static_cast<int64_t>(a.logprobs.size()), a.tokens);
      for (float lp : a.logprobs) QVERIFY(lp <= 1e-6f);
      // The total is the sum of weight x value over the run form's reward components.
      QCOMPARE(a.rewards.size(), rf::run_config_from_json(form.config()).rewards["components"].size());
      double sum = 0;
      for (const auto& t : a.rewards) {
        QVERIFY(t["value"].is_number());
        QVERIFY(qAbs(t["weighted"].get<double>() - t["weight"].get<double>() * t["value"].get<double>()) < 1e-9);
        sum += t["weighted"].get<double>();
      }
      QVERIFY(qAbs(a.total - sum) < 1e-9);
      QCOMPARE(a.parsed["targets"].size(), size_t(1));
    }
    d.showAnswer(1);
    QCOMPARE(d.tokenView()->tokenCount(), static_cast<int>(d.answer(1).tokens));
  }

  void use_in_run_form() {
    rf::gui::RunSession session;
    rf::gui::RunForm form(&session);
    form.setProject(project_);
    rf::gui::TemplateDesigner d;
    d.setRunForm(&form);
    d.setProject(project_);
    QTRY_VERIFY_WITH_TIMEOUT(d.dataReady(), 20000);
    d.setRecipe("rating");
    QCOMPARE(d.preset(), QString("rating"));
    QVERIFY(d.templateText().contains("<rate>"));
    editor_type(d.editor(), "Rate {{ target.title }} for {{ user.id }}.\n<analyze user></analyze user>");
    const QString path = d.useInRunForm("mine");
    QCOMPARE(path, QDir(project_).filePath("templates/mine.jinja"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(f.readAll()), d.templateText());
    QCOMPARE(form.config()["recipe"].get<std::string>(), std::string("rating"));
    QCOMPARE(form.config()["template"]["file"].get<std::string>(), path.toStdString());
    QCOMPARE(form.config()["template"]["preset"].get<std::string>(), std::string("rating"));
    QVERIFY2(form.validate().isEmpty(), qPrintable(form.validate()));
  }
};

RF_TEST_SUITE(TestTemplateDesigner);
#include "test_template_designer.moc"
