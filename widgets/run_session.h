// The GUI's handle on the run training in this process: a RunController (engine/run_controller.h, the run
// on its own thread) and a RunEventQueue (its hooks, delivered to the GUI thread in batches). The session
// turns the batches into plain signals (progress, messages, the end) and forwards the user's pause /
// resume / stop and live changes to the controller; it knows nothing of widgets.
#pragma once

#include "engine/run_controller.h"
#include "run_event_queue.h"

#include <QObject>
#include <QString>

#include <memory>

namespace rf::gui {

class RunSession : public QObject {
  Q_OBJECT

 public:
  explicit RunSession(QObject* parent = nullptr);
  ~RunSession() override;  // stops a running run (checkpoint first) and waits for it

  // Starts (or with options.resume, resumes) a run of the project; false (and failed()) when one is going.
  bool start(const QString& project, int64_t run, const RunExecuteOptions& options);
  bool busy() const { return controller_ && controller_->busy(); }
  int64_t run() const { return run_; }
  RunState state() const { return controller_ ? controller_->state() : RunState::idle; }
  RunController* controller() const { return controller_.get(); }
  RunEventQueue* queue() const { return queue_; }

 public Q_SLOTS:
  void pause();
  void resume();
  void stop();
  void setWeight(const QString& component, double weight);
  void setTemperature(double t);
  void setLearningRate(double lr);

 Q_SIGNALS:
  void started(qint64 run);
  // The latest step of a batch: step, of total, seconds left at the mean step time.
  void progress(qint64 run, qint64 step, qint64 total, double eta_s, double reward, double loss);
  void message(qint64 run, const QString& line);
  void stateChanged(qint64 run, const QString& state);
  void finished(qint64 run, const QString& status, const QString& message);
  void failed(const QString& why);

 private:
  void onBatch(const RunEventBatch& b);
  void announceState();  // stateChanged when the controller's state moved since the last announcement
  std::unique_ptr<RunController> controller_;
  RunEventQueue* queue_ = nullptr;
  int64_t run_ = 0;
  RunState last_state_ = RunState::idle;
};

}  // namespace rf::gui
