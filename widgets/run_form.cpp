// The run launcher form (see run_form.h).
#include "run_form.h"

#include "config_docs.h"
#include "data/dataset_store.h"
#include "engine/run_config.h"
#include "engine/run_execute.h"
#include "run_session.h"
#include "store/project.h"
#include "store/run_store.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>

namespace rf::gui {

namespace {

const nlohmann::json* json_at(const nlohmann::json& j, const std::string& path) {
  const nlohmann::json* cur = &j;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

void json_set(nlohmann::json& j, const std::string& path, const nlohmann::json& v) {
  nlohmann::json* cur = &j;
  size_t start = 0;
  for (size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1) cur = &(*cur)[path.substr(start, dot - start)];
  (*cur)[path.substr(start)] = v;
}

QString tooltip_for(const std::string& path) {
  const auto& docs = config_docs();
  const auto it = docs.find(path);
  if (it == docs.end()) return QString::fromStdString(path);
  return QString("<b>%1</b> (default %2)<br>%3")
      .arg(QString::fromStdString(path), QString::fromStdString(it->second.default_value).toHtmlEscaped(),
           QString::fromStdString(it->second.meaning).toHtmlEscaped());
}

const char* reward_preset_of(const std::string& recipe) {
  return recipe == "query" ? "rec-r1" : recipe == "rating" ? "reczero" : "recllm-r1";
}

}  // namespace

RunForm::RunForm(RunSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  setObjectName("runForm");
  config_ = run_config_to_json(run_config_default());
  config_["rewards"] = reward_preset_of(config_.value("recipe", "list"));
  config_["constrain_answer"] = true;

  auto* basic = new QWidget(this);
  auto* cols = new QHBoxLayout(basic);
  auto* run_box = new QGroupBox(tr("Run"), basic);
  auto* run_form = new QFormLayout(run_box);
  addField(run_form, "name", tr("Name"), 's');
  addField(run_form, "recipe", tr("Recipe"), 's', {"list", "query", "rating"});
  addField(run_form, "trainer", tr("Trainer"), 's', {"grpo", "sft"});
  addField(run_form, "data.dataset", tr("Data set"), 's', {""});
  dataset_ = qobject_cast<QComboBox*>(fieldWidget("data.dataset"));
  addField(run_form, "model.source", tr("Model"), 's', {"sample", "hf"});
  addField(run_form, "model.path", tr("HF folder"), 's');
  addField(run_form, "model.finetune", tr("Fine-tuning"), 's', {"full", "lora"});
  addField(run_form, "model.lora.r", tr("LoRA rank"), 'i');
  addField(run_form, "device", tr("Device"), 's', {"auto", "cpu", "cuda"});
  addField(run_form, "seed", tr("Seed"), 'i');
  addField(run_form, "rewards", tr("Reward preset"), 's', {"recllm-r1", "rec-r1", "reczero"});
  addField(run_form, "eval.users", tr("Held-out users"), 'i');
  addField(run_form, "constrain_answer", tr("Answers held to the format"), 'b');
  addField(run_form, "constrain_mentions", tr("Mentions from the pool"), 'b');
  auto* grpo_box = new QGroupBox(tr("GRPO"), basic);
  auto* grpo_form = new QFormLayout(grpo_box);
  addField(grpo_form, "grpo.max_steps", tr("Steps"), 'i');
  addField(grpo_form, "grpo.num_generations", tr("Group size G"), 'i');
  addField(grpo_form, "grpo.per_device_train_batch_size", tr("Completions / step"), 'i');
  addField(grpo_form, "grpo.learning_rate", tr("Learning rate"), 'd');
  addField(grpo_form, "grpo.temperature", tr("Temperature"), 'd');
  addField(grpo_form, "grpo.beta", tr("KL β"), 'd');
  addField(grpo_form, "grpo.max_completion_length", tr("Max completion"), 'i');
  addField(grpo_form, "grpo.save_steps", tr("Checkpoint every"), 'i');
  addField(grpo_form, "grpo.save_total_limit", tr("Checkpoints kept (0: all)"), 'i');
  auto* sft_box = new QGroupBox(tr("SFT"), basic);
  auto* sft_form = new QFormLayout(sft_box);
  addField(sft_form, "sft.num_train_epochs", tr("Epochs"), 'd');
  addField(sft_form, "sft.max_steps", tr("Steps (-1: epochs)"), 'i');
  addField(sft_form, "sft.learning_rate", tr("Learning rate"), 'd');
  addField(sft_form, "sft.per_device_train_batch_size", tr("Batch"), 'i');
  addField(sft_form, "sft.save_steps", tr("Checkpoint every"), 'i');
  addField(sft_form, "sft.save_total_limit", tr("Checkpoints kept (0: all)"), 'i');
  cols->addWidget(run_box);
  cols->addWidget(grpo_box);
  cols->addWidget(sft_box);

  json_ = new QPlainTextEdit(this);
  json_->setObjectName("runFormJson");
  json_->setToolTip(tr("The whole run config (docs/config.md); Apply reads it back into the form"));
  auto* apply = new QPushButton(tr("Apply JSON"), this);
  auto* advanced = new QWidget(this);
  auto* al = new QVBoxLayout(advanced);
  al->addWidget(json_, 1);
  al->addWidget(apply, 0, Qt::AlignRight);
  auto* sections = new QTabWidget(this);
  sections->addTab(basic, tr("Basic"));
  sections->addTab(advanced, tr("Advanced (JSON)"));

  error_ = new QLabel(this);
  error_->setObjectName("runFormError");
  error_->setWordWrap(true);
  auto* validate_b = new QPushButton(tr("Validate"), this);
  auto* start_b = new QPushButton(tr("Start"), this);
  start_b->setObjectName("runFormStart");
  start_b->setToolTip(tr("Create the run and train it here; queued when a run is training"));
  auto* save_b = new QPushButton(tr("Save config…"), this);
  auto* load_b = new QPushButton(tr("Load config…"), this);
  baselines_ = new QCheckBox(tr("Baselines"), this);
  baselines_->setChecked(true);
  baselines_->setToolTip(tr("Score the recipe's classic baselines on the held-out users before training"));
  evaluate_ = new QCheckBox(tr("Evaluate"), this);
  evaluate_->setChecked(true);
  evaluate_->setToolTip(tr("Evaluate the model on the held-out users before, every eval_steps and at the end"));
  queue_list_ = new QListWidget(this);
  queue_list_->setMaximumHeight(60);
  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {validate_b, start_b, save_b, load_b}) buttons->addWidget(b);
  buttons->addWidget(baselines_);
  buttons->addWidget(evaluate_);
  buttons->addWidget(new QLabel(tr("Queue:"), this));
  buttons->addWidget(queue_list_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(sections, 1);
  layout->addLayout(buttons);
  layout->addWidget(error_);

  connect(apply, &QPushButton::clicked, this, [this] {
    try {
      setConfigJson(nlohmann::json::parse(json_->toPlainText().toStdString()));
    } catch (const nlohmann::json::exception& e) {
      showError(tr("JSON: %1").arg(e.what()));
    }
  });
  connect(validate_b, &QPushButton::clicked, this, [this] {
    const QString e = validate();
    showError(e.isEmpty() ? tr("valid") : e);
  });
  connect(start_b, &QPushButton::clicked, this, [this] { start(); });
  connect(save_b, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Save run config"), "run.json", tr("JSON (*.json)"));
    if (!f.isEmpty()) saveConfig(f);
  });
  connect(load_b, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Load run config"), QString(), tr("JSON (*.json)"));
    if (!f.isEmpty()) loadConfig(f);
  });
  connect(session_, &RunSession::finished, this, [this] { startNextQueued(); });
  refreshWidgets();
  refreshJsonText();
}

void RunForm::addField(QFormLayout* form, const std::string& path, const QString& label, char kind, const QStringList& choices) {
  QWidget* w = nullptr;
  if (kind == 'i') {
    auto* s = new QSpinBox(this);
    s->setRange(-1, 100000000);
    connect(s, &QSpinBox::valueChanged, this, [this, path](int v) {
      if (!syncing_) setField(path, v);
    });
    w = s;
  } else if (kind == 'd') {
    auto* s = new QDoubleSpinBox(this);
    s->setDecimals(8);
    s->setRange(-1, 1e6);
    connect(s, &QDoubleSpinBox::valueChanged, this, [this, path](double v) {
      if (!syncing_) setField(path, v);
    });
    w = s;
  } else if (kind == 'b') {
    auto* b = new QCheckBox(this);
    connect(b, &QCheckBox::toggled, this, [this, path](bool on) {
      if (!syncing_) setField(path, on);
    });
    w = b;
  } else if (!choices.isEmpty()) {
    auto* c = new QComboBox(this);
    c->addItems(choices);
    c->setEditable(path == "data.dataset");
    connect(c, &QComboBox::currentTextChanged, this, [this, path](const QString& t) {
      if (!syncing_) setField(path, t.toStdString());
    });
    w = c;
  } else {
    auto* e = new QLineEdit(this);
    connect(e, &QLineEdit::textEdited, this, [this, path](const QString& t) { setField(path, t.toStdString()); });
    w = e;
  }
  w->setObjectName(QString::fromStdString("field_" + path));
  w->setToolTip(tooltip_for(path));
  auto* l = new QLabel(label, this);
  l->setToolTip(w->toolTip());
  form->addRow(l, w);
  fields_.push_back({path, w, kind});
}

QWidget* RunForm::fieldWidget(const std::string& path) const {
  for (const Field& f : fields_)
    if (f.path == path) return f.widget;
  return nullptr;
}

void RunForm::setProject(const QString& project_dir) {
  project_ = project_dir;
  syncing_ = true;
  dataset_->clear();
  try {
    Project p = project_open(project_dir.toStdString(), false);
    for (const DatasetInfo& d : dataset_list(p)) dataset_->addItem(QString::fromStdString(d.name));
  } catch (const std::exception&) {
  }
  syncing_ = false;
  if (dataset_->count() > 0) setField("data.dataset", dataset_->itemText(0).toStdString());
}

void RunForm::setField(const std::string& path, const nlohmann::json& value) {
  json_set(config_, path, value);
  // A recipe needs its own reward: switching the recipe switches to the recipe's preset.
  // Every recipe starts with its answers held to its format (List: to the candidate pool, which the sample
  // model cannot copy from its prompt yet; Query and Rating: blocks closed in time, a rating on the scale);
  // mentions (List only) stay free unless asked for (docs/results.md: they cost the demo accuracy).
  if (path == "recipe" && value.is_string()) {
    json_set(config_, "rewards", reward_preset_of(value.get<std::string>()));
    json_set(config_, "constrain_answer", true);
    if (value.get<std::string>() != "list") json_set(config_, "constrain_mentions", false);
  }
  refreshWidgets();
  refreshJsonText();
  error_->clear();
}

bool RunForm::setConfigJson(const nlohmann::json& j) {
  try {
    const RunConfig c = run_config_from_json(j, "run config");
    run_config_validate(c);
    config_ = run_config_to_json(c);
    if (j.contains("rewards") && j["rewards"].is_string()) config_["rewards"] = j["rewards"];  // keep the preset's name
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
  refreshWidgets();
  refreshJsonText();
  error_->clear();
  return true;
}

void RunForm::refreshWidgets() {
  syncing_ = true;
  for (const Field& f : fields_) {
    const nlohmann::json* v = json_at(config_, f.path);
    if (auto* s = qobject_cast<QSpinBox*>(f.widget)) {
      if (v && v->is_number()) s->setValue(v->get<int>());
    } else if (auto* s = qobject_cast<QDoubleSpinBox*>(f.widget)) {
      if (v && v->is_number()) s->setValue(v->get<double>());
    } else if (auto* b = qobject_cast<QCheckBox*>(f.widget)) {
      if (v && v->is_boolean()) b->setChecked(v->get<bool>());
    } else if (auto* c = qobject_cast<QComboBox*>(f.widget)) {
      const QString t = v && v->is_string() ? QString::fromStdString(v->get<std::string>()) : v ? tr("(custom)") : QString();
      if (c->findText(t) < 0) c->addItem(t);
      c->setCurrentText(t);
    } else if (auto* e = qobject_cast<QLineEdit*>(f.widget)) {
      const QString t = v && v->is_string() ? QString::fromStdString(v->get<std::string>()) : QString();
      if (e->text() != t) e->setText(t);
    }
  }
  syncing_ = false;
}

void RunForm::refreshJsonText() {
  const QString text = QString::fromStdString(config_.dump(2));
  if (json_->toPlainText() != text) json_->setPlainText(text);
}

QString RunForm::validate() {
  try {
    run_config_validate(run_config_from_json(config_, "run config"));
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return QString();
}

QString RunForm::lastError() const { return error_->text(); }

void RunForm::showError(const QString& e) { error_->setText(e); }

int64_t RunForm::start() {
  if (project_.isEmpty()) {
    showError(tr("open a project first"));
    return 0;
  }
  const QString err = validate();
  if (!err.isEmpty()) {
    showError(err);
    return 0;
  }
  int64_t run = 0;
  try {
    run = run_create(project_.toStdString(), run_config_from_json(config_, "run config"));
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return 0;
  }
  Q_EMIT runCreated(run);
  if (session_->busy()) {
    queue_.push_back(run);
    queue_list_->addItem(tr("run %1").arg(run));
    showError(tr("run %1 queued behind run %2").arg(run).arg(session_->run()));
    return run;
  }
  RunExecuteOptions o;
  o.baselines = baselines_->isChecked();
  o.evaluate = evaluate_->isChecked();
  if (!session_->start(project_, run, o)) return 0;
  showError(tr("run %1 started").arg(run));
  return run;
}

void RunForm::startNextQueued() {
  if (queue_.empty() || session_->busy()) return;
  const int64_t run = queue_.front();
  queue_.erase(queue_.begin());
  delete queue_list_->takeItem(0);
  RunExecuteOptions o;
  o.baselines = baselines_->isChecked();
  o.evaluate = evaluate_->isChecked();
  if (session_->start(project_, run, o)) showError(tr("run %1 started from the queue").arg(run));
}

bool RunForm::loadFromRunWeights(int64_t run) {
  if (project_.isEmpty()) return false;
  try {
    SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
    const auto rec = run_store_run(db, run);
    if (!rec) throw std::runtime_error("no run " + std::to_string(run));
    const auto cks = run_store_checkpoints(db, run);
    if (cks.empty()) throw std::runtime_error("run " + std::to_string(run) + " has no checkpoint yet");
    nlohmann::json c = rec->config;
    if (c.value("model", nlohmann::json::object()).value("finetune", std::string("full")) == "lora")
      throw std::runtime_error("run " + std::to_string(run) + " trained LoRA adapters: its checkpoints hold adapters, not a whole model");
    c["model"]["source"] = "hf";
    c["model"]["path"] = cks.back().path;
    c["name"] = rec->name + " (from run " + std::to_string(run) + " step " + std::to_string(cks.back().step) + ")";
    if (!setConfigJson(c)) return false;
    showError(tr("from run %1's checkpoint at step %2; change what you like and Start").arg(run).arg(cks.back().step));
    return true;
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
}

void RunForm::setExecution(bool baselines, bool evaluate) {
  baselines_->setChecked(baselines);
  evaluate_->setChecked(evaluate);
}

bool RunForm::saveConfig(const QString& path) {
  try {
    run_config_save(run_config_from_json(config_, "run config"), path.toStdString());
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
  return true;
}

bool RunForm::loadConfig(const QString& path) {
  try {
    return setConfigJson(run_config_to_json(run_config_load(path.toStdString())));
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }
}

}  // namespace rf::gui
