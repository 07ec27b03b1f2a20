// The trajectory inspector (see trajectory_panel.h).
#include "trajectory_panel.h"

#include "completion_highlighter.h"
#include "data/dataset_store.h"
#include "engine/run_config.h"
#include "engine/run_setup.h"
#include "reward_bars.h"
#include "token_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextEdit>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <limits>
#include <set>

namespace rf::gui {

namespace {

QString signed_number(double v) { return (v >= 0 ? "+" : "") + QString::number(v, 'f', 3); }

}  // namespace

TrajectoryPanel::TrajectoryPanel(QWidget* parent) : QWidget(parent) {
  title_ = new QLabel(tr("Select a GRPO run in Runs"), this);
  step_ = new QComboBox(this);
  step_->setObjectName("trajectoryStep");
  format_failures_ = new QCheckBox(tr("Format failures"), this);
  zero_variance_ = new QCheckBox(tr("Zero-variance groups"), this);
  zero_variance_->setToolTip(tr("Groups whose completions all got the same reward: their advantages are 0"));
  top_ = new QComboBox(this);
  top_->addItem(tr("All"), 0);
  top_->addItem(tr("Top 5 reward"), 5);
  top_->addItem(tr("Bottom 5 reward"), -5);
  user_ = new QLineEdit(this);
  user_->setPlaceholderText(tr("user id"));
  user_->setMaximumWidth(110);
  search_ = new QLineEdit(this);
  search_->setPlaceholderText(tr("search text"));
  auto* bar = new QHBoxLayout;
  bar->addWidget(title_);
  bar->addWidget(new QLabel(tr("Step"), this));
  bar->addWidget(step_);
  for (QWidget* w : std::initializer_list<QWidget*>{format_failures_, zero_variance_, top_, user_, search_}) bar->addWidget(w);

  tree_ = new QTreeWidget(this);
  tree_->setObjectName("trajectoryTree");
  tree_->setHeaderLabels({tr("Group / completion"), tr("Reward"), tr("Advantage"), tr("Tokens")});
  tree_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  tree_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  tree_->header()->setStretchLastSection(false);
  text_ = new QTextEdit(this);
  text_->setObjectName("trajectoryText");
  text_->setReadOnly(true);
  text_b_ = new QTextEdit(this);
  text_b_->setReadOnly(true);
  text_b_->hide();
  highlight_ = new CompletionHighlighter(text_->document());
  highlight_b_ = new CompletionHighlighter(text_b_->document());
  items_ = new QTableWidget(0, 5, this);
  items_->setObjectName("trajectoryItems");
  items_->setHorizontalHeaderLabels({tr("Item"), tr("Title"), tr("Categories"), tr("Popularity"), tr("Hit")});
  items_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  items_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  bars_ = new RewardBars(this);
  advantage_ = new QLabel(this);

  tokens_ = new TokenView(this);
  tokens_->setToolTip(tr("Each generated token shaded by its probability when sampled: white likely, red unlikely"));
  views_ = new QTabWidget(this);
  views_->setObjectName("trajectoryViews");
  views_->addTab(text_, tr("Text"));
  views_->addTab(tokens_, tr("Tokens by log-prob"));
  auto* texts = new QSplitter(Qt::Horizontal, this);
  texts->addWidget(views_);
  texts->addWidget(text_b_);
  auto* detail = new QSplitter(Qt::Vertical, this);
  detail->addWidget(texts);
  detail->addWidget(items_);
  auto* reward_box = new QWidget(this);
  auto* rl = new QVBoxLayout(reward_box);
  rl->setContentsMargins(0, 0, 0, 0);
  rl->addWidget(bars_);
  rl->addWidget(advantage_);
  detail->addWidget(reward_box);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(tree_);
  split->addWidget(detail);
  split->setStretchFactor(1, 2);
  split->setSizes({440, 840});
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(split, 1);

  connect(step_, &QComboBox::currentIndexChanged, this, [this] { reloadRows(); });
  for (QCheckBox* c : {format_failures_, zero_variance_}) connect(c, &QCheckBox::toggled, this, [this] { rebuildTree(); });
  connect(top_, &QComboBox::currentIndexChanged, this, [this] { rebuildTree(); });
  connect(user_, &QLineEdit::textChanged, this, [this] { rebuildTree(); });
  connect(search_, &QLineEdit::textChanged, this, [this] { rebuildTree(); });
  connect(tree_, &QTreeWidget::itemSelectionChanged, this, [this] {
    std::vector<size_t> picked;
    for (QTreeWidgetItem* it : tree_->selectedItems())
      if (it->data(0, Qt::UserRole).isValid()) picked.push_back(it->data(0, Qt::UserRole).toULongLong());
    if (picked.size() >= 2) compare(picked[0], picked[1]);
    else if (picked.size() == 1) showTrajectory(picked[0]);
  });
  timer_ = new QTimer(this);
  timer_->setInterval(2000);
  connect(timer_, &QTimer::timeout, this, &TrajectoryPanel::refresh);
  timer_->start();
}

TrajectoryPanel::~TrajectoryPanel() = default;

void TrajectoryPanel::setProject(const QString& project_dir) {
  project_ = project_dir;
  ds_.reset();
  ds_key_.clear();
  run_ = -1;  // so that setRun(0) clears
  setRun(0);
}

void TrajectoryPanel::setRun(int64_t run) {
  if (run == run_ && run != 0) return;
  run_ = run;
  steps_.clear();
  rows_.clear();
  dataset_name_.clear();
  model_dir_.clear();
  if (run_ != 0 && !project_.isEmpty()) {
    try {
      SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
      if (const auto rec = run_store_run(db, run_)) {
        dataset_name_ = rec->config.value("data", nlohmann::json::object()).value("dataset", "");
        model_dir_ = run_model_source_dir(project_.toStdString(), run_config_from_json(rec->config, "run config"));
      }
    } catch (const std::exception&) {
      // No store yet, or a config this build cannot read: the token view stays empty.
    }
  }
  reloadSteps();
}

void TrajectoryPanel::refresh() {
  if (run_ != 0 && isVisible()) reloadSteps();  // a live run's new steps
}

void TrajectoryPanel::reloadSteps() {
  std::vector<int64_t> steps;
  std::string name;
  if (run_ != 0 && !project_.isEmpty()) {
    try {
      SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
      steps = run_store_trajectory_steps(db, run_);
      if (const auto rec = run_store_run(db, run_)) name = rec->name;
    } catch (const std::exception& e) {
      title_->setText(QString::fromStdString(e.what()));
      return;
    }
  }
  if (steps == steps_ && step_->count() == static_cast<int>(steps.size())) return;
  const int64_t keep = step();
  const bool was_last = step_->currentIndex() == step_->count() - 1;
  steps_ = steps;
  title_->setText(run_ == 0 ? tr("Select a GRPO run in Runs")
                            : steps_.empty() ? tr("Run %1 has no trajectories (SFT runs have none)").arg(run_)
                                             : tr("Run %1 · %2").arg(run_).arg(QString::fromStdString(name)));
  QSignalBlocker block(step_);
  step_->clear();
  for (int64_t s : steps_) step_->addItem(QString::number(s), static_cast<qlonglong>(s));
  // Stay on the step being read, or follow a live run to its newest step.
  int index = static_cast<int>(steps_.size()) - 1;
  for (size_t i = 0; i < steps_.size(); ++i)
    if (steps_[i] == keep && !was_last) index = static_cast<int>(i);
  step_->setCurrentIndex(index);
  reloadRows();
}

int64_t TrajectoryPanel::step() const { return step_->currentIndex() >= 0 ? step_->currentData().toLongLong() : -1; }

bool TrajectoryPanel::setStep(int64_t s) {
  const int i = step_->findData(static_cast<qlonglong>(s));
  if (i < 0) return false;
  step_->setCurrentIndex(i);
  reloadRows();
  return true;
}

void TrajectoryPanel::setFilter(const TrajectoryFilter& f) {
  QSignalBlocker b1(format_failures_), b2(zero_variance_), b3(top_), b4(user_), b5(search_);
  format_failures_->setChecked(f.format_failures);
  zero_variance_->setChecked(f.zero_variance);
  const int ti = top_->findData(f.top);
  if (ti >= 0) top_->setCurrentIndex(ti);
  else {
    top_->addItem(f.top > 0 ? tr("Top %1 reward").arg(f.top) : tr("Bottom %1 reward").arg(-f.top), f.top);
    top_->setCurrentIndex(top_->count() - 1);
  }
  const Dataset* ds = dataset();
  user_->setText(f.user < 0 ? QString() : ds && f.user < ds->user_count() ? QString::fromStdString(ds->users[static_cast<size_t>(f.user)].id)
                                                                           : QString::number(f.user));
  search_->setText(QString::fromStdString(f.search));
  rebuildTree();
}

TrajectoryFilter TrajectoryPanel::filter() const {
  TrajectoryFilter f;
  f.format_failures = format_failures_->isChecked();
  f.zero_variance = zero_variance_->isChecked();
  f.top = top_->currentData().toInt();
  f.search = search_->text().toStdString();
  const QString u = user_->text().trimmed();
  if (!u.isEmpty()) {
    const Dataset* ds = const_cast<TrajectoryPanel*>(this)->dataset();
    const int32_t found = ds ? ds->user_find(u.toStdString()) : -1;
    bool numeric = false;
    const int64_t index = u.toLongLong(&numeric);
    f.user = found >= 0 ? found : numeric ? index : std::numeric_limits<int64_t>::max();  // unknown: matches none
  }
  return f;
}

const Dataset* TrajectoryPanel::dataset() {
  if (project_.isEmpty() || run_ == 0) return nullptr;
  const std::string& name = dataset_name_;
  const std::string key = project_.toStdString() + "\n" + name;
  if (key == ds_key_) return ds_.get();
  ds_key_ = key;
  ds_.reset();
  try {
    ds_ = std::make_unique<Dataset>(dataset_open(project_.toStdString(), name, ImportOptions{}));
    dataset_update_popularity(*ds_);
  } catch (const std::exception&) {
    ds_.reset();  // ids only
  }
  return ds_.get();
}

void TrajectoryPanel::reloadRows() {
  rows_.clear();
  const int64_t s = step();
  if (run_ != 0 && s >= 0) {
    try {
      SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
      rows_ = run_store_trajectories(db, run_, s);
    } catch (const std::exception& e) {
      title_->setText(QString::fromStdString(e.what()));
    }
  }
  rebuildTree();
}

void TrajectoryPanel::rebuildTree() {
  listed_ = trajectory_filter_apply(rows_, filter());
  const auto stats = trajectory_group_stats(rows_);
  const Dataset* ds = dataset();
  QSignalBlocker block(tree_);
  tree_->clear();
  std::map<int64_t, QTreeWidgetItem*> groups;
  const bool flat = filter().top != 0;  // a ranking across groups reads better as one list
  for (size_t i : listed_) {
    const TrajectoryRow& r = rows_[i];
    QTreeWidgetItem* parent = nullptr;
    if (!flat) {
      auto& g = groups[r.group_id];
      if (!g) {
        const TrajectoryGroupStats& st = stats.at(r.group_id);
        const QString user = ds && r.user >= 0 && r.user < ds->user_count() ? QString::fromStdString(ds->users[static_cast<size_t>(r.user)].id)
                                                                            : QString::number(r.user);
        g = new QTreeWidgetItem(tree_, {tr("group %1 · user %2%3").arg(r.group_id).arg(user, st.zero_variance() ? tr(" · zero variance") : QString()),
                                        QString("%1 ± %2").arg(st.mean, 0, 'f', 3).arg(st.std, 0, 'f', 3)});
        g->setExpanded(true);
      }
      parent = g;
    }
    QStringList cols = {tr("#%1%2%3").arg(r.index).arg(flat ? tr(" (group %1)").arg(r.group_id) : QString(),
                                                         trajectory_format_failed(r) ? tr(" · format ✗") : QString()),
                        QString::number(r.total, 'f', 3), signed_number(r.advantage), QString::number(r.tokens)};
    auto* item = parent ? new QTreeWidgetItem(parent, cols) : new QTreeWidgetItem(tree_, cols);
    item->setData(0, Qt::UserRole, static_cast<qulonglong>(i));
  }
  if (!listed_.empty()) showTrajectory(listed_.front());
}

void TrajectoryPanel::showTrajectory(size_t i) {
  if (i >= rows_.size()) return;
  text_b_->hide();
  const TrajectoryRow& r = rows_[i];
  const Dataset* ds = dataset();
  shown_items_.clear();
  shown_hits_.clear();
  std::set<std::string> targets;
  if (r.parsed.contains("targets"))
    for (const auto& t : r.parsed["targets"]) targets.insert(t.get<std::string>());
  if (r.parsed.contains("items"))
    for (const auto& it : r.parsed["items"]) {
      const QString id = QString::fromStdString(it.get<std::string>());
      shown_items_ << id;
      if (targets.count(it.get<std::string>())) shown_hits_ << id;
    }
  QStringList all_targets;
  for (const auto& t : targets) all_targets << QString::fromStdString(t);
  highlight_->setHits(all_targets);
  text_->setPlainText(QString::fromStdString(r.completion));
  showTokens(r);

  items_->setRowCount(static_cast<int>(shown_items_.size()));
  for (int k = 0; k < shown_items_.size(); ++k) {
    const std::string id = shown_items_[k].toStdString();
    const int32_t idx = ds ? ds->item_find(id) : -1;
    const Item* item = idx >= 0 ? &ds->items[static_cast<size_t>(idx)] : nullptr;
    QStringList cats;
    if (item)
      for (const auto& c : item->categories) cats << QString::fromStdString(c);
    const QStringList cells = {shown_items_[k], item ? QString::fromStdString(item->title) : tr("(not in the catalogue)"), cats.join(", "),
                               item ? QString::number(item->popularity) : QString(), targets.count(id) ? tr("✓ hit") : QString()};
    for (int c = 0; c < cells.size(); ++c) items_->setItem(k, c, new QTableWidgetItem(cells[c]));
  }
  bars_->setBreakdown(r.rewards, r.total);
  QString problems;
  if (r.parsed.contains("problems") && !r.parsed["problems"].empty()) {
    QStringList ps;
    for (const auto& p : r.parsed["problems"]) ps << QString::fromStdString(p.get<std::string>());
    problems = tr(" · problems: %1").arg(ps.join("; "));
  }
  advantage_->setText(tr("advantage %1 · %2 tokens · %3 of %4 answer items hit%5")
                          .arg(signed_number(r.advantage))
                          .arg(r.tokens)
                          .arg(shown_hits_.size())
                          .arg(shown_items_.size())
                          .arg(problems));
}

void TrajectoryPanel::showTokens(const TrajectoryRow& r) {
  const bool have = !r.token_ids.empty();
  if (have && tokenizer_dir_ != model_dir_ && !model_dir_.empty()) {
    tokenizer_.reset();
    tokenizer_dir_ = model_dir_;
    try {
      tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::load(model_dir_));
    } catch (const std::exception&) {
      // The run's model folder is gone: no token texts.
    }
  }
  if (!have || !tokenizer_) {
    tokens_->setTokens(have ? tr("(the run's tokenizer in %1 cannot be loaded)").arg(QString::fromStdString(model_dir_))
                            : tr("(this trajectory was stored without per-token log-probs)"),
                       {}, {});
    views_->setTabToolTip(1, have ? tr("the run's tokenizer is not available") : tr("not recorded for this run"));
    return;
  }
  std::vector<std::string> pieces;
  pieces.reserve(r.token_ids.size());
  for (int32_t id : r.token_ids) pieces.push_back(tokenizer_->decode({id}, false));
  // The completion starts with the preset's prefill, which was not generated: shown unshaded.
  const std::string generated = tokenizer_->decode(r.token_ids, true);
  std::string prefix;
  if (r.completion.size() >= generated.size() && r.completion.compare(r.completion.size() - generated.size(), generated.size(), generated) == 0)
    prefix = r.completion.substr(0, r.completion.size() - generated.size());
  tokens_->setTokens(QString::fromStdString(prefix), pieces, r.token_logprobs);
  views_->setTabToolTip(1, tr("%1 tokens; hover one for its probability").arg(r.token_ids.size()));
}

void TrajectoryPanel::compare(size_t i, size_t j) {
  if (i >= rows_.size() || j >= rows_.size()) return;
  showTrajectory(i);
  const TrajectoryRow& b = rows_[j];
  QStringList targets;
  if (b.parsed.contains("targets"))
    for (const auto& t : b.parsed["targets"]) targets << QString::fromStdString(t.get<std::string>());
  highlight_b_->setHits(targets);
  text_b_->setPlainText(QString::fromStdString(b.completion));
  text_b_->show();
}

QString TrajectoryPanel::shownText() const { return text_->toPlainText(); }
QStringList TrajectoryPanel::shownItems() const { return shown_items_; }
QStringList TrajectoryPanel::shownHits() const { return shown_hits_; }

}  // namespace rf::gui
