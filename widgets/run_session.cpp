// The in-process run's session (see run_session.h).
#include "run_session.h"

#include <cmath>

namespace rf::gui {

RunSession::RunSession(QObject* parent) : QObject(parent) {
  queue_ = new RunEventQueue(this);
  connect(queue_, &RunEventQueue::batchReady, this, &RunSession::onBatch);
}

RunSession::~RunSession() {
  if (controller_ && controller_->busy()) {
    controller_->stop();
    controller_->wait();
  }
}

bool RunSession::start(const QString& project, int64_t run, const RunExecuteOptions& options) {
  if (busy()) {
    Q_EMIT failed(tr("run %1 is still going; stop it first").arg(run_));
    return false;
  }
  if (controller_) controller_->wait();
  controller_ = std::make_unique<RunController>();
  run_ = run;
  try {
    controller_->start(project.toStdString(), run, queue_->hooks(run), options,
                       [q = queue_](const RunOutcome& o) { q->push_done(o); });
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromStdString(e.what()));
    return false;
  }
  last_state_ = RunState::running;
  Q_EMIT started(run);
  Q_EMIT stateChanged(run, "running");
  return true;
}

void RunSession::pause() {
  if (!busy()) return;
  controller_->pause();
  announceState();
}
void RunSession::resume() {
  if (!busy()) return;
  controller_->resume();
  announceState();
}
void RunSession::stop() {
  if (!busy()) return;
  controller_->stop();
  announceState();
}

void RunSession::announceState() {
  const RunState s = state();
  if (s == last_state_) return;
  last_state_ = s;
  Q_EMIT stateChanged(run_, run_state_name(s));
}
void RunSession::setWeight(const QString& component, double weight) {
  if (busy()) controller_->set_weight(component.toStdString(), weight);
}
void RunSession::setTemperature(double t) {
  if (busy()) controller_->set_temperature(t);
}
void RunSession::setLearningRate(double lr) {
  if (busy()) controller_->set_learning_rate(lr);
}

void RunSession::onBatch(const RunEventBatch& b) {
  for (const std::string& m : b.messages) Q_EMIT message(run_, QString::fromStdString(m));
  if (!b.steps.empty()) {
    const RunProgress& p = b.steps.back();
    Q_EMIT progress(p.run ? p.run : run_, p.step, p.total_steps, p.eta_s, p.reward, p.loss);
  }
  if (!b.done) announceState();
  if (b.done) {
    last_state_ = RunState::idle;
    Q_EMIT stateChanged(run_, QString::fromStdString(b.outcome.status.empty() ? "failed" : b.outcome.status));
    Q_EMIT finished(run_, QString::fromStdString(b.outcome.status), QString::fromStdString(b.outcome.message));
  }
}

}  // namespace rf::gui
