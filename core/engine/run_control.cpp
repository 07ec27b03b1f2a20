// The run's steering mailbox (see run_control.h).
#include "engine/run_control.h"

#include <chrono>

namespace rf {

void RunControl::request_pause() { pause_ = true; }

void RunControl::request_resume() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pause_ = false;
  }
  cv_.notify_all();
}

void RunControl::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

void RunControl::set_weight(const std::string& component, double weight) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.weights[component] = weight;
}

void RunControl::set_temperature(double t) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.temperature = t;
}

void RunControl::set_learning_rate(double lr) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.learning_rate = lr;
}

RunControlChanges RunControl::take() {
  std::lock_guard<std::mutex> lock(mu_);
  RunControlChanges out = std::move(pending_);
  pending_ = {};
  return out;
}

bool RunControl::wait_while_paused() {
  std::unique_lock<std::mutex> lock(mu_);
  while (pause_.load() && !stop_.load()) cv_.wait_for(lock, std::chrono::milliseconds(200));
  return stop_.load();
}

}  // namespace rf
