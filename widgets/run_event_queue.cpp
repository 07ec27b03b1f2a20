// The worker -> GUI event queue (see run_event_queue.h).
#include "run_event_queue.h"

namespace rf::gui {

RunEventQueue::RunEventQueue(QObject* parent, int interval_ms) : QObject(parent) {
  qRegisterMetaType<rf::gui::RunEventBatch>();
  timer_.setInterval(interval_ms);
  connect(&timer_, &QTimer::timeout, this, [this] { drain(); });
  timer_.start();
}

RunHooks RunEventQueue::hooks(int64_t run) {
  RunHooks h;
  h.on_step = [this](const RunProgress& p) { push_step(p); };
  h.on_message = [this](const std::string& line) { push_message(line); };
  h.on_eval = [this, run](int64_t step, const std::string& subject, const RunMetrics& m) {
    push_eval({run, step, subject, m});
  };
  return h;
}

void RunEventQueue::push_step(const RunProgress& p) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_.steps.push_back(p);
  ++queued_count_;
}

void RunEventQueue::push_message(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_.messages.push_back(line);
  ++queued_count_;
}

void RunEventQueue::push_eval(RunEvalEvent e) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_.evaluations.push_back(std::move(e));
  ++queued_count_;
}

void RunEventQueue::push_done(const RunOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_.done = true;
  queued_.outcome = outcome;
  ++queued_count_;
}

size_t RunEventQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_count_;
}

size_t RunEventQueue::drain() {
  RunEventBatch batch;
  size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queued_.empty()) return 0;
    std::swap(batch, queued_);
    n = queued_count_;
    queued_count_ = 0;
  }
  Q_EMIT batchReady(batch);
  return n;
}

}  // namespace rf::gui
