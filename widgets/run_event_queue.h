// The thin adapter between a run's worker thread and the GUI (DESIGN.md §2): the engine's hooks
// (engine/run_execute.h RunHooks, called on the worker thread) only append to a locked queue; a timer on
// the GUI thread drains it at most 30 times a second and emits one batch per drain on the GUI thread. A
// run that logs thousands of events a second therefore costs the GUI one signal per frame, never one per
// event, and the worker never waits for the GUI.
#pragma once

#include "engine/run_execute.h"

#include <QObject>
#include <QTimer>
#include <QVector>

#include <mutex>
#include <string>
#include <vector>

namespace rf::gui {

struct RunEvalEvent {
  int64_t run = 0;
  int64_t step = 0;
  std::string subject;  // "model" or a baseline's name
  RunMetrics metrics;
};

struct RunEventBatch {
  std::vector<RunProgress> steps;      // in the order the worker reported them
  std::vector<std::string> messages;
  std::vector<RunEvalEvent> evaluations;
  bool done = false;                   // the run ended (outcome below)
  RunOutcome outcome;
  bool empty() const { return steps.empty() && messages.empty() && evaluations.empty() && !done; }
};

class RunEventQueue : public QObject {
  Q_OBJECT

 public:
  explicit RunEventQueue(QObject* parent = nullptr, int interval_ms = 33);

  // Hooks for RunController::start / run_execute; they may be called from any thread.
  RunHooks hooks(int64_t run);
  // For RunController::start's on_done (any thread).
  void push_done(const RunOutcome& outcome);

  // Thread-safe appends (what the hooks do).
  void push_step(const RunProgress& p);
  void push_message(const std::string& line);
  void push_eval(RunEvalEvent e);

  // Drains now (GUI thread); returns the number of events delivered.
  size_t drain();
  size_t pending() const;

 Q_SIGNALS:
  void batchReady(const rf::gui::RunEventBatch& batch);

 private:
  mutable std::mutex mu_;
  RunEventBatch queued_;
  size_t queued_count_ = 0;
  QTimer timer_;
};

}  // namespace rf::gui

Q_DECLARE_METATYPE(rf::gui::RunEventBatch)
