// The runs table and its steering buttons (see runs_panel.h).
#include "runs_panel.h"

#include "run_session.h"
#include "store/run_store.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <set>

namespace rf::gui {

namespace {

enum Column { kId, kName, kTrainer, kRecipe, kStatus, kSteps, kUpdated, kColumns };

}  // namespace

RunsPanel::RunsPanel(RunSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  table_ = new QTableWidget(0, kColumns, this);
  table_->setObjectName("runsTable");
  table_->setHorizontalHeaderLabels({tr("Run"), tr("Name"), tr("Trainer"), tr("Recipe"), tr("Status"), tr("Steps"), tr("Updated")});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setSectionResizeMode(kName, QHeaderView::Stretch);
  pause_ = new QPushButton(tr("Pause"), this);
  pause_->setObjectName("runPause");
  pause_->setToolTip(tr("Pause at the next step boundary; the model stays in memory"));
  resume_ = new QPushButton(tr("Resume"), this);
  resume_->setObjectName("runResume");
  stop_ = new QPushButton(tr("Stop"), this);
  stop_->setObjectName("runStop");
  stop_->setToolTip(tr("Stop at the next step boundary, after writing a checkpoint"));
  continue_ = new QPushButton(tr("Continue from checkpoint"), this);
  continue_->setObjectName("runContinue");
  continue_->setToolTip(tr("Continue a stopped, failed or killed run from its last checkpoint (recforge-cli resume)"));
  fork_ = new QPushButton(tr("New run from its weights"), this);
  fork_->setObjectName("runFork");
  fork_->setToolTip(tr("Fill the form with this run's config, starting from its last checkpoint's weights (a fresh run)"));
  status_ = new QLabel(this);
  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {pause_, resume_, stop_, continue_, fork_}) buttons->addWidget(b);
  buttons->addStretch();
  buttons->addWidget(status_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(table_, 1);
  layout->addLayout(buttons);

  connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
    if (filling_) return;
    updateButtons();
    Q_EMIT selectionChanged(selectedRuns());
  });
  connect(pause_, &QPushButton::clicked, session_, &RunSession::pause);
  connect(resume_, &QPushButton::clicked, session_, &RunSession::resume);
  connect(stop_, &QPushButton::clicked, session_, &RunSession::stop);
  connect(continue_, &QPushButton::clicked, this, &RunsPanel::resumeSelected);
  connect(fork_, &QPushButton::clicked, this, [this] {
    const std::vector<int64_t> sel = selectedRuns();
    if (sel.size() == 1) Q_EMIT newRunFromWeights(sel[0]);
  });
  connect(session_, &RunSession::stateChanged, this, [this](qint64 run, const QString& state) {
    status_->setText(tr("run %1: %2").arg(run).arg(state));
    refresh();
  });
  connect(session_, &RunSession::failed, this, [this](const QString& why) { status_->setText(why); });
  timer_ = new QTimer(this);
  timer_->setInterval(1000);
  connect(timer_, &QTimer::timeout, this, &RunsPanel::refresh);
  timer_->start();
  updateButtons();
}

void RunsPanel::setProject(const QString& project_dir) {
  project_ = project_dir;
  table_->setRowCount(0);
  refresh();
}

int RunsPanel::rowCount() const { return table_->rowCount(); }

std::vector<int64_t> RunsPanel::selectedRuns() const {
  std::set<int> rows;
  for (const QModelIndex& i : table_->selectionModel()->selectedRows()) rows.insert(i.row());
  std::vector<int64_t> out;
  for (int r : rows) out.push_back(table_->item(r, kId)->data(Qt::UserRole).toLongLong());
  return out;
}

std::vector<int64_t> RunsPanel::allRuns() const {
  std::vector<int64_t> out;
  for (int r = 0; r < table_->rowCount(); ++r) out.push_back(table_->item(r, kId)->data(Qt::UserRole).toLongLong());
  return out;
}

void RunsPanel::applySelection(const std::vector<int64_t>& runs) {
  const std::set<int64_t> want(runs.begin(), runs.end());
  table_->clearSelection();
  for (int r = 0; r < table_->rowCount(); ++r)
    if (want.count(table_->item(r, kId)->data(Qt::UserRole).toLongLong()))
      table_->selectionModel()->select(table_->model()->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

void RunsPanel::selectRuns(const std::vector<int64_t>& runs) {
  filling_ = true;
  applySelection(runs);
  filling_ = false;
  updateButtons();
  Q_EMIT selectionChanged(selectedRuns());
}

void RunsPanel::refresh() {
  if (project_.isEmpty()) return;
  const std::string path = run_store_path(project_.toStdString());
  if (!QFileInfo::exists(QString::fromStdString(path))) return;
  std::vector<RunRecord> runs;
  std::vector<int64_t> steps;
  try {
    SqliteDb db = run_store_open(path, false);
    runs = run_store_runs(db);
    for (const RunRecord& r : runs) steps.push_back(run_store_last_step(db, r.id));
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
    return;
  }
  const std::vector<int64_t> selected = selectedRuns();
  filling_ = true;
  table_->setRowCount(static_cast<int>(runs.size()));
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& r = runs[i];
    const int row = static_cast<int>(i);
    auto set = [&](int col, const QString& text) {
      QTableWidgetItem* item = table_->item(row, col);
      if (!item) table_->setItem(row, col, item = new QTableWidgetItem);
      if (item->text() != text) item->setText(text);
      return item;
    };
    set(kId, QString::number(r.id))->setData(Qt::UserRole, static_cast<qlonglong>(r.id));
    set(kName, QString::fromStdString(r.name));
    set(kTrainer, QString::fromStdString(r.kind));
    set(kRecipe, QString::fromStdString(r.config.value("recipe", std::string())));
    set(kStatus, QString::fromStdString(r.status));
    set(kSteps, steps[i] < 0 ? QString("–") : QString::number(steps[i]));
    set(kUpdated, QDateTime::fromMSecsSinceEpoch(r.updated_ms).toString("yyyy-MM-dd hh:mm:ss"));
  }
  // Keep the selection on the same runs across refreshes (rows move when runs are added).
  applySelection(selected);
  filling_ = false;
  updateButtons();
}

void RunsPanel::updateButtons() {
  const std::vector<int64_t> sel = selectedRuns();
  const bool mine = session_->busy() && sel.size() == 1 && sel[0] == session_->run();
  const RunState s = session_->state();
  pause_->setEnabled(mine && s == RunState::running);
  resume_->setEnabled(mine && s == RunState::paused);
  stop_->setEnabled(mine && (s == RunState::running || s == RunState::paused));
  bool resumable = false;
  if (sel.size() == 1 && !session_->busy())
    for (int r = 0; r < table_->rowCount(); ++r)
      if (table_->item(r, kId)->data(Qt::UserRole).toLongLong() == sel[0]) {
        const QString st = table_->item(r, kStatus)->text();
        // A killed process leaves its run "running", indistinguishable here from a live recforge-cli:
        // only stopped and failed runs are offered (recforge-cli resume continues a killed one).
        resumable = st == "stopped" || st == "failed";
      }
  continue_->setEnabled(resumable);
  fork_->setEnabled(sel.size() == 1);
}

void RunsPanel::resumeSelected() {
  const std::vector<int64_t> sel = selectedRuns();
  if (sel.size() != 1) return;
  RunExecuteOptions o;
  o.resume = true;
  session_->start(project_, sel[0], o);
}

}  // namespace rf::gui
