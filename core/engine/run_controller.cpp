// A run on its own thread (see run_controller.h).
#include "engine/run_controller.h"

#include "util/error.h"

namespace rf {

const char* run_state_name(RunState s) {
  switch (s) {
    case RunState::idle: return "idle";
    case RunState::running: return "running";
    case RunState::paused: return "paused";
    case RunState::stopping: return "stopping";
    case RunState::finished: return "finished";
    case RunState::stopped: return "stopped";
    case RunState::failed: return "failed";
  }
  return "?";
}

RunController::~RunController() {
  if (worker_.joinable()) {
    stop();
    worker_.join();
  }
}

bool RunController::busy() const {
  const RunState s = state_.load();
  return s == RunState::running || s == RunState::paused || s == RunState::stopping;
}

void RunController::start(const std::string& project_dir, int64_t run, const RunHooks& hooks,
                          const RunExecuteOptions& options, std::function<void(const RunOutcome&)> on_done) {
  if (busy()) throw Error("run controller: a run is already going; stop it first");
  if (worker_.joinable()) worker_.join();
  control_ = std::make_unique<RunControl>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    outcome_ = RunOutcome{};
    outcome_.run = run;
  }
  state_ = RunState::running;
  RunControl* control = control_.get();
  worker_ = std::thread([this, project_dir, run, hooks, options, control, on_done = std::move(on_done)] {
    RunOutcome out;
    out.run = run;
    try {
      out = run_execute(project_dir, run, control, hooks, options);
    } catch (const std::exception& e) {
      out.status = "failed";
      out.message = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      outcome_ = out;
    }
    state_ = out.status == "finished" ? RunState::finished : out.status == "stopped" ? RunState::stopped : RunState::failed;
    if (on_done) on_done(out);
  });
}

void RunController::pause() {
  if (!control_ || state_.load() != RunState::running) return;
  control_->request_pause();
  state_ = RunState::paused;
}

void RunController::resume() {
  if (!control_ || state_.load() != RunState::paused) return;
  state_ = RunState::running;
  control_->request_resume();
}

void RunController::stop() {
  if (!control_ || !busy()) return;
  state_ = RunState::stopping;
  control_->request_stop();
}

void RunController::set_weight(const std::string& component, double weight) {
  if (control_) control_->set_weight(component, weight);
}
void RunController::set_temperature(double t) {
  if (control_) control_->set_temperature(t);
}
void RunController::set_learning_rate(double lr) {
  if (control_) control_->set_learning_rate(lr);
}

void RunController::wait() {
  if (worker_.joinable()) worker_.join();
}

RunOutcome RunController::outcome() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outcome_;
}

}  // namespace rf
