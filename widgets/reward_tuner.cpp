// The reward tuner (see reward_tuner.h).
#include "reward_tuner.h"

#include "run_session.h"

#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QTableWidget>
#include <QUndoStack>
#include <QVBoxLayout>

#include <cmath>

namespace rf::gui {

namespace {

constexpr int kSliderSteps = 100;  // slider units per 1.0 of weight

// One drag of one slider: redo sends the new weight, undo the old one.
class WeightCommand : public QUndoCommand {
 public:
  WeightCommand(std::function<void(const QString&, double)> send, QString component, double before, double after)
      : send_(std::move(send)), component_(std::move(component)), before_(before), after_(after) {
    setText(QString("%1 %2 → %3").arg(component_).arg(before_).arg(after_));
  }
  void redo() override { send_(component_, after_); }
  void undo() override { send_(component_, before_); }

 private:
  std::function<void(const QString&, double)> send_;
  QString component_;
  double before_, after_;
};

QString number_text(double v) { return std::isfinite(v) ? QString::number(v, 'f', 3) : QString("–"); }

}  // namespace

RewardTuner::RewardTuner(RunSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  title_ = new QLabel(tr("Select a GRPO run in Runs"), this);
  last_steps_ = new QSpinBox(this);
  last_steps_->setRange(1, 10000);
  last_steps_->setValue(10);
  last_steps_->setToolTip(tr("The what-if re-scores the trajectories of this many last steps"));
  undo_ = new QUndoStack(this);
  undo_button_ = new QPushButton(tr("Undo last change"), this);
  undo_button_->setObjectName("tunerUndo");
  undo_button_->setEnabled(false);
  auto* top = new QHBoxLayout;
  top->addWidget(title_, 1);
  top->addWidget(new QLabel(tr("What-if over the last"), this));
  top->addWidget(last_steps_);
  top->addWidget(new QLabel(tr("steps"), this));
  top->addWidget(undo_button_);
  grid_box_ = new QWidget(this);
  grid_ = new QGridLayout(grid_box_);
  summary_ = new QLabel(this);
  summary_->setObjectName("tunerSummary");
  summary_->setWordWrap(true);
  table_ = new QTableWidget(0, 5, this);
  table_->setObjectName("tunerWhatIf");
  table_->setHorizontalHeaderLabels({tr("Component"), tr("Weight now"), tr("Weight tried"), tr("Pushed up now"), tr("Pushed up with tried")});
  table_->horizontalHeaderItem(3)->setToolTip(tr("Mean value of the component over completions with a positive advantage"));
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(grid_box_);
  layout->addWidget(summary_);
  layout->addWidget(table_, 1);

  connect(last_steps_, &QSpinBox::valueChanged, this, [this] { reloadTrajectories(); });
  connect(undo_button_, &QPushButton::clicked, undo_, &QUndoStack::undo);
  connect(undo_, &QUndoStack::canUndoChanged, undo_button_, &QPushButton::setEnabled);
  connect(session_, &RunSession::stateChanged, this, [this] { undo_button_->setEnabled(undo_->canUndo() && live()); });
}

void RewardTuner::setProject(const QString& project_dir) {
  project_ = project_dir;
  run_ = -1;
  setRun(0);
}

bool RewardTuner::live() const { return session_->busy() && session_->run() == run_ && run_ != 0; }

void RewardTuner::setRun(int64_t run) {
  if (run == run_) return;
  run_ = run;
  undo_->clear();
  nlohmann::json comps = nlohmann::json::array();
  QString name;
  if (run_ != 0 && !project_.isEmpty()) {
    try {
      SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
      if (const auto rec = run_store_run(db, run_)) {
        name = QString::fromStdString(rec->name);
        if (rec->kind == "grpo") {
          const auto& cfg = rec->config;
          if (cfg.contains("rewards") && cfg["rewards"].is_object()) comps = cfg["rewards"].value("components", comps);
          scale_rewards_ = cfg.value("grpo", nlohmann::json::object()).value("scale_rewards", std::string("group"));
          // The weights the run has now: its config, then every weight change it recorded.
          for (const EventRow& e : run_store_events(db, run_))
            if (e.kind == RunEventKind::weight_change && e.payload.contains("component"))
              for (auto& c : comps)
                if (c.value("name", "") == e.payload["component"].get<std::string>()) c["weight"] = e.payload.value("new", 0.0);
        }
      }
    } catch (const std::exception& e) {
      title_->setText(QString::fromStdString(e.what()));
    }
  }
  title_->setText(run_ == 0 ? tr("Select a GRPO run in Runs")
                            : comps.empty() ? tr("Run %1 is not a GRPO run: nothing to tune").arg(run_)
                                            : tr("Run %1 · %2").arg(run_).arg(name));
  rebuildRows(comps);
  reloadTrajectories();
}

void RewardTuner::rebuildRows(const nlohmann::json& components) {
  while (QLayoutItem* it = grid_->takeAt(0)) {
    delete it->widget();
    delete it;
  }
  comps_.clear();
  for (const auto& c : components) {
    Row r;
    r.name = QString::fromStdString(c.value("name", std::string("?")));
    r.applied = c.value("weight", 0.0);
    comps_.push_back(r);
  }
  int i = 0;
  for (Row& r : comps_) {
    const double top = std::max(5.0, std::ceil(std::abs(r.applied) * 2));
    r.slider = new QSlider(Qt::Horizontal, grid_box_);
    r.slider->setObjectName("weight_" + r.name);
    r.slider->setRange(0, static_cast<int>(top * kSliderSteps));
    r.slider->setValue(static_cast<int>(std::lround(r.applied * kSliderSteps)));
    r.spin = new QDoubleSpinBox(grid_box_);
    r.spin->setRange(0, top);
    r.spin->setDecimals(2);
    r.spin->setSingleStep(0.05);
    r.spin->setValue(r.applied);
    r.applied_label = new QLabel(tr("run: %1").arg(r.applied), grid_box_);
    grid_->addWidget(new QLabel(r.name, grid_box_), i, 0);
    grid_->addWidget(r.slider, i, 1);
    grid_->addWidget(r.spin, i, 2);
    grid_->addWidget(r.applied_label, i, 3);
    const QString name = r.name;
    connect(r.slider, &QSlider::valueChanged, this, [this, name](int v) {
      if (syncing_) return;
      setWeight(name, v / static_cast<double>(kSliderSteps));
    });
    connect(r.slider, &QSlider::sliderReleased, this, [this, name] { applyWeight(name, weight(name)); });
    connect(r.spin, &QDoubleSpinBox::valueChanged, this, [this, name](double v) {
      if (!syncing_) setWeight(name, v);
    });
    connect(r.spin, &QDoubleSpinBox::editingFinished, this, [this, name] { applyWeight(name, weight(name)); });
    ++i;
  }
}

RewardTuner::Row* RewardTuner::row(const QString& name) {
  for (Row& r : comps_)
    if (r.name == name) return &r;
  return nullptr;
}

QStringList RewardTuner::components() const {
  QStringList out;
  for (const Row& r : comps_) out << r.name;
  return out;
}

double RewardTuner::weight(const QString& component) const {
  for (const Row& r : comps_)
    if (r.name == component) return r.spin->value();
  return NAN;
}

void RewardTuner::setWeight(const QString& component, double w) {
  Row* r = row(component);
  if (!r) return;
  syncing_ = true;
  r->spin->setValue(w);
  r->slider->setValue(static_cast<int>(std::lround(w * kSliderSteps)));
  syncing_ = false;
  recompute();
}

bool RewardTuner::applyWeight(const QString& component, double w) {
  Row* r = row(component);
  if (!r) return false;
  setWeight(component, w);
  if (!live() || std::abs(r->applied - w) < 1e-12) return false;
  undo_->push(new WeightCommand([this](const QString& c, double v) { sendWeight(c, v); }, component, r->applied, w));
  return true;
}

void RewardTuner::sendWeight(const QString& component, double w) {
  Row* r = row(component);
  if (!r) return;
  if (live()) session_->setWeight(component, w);
  r->applied = w;
  r->applied_label->setText(tr("run: %1").arg(w));
  setWeight(component, w);
}

void RewardTuner::reloadTrajectories() {
  rows_.clear();
  if (run_ != 0 && !comps_.empty()) {
    try {
      SqliteDb db = run_store_open(run_store_path(project_.toStdString()), false);
      const std::vector<int64_t> steps = run_store_trajectory_steps(db, run_);
      const size_t n = std::min<size_t>(steps.size(), static_cast<size_t>(last_steps_->value()));
      for (size_t i = steps.size() - n; i < steps.size(); ++i) {
        auto step_rows = run_store_trajectories(db, run_, steps[i]);
        rows_.insert(rows_.end(), step_rows.begin(), step_rows.end());
      }
    } catch (const std::exception& e) {
      summary_->setText(QString::fromStdString(e.what()));
    }
  }
  recompute();
}

void RewardTuner::recompute() {
  std::map<std::string, double> weights;
  for (const Row& r : comps_) weights[r.name.toStdString()] = r.spin->value();
  try {
    whatif_ = reward_whatif(rows_, weights, scale_rewards_);
  } catch (const std::exception& e) {
    summary_->setText(QString::fromStdString(e.what()));
    return;
  }
  if (rows_.empty()) {
    summary_->setText(run_ == 0 ? QString() : tr("No stored trajectories yet: the what-if needs a GRPO step."));
  } else {
    summary_->setText(tr("%1 completions in %2 groups: mean reward %3 → %4; advantages move by %5 on average; "
                         "the best completion changes in %6 of %7 groups.")
                          .arg(rows_.size())
                          .arg(whatif_.groups)
                          .arg(number_text(whatif_.mean_old_total), number_text(whatif_.mean_new_total),
                               number_text(whatif_.mean_abs_advantage_change))
                          .arg(whatif_.groups_with_new_best)
                          .arg(whatif_.groups));
  }
  table_->setRowCount(static_cast<int>(whatif_.components.size()));
  for (size_t i = 0; i < whatif_.components.size(); ++i) {
    const WhatIfComponent& c = whatif_.components[i];
    const QStringList cells = {QString::fromStdString(c.name), number_text(c.old_weight), number_text(c.new_weight),
                               number_text(c.pushed_old), number_text(c.pushed_new)};
    for (int k = 0; k < cells.size(); ++k) table_->setItem(static_cast<int>(i), k, new QTableWidgetItem(cells[k]));
  }
}

}  // namespace rf::gui
