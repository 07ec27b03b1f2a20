// The template designer screen (see template_designer.h).
#include "template_designer.h"

#include "completion_highlighter.h"
#include "data/dataset_store.h"
#include "engine/run_config.h"
#include "engine/run_setup.h"
#include "engine/template_try.h"
#include "reward_bars.h"
#include "run_form.h"
#include "store/project.h"
#include "store/run_store.h"
#include "template_editor.h"
#include "text/prompt_presets.h"
#include "text/template.h"
#include "token_view.h"
#include "util/error.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>
#include <QCompleter>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextCursor>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <chrono>
#include <filesystem>

namespace rf::gui {

namespace {

using nlohmann::json;

QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

TemplateDesigner::TemplateDesigner(QWidget* parent) : QWidget(parent) {
  setObjectName("templates");
  recipe_ = new QComboBox(this);
  recipe_->setObjectName("designerRecipe");
  recipe_->addItems({"list", "query", "rating"});
  preset_ = new QComboBox(this);
  preset_->setObjectName("designerPreset");
  preset_->setToolTip(tr("The recipe presets of resources/templates/presets.json; choosing one loads its template"));
  auto* reload = new QPushButton(tr("Reload preset"), this);
  reload->setToolTip(tr("Replace the editor's text by the preset's template (Ctrl+Z in the editor brings it back)"));
  dataset_ = new QComboBox(this);
  dataset_->setObjectName("designerDataset");
  user_ = new QLineEdit(this);
  user_->setObjectName("designerUser");
  user_->setPlaceholderText(tr("user id"));
  user_->setToolTip(tr("The user whose prompt is previewed (completes the data set's ids)"));
  auto* prev_user = new QToolButton(this);
  prev_user->setArrowType(Qt::LeftArrow);
  prev_user->setToolTip(tr("Previous user"));
  auto* next_user = new QToolButton(this);
  next_user->setArrowType(Qt::RightArrow);
  next_user->setToolTip(tr("Next user"));
  holdout_ = new QComboBox(this);
  holdout_->setObjectName("designerHoldout");
  holdout_->addItems({"train", "valid", "test"});
  holdout_->setToolTip(tr("Which interaction is held out as the answer: train prompts are what GRPO trains on; "
                          "valid / test what evaluation asks"));
  model_box_ = new QComboBox(this);
  model_box_->setObjectName("designerModel");
  model_box_->setToolTip(tr("The tokenizer that counts the preview's tokens and the model Try it samples from"));

  auto* top = new QHBoxLayout;
  auto add_labelled = [&](const QString& label, QWidget* w) {
    top->addWidget(new QLabel(label, this));
    top->addWidget(w);
  };
  add_labelled(tr("Recipe"), recipe_);
  add_labelled(tr("Preset"), preset_);
  top->addWidget(reload);
  add_labelled(tr("Data set"), dataset_);
  add_labelled(tr("User"), user_);
  top->addWidget(prev_user);
  top->addWidget(next_user);
  add_labelled(tr("Held out"), holdout_);
  add_labelled(tr("Model"), model_box_);
  top->addStretch(1);

  editor_ = new TemplateEditor(this);
  editor_->setObjectName("templateEditor");
  error_ = new QLabel(this);
  error_->setObjectName("templateError");
  error_->setWordWrap(true);
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* save = new QPushButton(tr("Save template as…"), this);
  auto* use = new QPushButton(tr("Use in run form"), this);
  use->setObjectName("useInRunForm");
  use->setToolTip(tr("Save the template into the project's templates/ folder and make the run form train with it"));
  auto* left = new QWidget(this);
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addWidget(new QLabel(tr("<b>Template</b> (docs/templates.md)"), this));
  left_layout->addWidget(editor_, 1);
  left_layout->addWidget(error_);
  auto* left_buttons = new QHBoxLayout;
  left_buttons->addWidget(save);
  left_buttons->addWidget(use);
  left_buttons->addStretch(1);
  left_layout->addLayout(left_buttons);

  preview_ = new QPlainTextEdit(this);
  preview_->setObjectName("templatePreview");
  preview_->setReadOnly(true);
  new CompletionHighlighter(preview_->document());
  preview_info_ = new QLabel(this);
  preview_info_->setObjectName("previewInfo");
  preview_info_->setWordWrap(true);
  try_n_ = new QSpinBox(this);
  try_n_->setRange(1, 16);
  try_n_->setValue(4);
  try_n_->setToolTip(tr("How many answers to sample (the run form's temperature, top_p and max_completion_length)"));
  try_button_ = new QPushButton(tr("Try it"), this);
  try_button_->setObjectName("tryIt");
  try_button_->setToolTip(tr("Sample answers from the model for this prompt, parse and score them with the run form's rewards — no training"));
  try_status_ = new QLabel(this);
  try_status_->setObjectName("tryStatus");
  answers_table_ = new QTableWidget(0, 5, this);
  answers_table_->setObjectName("tryAnswers");
  answers_table_->setHorizontalHeaderLabels({tr("#"), tr("reward"), tr("format"), tr("hits"), tr("answer")});
  answers_table_->horizontalHeader()->setStretchLastSection(true);
  answers_table_->verticalHeader()->hide();
  answers_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  answers_table_->setSelectionMode(QAbstractItemView::SingleSelection);
  answers_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  tokens_ = new TokenView(this);
  tokens_->setToolTip(tr("Each token shaded by its probability when sampled: white likely, red unlikely"));
  bars_ = new RewardBars(this);

  auto* right = new QSplitter(Qt::Vertical, this);
  auto* preview_box = new QWidget(this);
  auto* preview_layout = new QVBoxLayout(preview_box);
  preview_layout->setContentsMargins(0, 0, 0, 0);
  preview_layout->addWidget(new QLabel(tr("<b>Preview</b>: what the model reads"), this));
  // The variables the template sees for this user (docs/templates.md), next to what it makes of them.
  context_ = new QPlainTextEdit(this);
  context_->setObjectName("templateContext");
  context_->setReadOnly(true);
  context_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  auto* preview_tabs = new QTabWidget(this);
  preview_tabs->addTab(preview_, tr("Prompt"));
  preview_tabs->addTab(context_, tr("Variables (the context JSON)"));
  preview_layout->addWidget(preview_tabs, 1);
  preview_layout->addWidget(preview_info_);
  right->addWidget(preview_box);
  auto* try_box = new QWidget(this);
  auto* try_layout = new QVBoxLayout(try_box);
  try_layout->setContentsMargins(0, 0, 0, 0);
  auto* try_row = new QHBoxLayout;
  try_row->addWidget(new QLabel(tr("<b>Try it</b>: answers"), this));
  try_row->addWidget(try_n_);
  try_row->addWidget(try_button_);
  try_row->addWidget(try_status_, 1);
  try_layout->addLayout(try_row);
  auto* answer_split = new QSplitter(Qt::Horizontal, this);
  answer_split->addWidget(answers_table_);
  answer_split->addWidget(tokens_);
  answer_split->addWidget(bars_);
  answer_split->setSizes({250, 380, 420});
  try_layout->addWidget(answer_split, 1);
  right->addWidget(try_box);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 2);

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  split->setSizes({500, 780});  // the editor needs the width of a template line
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(split, 1);

  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(250);
  connect(debounce_, &QTimer::timeout, this, &TemplateDesigner::updatePreview);
  connect(editor_, &QPlainTextEdit::textChanged, debounce_, qOverload<>(&QTimer::start));
  connect(recipe_, &QComboBox::currentTextChanged, this, [this] {
    fillPresets();
    loadData();
  });
  connect(preset_, &QComboBox::currentTextChanged, this, [this](const QString& p) {
    if (!p.isEmpty()) setPreset(p);
  });
  connect(reload, &QPushButton::clicked, this, [this] { setPreset(preset()); });
  connect(dataset_, &QComboBox::currentTextChanged, this, [this] { loadData(); });
  connect(user_, &QLineEdit::editingFinished, this, &TemplateDesigner::updatePreview);
  auto step_user = [this](int by) {
    if (user_ids_.isEmpty()) return;
    const int i = static_cast<int>(user_ids_.indexOf(user()));
    setUser(user_ids_[((i < 0 ? 0 : i + by) % user_ids_.size() + user_ids_.size()) % user_ids_.size()]);
  };
  connect(prev_user, &QToolButton::clicked, this, [step_user] { step_user(-1); });
  connect(next_user, &QToolButton::clicked, this, [step_user] { step_user(1); });
  connect(holdout_, &QComboBox::currentTextChanged, this, &TemplateDesigner::updatePreview);
  connect(model_box_, &QComboBox::currentIndexChanged, this, [this] { loadTokenizer(); });
  connect(try_button_, &QPushButton::clicked, this, [this] { tryIt(try_n_->value()); });
  connect(answers_table_, &QTableWidget::currentCellChanged, this, [this](int row) {
    if (row >= 0) showAnswer(answers_table_->item(row, 0)->data(Qt::UserRole).toInt());
  });
  connect(save, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save template"), project_ + "/templates", tr("Templates (*.jinja)"));
    if (!path.isEmpty()) saveTemplate(path);
  });
  connect(use, &QPushButton::clicked, this, [this] { useInRunForm(preset() + "-custom"); });

  try {
    presets_dir_ = qs(prompt_templates_dir("template designer"));
    QFile f(presets_dir_ + "/presets.json");
    if (!f.open(QIODevice::ReadOnly)) throw Error((presets_dir_ + "/presets.json").toStdString() + ": cannot read");
    presets_ = json::parse(f.readAll().toStdString()).at("presets");
  } catch (const std::exception& e) {
    presets_ = json::array();
    showError(tr("presets: %1").arg(QString::fromUtf8(e.what())));
  }
  fillPresets();
}

TemplateDesigner::~TemplateDesigner() {
  // A job still running holds shared data only; wait for it so nothing outlives the process's statics.
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(threads_mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

void TemplateDesigner::runJob(std::function<void()> work, std::function<void(const QString&)> done) {
  ++jobs_running_;
  std::lock_guard<std::mutex> lock(threads_mutex_);
  threads_.emplace_back([this, work = std::move(work), done = std::move(done)] {
    QString error;
    try {
      work();
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
      if (error.isEmpty()) error = tr("failed");
    }
    // Queued to this object's (the GUI) thread; dropped by Qt if the designer is gone by then.
    QMetaObject::invokeMethod(this, [this, done, error] {
      --jobs_running_;
      done(error);
    }, Qt::QueuedConnection);
  });
}

void TemplateDesigner::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  if (project_.isEmpty()) return;
  loadData();       // no-ops when data set and recipe are unchanged
  loadTokenizer();  // likewise for the model folder
  updatePreview();
}

bool TemplateDesigner::waitIdle(int ms) {
  QElapsedTimer t;
  t.start();
  while (jobs_running_ > 0 && t.elapsed() < ms) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(5);
  }
  return jobs_running_ == 0;
}

void TemplateDesigner::setProject(const QString& project_dir) {
  project_ = project_dir;
  data_.reset();
  data_key_.clear();
  {
    const QSignalBlocker block(dataset_);
    dataset_->clear();
    try {
      Project p = project_open(project_dir.toStdString(), false);
      for (const DatasetInfo& d : dataset_list(p)) {
        dataset_->addItem(qs(d.name));
        dataset_->setItemData(dataset_->count() - 1, tr("%1 users, %2 items, %3 interactions").arg(d.users).arg(d.items).arg(d.interactions),
                              Qt::ToolTipRole);
      }
    } catch (const std::exception& e) {
      showError(tr("project: %1").arg(QString::fromUtf8(e.what())));
    }
  }
  fillModels();
  loadData();
  loadTokenizer();
}

QString TemplateDesigner::recipe() const { return recipe_->currentText(); }
QString TemplateDesigner::preset() const { return preset_->currentText(); }
QString TemplateDesigner::user() const { return user_->text().trimmed(); }
QString TemplateDesigner::templateText() const { return editor_->toPlainText(); }
QString TemplateDesigner::previewText() const { return preview_->toPlainText(); }
QString TemplateDesigner::contextText() const { return context_->toPlainText(); }
QString TemplateDesigner::errorText() const { return error_->text(); }
bool TemplateDesigner::dataReady() const { return data_ != nullptr; }
bool TemplateDesigner::tokenizerReady() const { return tokenizer_ != nullptr; }

void TemplateDesigner::setRecipe(const QString& recipe) { recipe_->setCurrentText(recipe); }

void TemplateDesigner::setDataset(const QString& name) { dataset_->setCurrentText(name); }

void TemplateDesigner::setUser(const QString& user_id) {
  user_->setText(user_id);
  updatePreview();
}

void TemplateDesigner::setHoldout(const QString& part) { holdout_->setCurrentText(part); }

void TemplateDesigner::fillPresets() {
  const QSignalBlocker block(preset_);
  preset_->clear();
  for (const json& p : presets_)
    if (p.value("recipe", "") == recipe().toStdString()) preset_->addItem(qs(p.value("name", "")), qs(p.value("paper", "")));
  for (int i = 0; i < preset_->count(); ++i) preset_->setItemData(i, preset_->itemData(i), Qt::ToolTipRole);
  const int own = preset_->findText(recipe());
  preset_->setCurrentIndex(own >= 0 ? own : 0);
  if (preset_->count() > 0) setPreset(preset_->currentText());
}

void TemplateDesigner::setPreset(const QString& name) {
  if (preset_->currentText() != name) {
    const QSignalBlocker block(preset_);
    preset_->setCurrentText(name);
  }
  for (const json& p : presets_) {
    if (qs(p.value("name", "")) != name) continue;
    QFile f(presets_dir_ + "/" + qs(p.value("file", "")));
    if (!f.open(QIODevice::ReadOnly)) {
      showError(tr("%1: cannot read").arg(f.fileName()));
      return;
    }
    // Replaced through a cursor so the editor's undo brings the old text back.
    QTextCursor c(editor_->document());
    c.select(QTextCursor::Document);
    c.insertText(QString::fromUtf8(f.readAll()));
    editor_->moveCursor(QTextCursor::Start);
    updatePreview();
    return;
  }
}

void TemplateDesigner::fillModels() {
  const QSignalBlocker block(model_box_);
  model_box_->clear();
  model_box_->addItem(tr("the run form's model"), QString());
  try {
    SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
    for (const RunRecord& r : run_store_runs(db)) {
      const auto cks = run_store_checkpoints(db, r.id);
      if (cks.empty()) continue;
      if (r.config.value("model", json::object()).value("finetune", std::string("full")) == "lora") continue;  // adapters only
      if (!std::filesystem::is_directory(cks.back().path)) continue;
      model_box_->addItem(tr("run %1 %2 (step %3)").arg(r.id).arg(qs(r.name)).arg(cks.back().step), qs(cks.back().path));
    }
  } catch (const std::exception&) {
    // No run store yet: only the run form's model.
  }
}

json TemplateDesigner::runConfigJson() const {
  json j = form_ ? form_->config() : run_config_to_json(run_config_default());
  const std::string form_recipe = j.value("recipe", "list");
  j["recipe"] = recipe().toStdString();
  j["template"] = {{"preset", preset().toStdString()}, {"file", ""}};
  if (!j.contains("data") || !j["data"].is_object()) j["data"] = json::object();
  j["data"]["dataset"] = dataset_->currentText().toStdString();
  if (form_recipe != recipe().toStdString()) j.erase("rewards");  // the recipe's own reward preset
  return j;
}

QString TemplateDesigner::modelDir() const {
  const QString chosen = model_box_->currentData().toString();
  if (!chosen.isEmpty()) return chosen;
  return qs(run_model_source_dir(project_.toStdString(), run_config_from_json(runConfigJson(), "run form")));
}

void TemplateDesigner::loadData() {
  if (project_.isEmpty() || dataset_->count() == 0) return;
  RunConfig c;
  try {
    c = run_config_from_json(runConfigJson(), "run form");
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
    return;
  }
  const std::string key = project_.toStdString() + "|" + c.data.dataset + "|" + c.recipe + "|" + c.data.split;
  if (key == data_key_ && data_) return;
  data_key_ = key;
  data_.reset();
  const int generation = ++data_generation_;
  preview_info_->setText(tr("loading data set %1…").arg(qs(c.data.dataset)));
  auto loaded = std::make_shared<std::shared_ptr<const RunData>>();
  const std::string project = project_.toStdString();
  runJob([loaded, project, c] { *loaded = run_data_open(project, c); },
         [this, loaded, generation](const QString& error) {
           if (generation != data_generation_) return;  // a newer load replaced this one
           if (!error.isEmpty()) {
             showError(error);
             Q_EMIT dataLoaded(false);
             return;
           }
           data_ = *loaded;
           user_ids_.clear();
           std::vector<int> counts(data_->ds.users.size(), 0);
           for (const auto& in : data_->ds.interactions) ++counts[static_cast<size_t>(in.user)];
           int first_rich = -1;
           for (size_t u = 0; u < data_->ds.users.size(); ++u) {
             user_ids_ << qs(data_->ds.users[u].id);
             if (first_rich < 0 && counts[u] >= 5) first_rich = static_cast<int>(u);
           }
           auto* completer = new QCompleter(user_ids_, user_);
           completer->setCaseSensitivity(Qt::CaseInsensitive);
           completer->setFilterMode(Qt::MatchContains);
           delete user_->completer();
           user_->setCompleter(completer);
           if (user().isEmpty() || !user_ids_.contains(user()))
             user_->setText(user_ids_.isEmpty() ? QString() : user_ids_[first_rich >= 0 ? first_rich : 0]);
           updatePreview();
           Q_EMIT dataLoaded(true);
         });
}

void TemplateDesigner::loadTokenizer() {
  if (project_.isEmpty()) return;
  std::string dir;
  try {
    dir = modelDir().toStdString();
  } catch (const std::exception& e) {
    tokenizer_.reset();
    tokenizer_dir_.clear();
    preview_info_->setText(tr("no model to count tokens with: %1").arg(QString::fromUtf8(e.what())));
    Q_EMIT tokenizerLoaded(false);
    return;
  }
  if (dir == tokenizer_dir_ && tokenizer_) return;
  tokenizer_dir_ = dir;
  tokenizer_.reset();
  const int generation = ++tokenizer_generation_;
  auto loaded = std::make_shared<std::shared_ptr<const RunModel>>();
  runJob([loaded, dir] { *loaded = std::make_shared<RunModel>(run_model_load_tokenizer(dir)); },
         [this, loaded, generation](const QString& error) {
           if (generation != tokenizer_generation_) return;
           if (!error.isEmpty()) {
             preview_info_->setText(tr("tokenizer: %1").arg(error));
             Q_EMIT tokenizerLoaded(false);
             return;
           }
           tokenizer_ = *loaded;
           updatePreview();
           Q_EMIT tokenizerLoaded(true);
         });
}

void TemplateDesigner::showError(const QString& e) {
  error_->setStyleSheet(e.isEmpty() ? QString() : "color: #c62828;");
  error_->setText(e);
}

void TemplateDesigner::updatePreview() {
  debounce_->stop();
  const std::string source = editor_->toPlainText().toStdString();
  auto mark = [this](const TemplateError& e) {
    editor_->setError(e.line(), e.column(), qs(e.message()));
    showError(tr("line %1, column %2: %3").arg(e.line()).arg(e.column()).arg(qs(e.message())));
  };
  if (source.find_first_not_of(" \t\r\n") == std::string::npos) {
    editor_->clearError();
    showError(tr("the template is empty"));
    Q_EMIT previewUpdated();
    return;
  }
  // Syntax first: errors show while the data is still loading.
  try {
    template_parse(source, "template");
  } catch (const TemplateError& e) {
    mark(e);
    Q_EMIT previewUpdated();
    return;
  }
  editor_->clearError();
  showError({});
  if (!data_ || user().isEmpty()) {
    Q_EMIT previewUpdated();
    return;
  }
  try {
    const RunConfig c = run_config_from_json(runConfigJson(), "run form");
    const RecipePrompt p = template_try_prompt(*data_, c, source, user().toStdString(), holdout_->currentText().toStdString());
    context_->setPlainText(qs(p.context.dump(2, ' ', false, json::error_handler_t::replace)));
    const Dataset& ds = data_->ds;
    QStringList targets;
    for (int32_t t : p.targets) targets << qs(ds.items[static_cast<size_t>(t)].id);
    QString info = tr("held out: %1").arg(targets.join(", "));
    if (!p.pool.empty()) info += tr(" · pool of %1, k = %2").arg(p.pool.size()).arg(p.k);
    if (tokenizer_) {
      const TemplateTryPreview pv = template_try_preview(*tokenizer_, p, c.grpo.max_prompt_length);
      preview_->setPlainText(qs(pv.text));
      preview_tokens_ = pv.tokens;
      info = tr("%1 tokens (%2) · %3").arg(pv.tokens).arg(pv.chat.empty() ? tr("plain text, no chat template") : qs(pv.chat) + tr(" chat format")).arg(info);
      if (pv.kept_tokens < pv.tokens)
        info += tr(" · <b>max_prompt_length %1 cuts the first %2 tokens</b>").arg(c.grpo.max_prompt_length).arg(pv.tokens - pv.kept_tokens);
      else
        info += tr(" · fits max_prompt_length %1").arg(c.grpo.max_prompt_length);
    } else {
      preview_->setPlainText(qs((p.system.empty() ? "" : p.system + "\n\n") + p.prompt + p.prefill));
      preview_tokens_ = 0;
      info += tr(" · tokenizer loading…");
    }
    preview_info_->setText(info);
  } catch (const TemplateError& e) {
    mark(e);
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
  }
  Q_EMIT previewUpdated();
}

int TemplateDesigner::answerCount() const { return static_cast<int>(answers_.size()); }

const TemplateTryAnswer& TemplateDesigner::answer(int i) const { return answers_.at(static_cast<size_t>(i)); }

bool TemplateDesigner::tryIt(int n) {
  if (!try_button_->isEnabled()) return false;
  updatePreview();
  if (editor_->errorLine() > 0 || !data_ || user().isEmpty()) {
    try_status_->setText(editor_->errorLine() > 0 ? tr("fix the template first") : tr("the data set is still loading"));
    return false;
  }
  RunConfig c;
  RecipePrompt p;
  std::string dir;
  try {
    c = run_config_from_json(runConfigJson(), "run form");
    p = template_try_prompt(*data_, c, editor_->toPlainText().toStdString(), user().toStdString(), holdout_->currentText().toStdString());
    dir = modelDir().toStdString();
  } catch (const std::exception& e) {
    try_status_->setText(QString::fromUtf8(e.what()));
    return false;
  }
  const std::string key = dir + "|" + c.device + "|" + c.dtype;
  std::shared_ptr<RunModel> model = key == model_key_ ? model_ : nullptr;
  model_key_ = key;
  model_.reset();  // handed to the job; it comes back with the answers
  auto data = data_;
  const uint64_t seed = static_cast<uint64_t>(c.seed) * 1000003ULL + ++try_seed_;
  auto result = std::make_shared<std::vector<TemplateTryAnswer>>();
  auto used = std::make_shared<std::shared_ptr<RunModel>>(model);
  auto seconds = std::make_shared<double>(0.0);
  try_button_->setEnabled(false);
  try_status_->setText(model ? tr("sampling %1 answers…").arg(n) : tr("loading %1 and sampling %2 answers…").arg(qs(dir)).arg(n));
  runJob(
      [=] {
        const auto t0 = std::chrono::steady_clock::now();
        if (!*used) *used = std::make_shared<RunModel>(run_model_load(dir, run_model_load_options(c.device, c.dtype)));
        *result = template_try_answers(**used, *data, c, p, n, seed);
        *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      },
      [this, result, used, seconds, key, prefill = p.prefill](const QString& error) {
        if (model_key_ == key) model_ = *used;
        try_button_->setEnabled(true);
        if (!error.isEmpty()) {
          try_status_->setText(error);
          Q_EMIT tryFinished(false, error);
          return;
        }
        answers_ = std::move(*result);
        try_prefill_ = prefill;
        answers_table_->setRowCount(0);
        double sum = 0;
        int format_ok = 0;
        for (size_t i = 0; i < answers_.size(); ++i) {
          const TemplateTryAnswer& a = answers_[i];
          const bool ok = a.parsed.value("format_ok", false);
          format_ok += ok ? 1 : 0;
          sum += a.total;
          int hits = 0;
          if (a.parsed.contains("items"))
            for (const auto& it : a.parsed["items"])
              for (const auto& t : a.parsed.value("targets", json::array())) hits += it == t ? 1 : 0;
          const int row = answers_table_->rowCount();
          answers_table_->insertRow(row);
          auto* idx = new QTableWidgetItem(QString::number(i + 1));
          idx->setData(Qt::UserRole, static_cast<int>(i));
          answers_table_->setItem(row, 0, idx);
          answers_table_->setItem(row, 1, new QTableWidgetItem(QString::number(a.total, 'f', 3)));
          answers_table_->setItem(row, 2, new QTableWidgetItem(ok ? tr("ok") : tr("✗")));
          answers_table_->setItem(row, 3, new QTableWidgetItem(QString::number(hits)));
          answers_table_->setItem(row, 4, new QTableWidgetItem(qs(a.parsed.value("answer", ""))));
        }
        try_status_->setText(tr("%1 answers in %2 s · mean reward %3 · format ok %4/%1")
                                 .arg(answers_.size())
                                 .arg(*seconds, 0, 'f', 1)
                                 .arg(answers_.empty() ? 0.0 : sum / static_cast<double>(answers_.size()), 0, 'f', 3)
                                 .arg(format_ok));
        answers_table_->resizeColumnsToContents();
        answers_table_->horizontalHeader()->setStretchLastSection(true);
        if (!answers_.empty()) answers_table_->selectRow(0);
        Q_EMIT tryFinished(true, {});
      });
  return true;
}

void TemplateDesigner::showAnswer(int i) {
  if (i < 0 || i >= answerCount()) return;
  const TemplateTryAnswer& a = answers_[static_cast<size_t>(i)];
  tokens_->setTokens(qs(try_prefill_), a.pieces, a.logprobs);
  bars_->setBreakdown(a.rewards, a.total);
}

bool TemplateDesigner::saveTemplate(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    showError(tr("%1: cannot write (%2)").arg(path, f.errorString()));
    return false;
  }
  f.write(editor_->toPlainText().toUtf8());
  return f.flush();
}

QString TemplateDesigner::useInRunForm(const QString& name) {
  if (project_.isEmpty()) return {};
  updatePreview();
  if (editor_->errorLine() > 0) {
    showError(tr("the template has an error at line %1; fix it first").arg(editor_->errorLine()));
    return {};
  }
  QDir dir(project_);
  if (!dir.mkpath("templates")) {
    showError(tr("%1/templates: cannot create").arg(project_));
    return {};
  }
  const QString path = dir.filePath("templates/" + name + ".jinja");
  if (!saveTemplate(path)) return {};
  if (form_) {
    form_->setField("recipe", recipe().toStdString());
    form_->setField("template.preset", preset().toStdString());
    form_->setField("template.file", path.toStdString());
    form_->setField("data.dataset", dataset_->currentText().toStdString());
  }
  showError({});
  preview_info_->setText(tr("saved as %1; the run form trains with it").arg(path));
  return path;
}

}  // namespace rf::gui
