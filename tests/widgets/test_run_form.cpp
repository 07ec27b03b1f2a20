// The run form (widgets/run_form.h, config_docs.h): the field tables of docs/config.md parsed from a
// hand-written snippet and from the compiled-in resource (the tooltips), a config edited field by field
// and as JSON, validation naming the bad field, the recipe switching the reward preset and the answer
// constraint (on for List), and a config
// saved to a file and loaded back into another form.
#include "config_docs.h"
#include "run_form.h"
#include "run_session.h"

#include "support/suite_registry.h"

#include <QCheckBox>
#include <QSpinBox>
#include <QtTest/QtTest>

class TestRunForm : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private Q_SLOTS:
  void docs_parse() {
    const auto d = rf::gui::config_docs_parse(
        "# Title\n\n| field | default | meaning |\n|---|---|---|\n| `grpo.beta` | `0.0` | KL coefficient; 0 = `none`. |\n"
        "| `seed` | `42` | Seeds everything. |\nnot a row | `x` |\n");
    QCOMPARE(d.size(), size_t(2));
    QCOMPARE(d.at("grpo.beta").default_value, std::string("0.0"));
    QCOMPARE(d.at("grpo.beta").meaning, std::string("KL coefficient; 0 = none."));
    // The resource is the real docs/config.md: every field the form shows is documented there.
    const auto& real = rf::gui::config_docs();
    for (const char* f : {"recipe", "grpo.beta", "grpo.num_generations", "sft.learning_rate", "model.lora.r", "eval.users"})
      QVERIFY2(real.count(f), f);
  }

  void fields_json_and_validation() {
    rf::gui::RunSession session;
    rf::gui::RunForm form(&session);
    QVERIFY(form.fieldWidget("grpo.beta")->toolTip().contains("KL coefficient"));
    auto* steps = qobject_cast<QSpinBox*>(form.fieldWidget("grpo.max_steps"));
    steps->setValue(17);
    QCOMPARE(form.config()["grpo"]["max_steps"].get<int>(), 17);
    QVERIFY(form.validate().isEmpty());
    // Every recipe holds its answers to its format by default (List: the candidate pool); the check box and
    // the JSON agree, and switching the recipe turns it back on.
    auto* pool_only = qobject_cast<QCheckBox*>(form.fieldWidget("constrain_answer"));
    QVERIFY(pool_only && pool_only->isChecked());
    QVERIFY(form.config()["constrain_answer"].get<bool>());
    QVERIFY(pool_only->toolTip().contains("candidate pool"));
    pool_only->setChecked(false);
    QVERIFY(!form.config()["constrain_answer"].get<bool>());
    form.setField("recipe", "rating");
    QCOMPARE(form.config()["rewards"].get<std::string>(), std::string("reczero"));
    QVERIFY(pool_only->isChecked());
    QVERIFY(form.config()["constrain_answer"].get<bool>());
    pool_only->setChecked(false);
    form.setField("recipe", "list");
    QVERIFY(pool_only->isChecked());
    auto* mentions = qobject_cast<QCheckBox*>(form.fieldWidget("constrain_mentions"));
    QVERIFY(!mentions->isChecked());
    mentions->setChecked(true);
    QVERIFY(form.config()["constrain_mentions"].get<bool>());
    form.setField("recipe", "query");
    QVERIFY(!mentions->isChecked());
    form.setField("recipe", "rating");
    form.setField("grpo.num_generations", 1);
    QVERIFY2(form.validate().contains("grpo.num_generations"), qPrintable(form.validate()));
    QCOMPARE(form.start(), int64_t(0));  // nothing starts: no project, and the config is invalid
    form.setField("grpo.num_generations", 4);
    // The whole config as JSON: an unknown field is refused with its name.
    nlohmann::json j = form.config();
    j["grpo"]["not_a_field"] = 1;
    QVERIFY(!form.setConfigJson(j));
    QVERIFY2(form.lastError().contains("not_a_field"), qPrintable(form.lastError()));
  }

  void save_and_load() {
    rf::gui::RunSession session;
    rf::gui::RunForm a(&session), b(&session);
    a.setField("seed", 123);
    a.setField("grpo.temperature", 0.7);
    const QString path = dir_.filePath("run.json");
    QVERIFY(a.saveConfig(path));
    QVERIFY(b.loadConfig(path));
    QCOMPARE(b.config()["seed"].get<int>(), 123);
    QCOMPARE(b.config()["grpo"]["temperature"].get<double>(), 0.7);
    QCOMPARE(qobject_cast<QSpinBox*>(b.fieldWidget("seed"))->value(), 123);
  }
};

RF_TEST_SUITE(TestRunForm);
#include "test_run_form.moc"
