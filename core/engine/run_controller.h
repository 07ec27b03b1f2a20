// A run on its own thread (DESIGN.md §9): the object the GUI (or any long-lived owner) holds while a run
// trains. start() launches run_execute on a worker thread; pause(), resume(), stop() and the live changes
// go through the run's RunControl mailbox and take effect at the next step boundary; the hooks are called
// on the worker thread (a Qt owner forwards them with queued signals). The worker knows nothing of its
// owner beyond the hooks, and the destructor stops the run (checkpoint first) and joins.
#pragma once

#include "engine/run_control.h"
#include "engine/run_execute.h"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace rf {

enum class RunState { idle, running, paused, stopping, finished, stopped, failed };
const char* run_state_name(RunState s);

class RunController {
 public:
  RunController() = default;
  ~RunController();
  RunController(const RunController&) = delete;
  RunController& operator=(const RunController&) = delete;

  // Starts (or, with options.resume, resumes) run `run` of the project. Throws rf::Error when a run is
  // already going. `on_done` (optional) is called on the worker thread with the outcome as its last act.
  void start(const std::string& project_dir, int64_t run, const RunHooks& hooks, const RunExecuteOptions& options,
             std::function<void(const RunOutcome&)> on_done = {});

  void pause();   // at the next step boundary; the model stays in memory
  void resume();
  void stop();    // a checkpoint is written first
  void set_weight(const std::string& component, double weight);
  void set_temperature(double t);
  void set_learning_rate(double lr);

  RunState state() const { return state_.load(); }
  bool busy() const;             // started and not yet ended
  void wait();                   // until the worker ends (joins it)
  RunOutcome outcome() const;    // valid once the worker ended; error text in .message for a setup failure

 private:
  std::thread worker_;
  std::unique_ptr<RunControl> control_;
  std::atomic<RunState> state_{RunState::idle};
  mutable std::mutex mu_;
  RunOutcome outcome_;
};

}  // namespace rf
