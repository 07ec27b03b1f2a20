// The mailbox between a running run and whoever steers it (the CLI's signal handler, the controller's
// owner, the GUI): pause, resume, stop and live changes of reward weights, sampling temperature and learning
// rate. Requests may come from any thread at any time; the training loop takes them at a step boundary
// (run_control_take), so a change always applies from the next step on, never in the middle of one.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace rf {

// What the loop takes at a step boundary.
struct RunControlChanges {
  std::map<std::string, double> weights;  // reward component -> new weight
  std::optional<double> temperature;
  std::optional<double> learning_rate;
};

class RunControl {
 public:
  void request_pause();
  void request_resume();
  void request_stop();
  // Async-signal-safe (a SIGINT handler): only sets the flag; a paused run wakes at its next poll.
  void request_stop_from_signal() { stop_ = true; }
  void set_weight(const std::string& component, double weight);
  void set_temperature(double t);
  void set_learning_rate(double lr);

  bool stop_requested() const { return stop_.load(); }
  bool pause_requested() const { return pause_.load(); }
  // The changes queued since the last call (and forgets them).
  RunControlChanges take();
  // Blocks while paused; returns when resumed or stopped (true: stopped).
  bool wait_while_paused();

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> pause_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  RunControlChanges pending_;
};

}  // namespace rf
