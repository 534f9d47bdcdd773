// Steering a run while it goes: another thread (a Python handle, the web UI) asks for a new
// rate in the open model or a new user count in the closed one, or for the run to stop. The
// coordinator takes what was asked at its next wake-up, which the request brings forward, and
// hands every worker a curve that is the old one up to the change and the new value after it
// (RateCurve::spliced), so what was already scheduled stays where it was.
#pragma once

#include <cmath>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace surge {

struct LoadChange {
  enum class Kind { rate, users };
  Kind kind = Kind::rate;
  double value = 0;       // requests/s, or users
  double spawn_rate = 0;  // users: added or removed per second; 0 = at once
};

// A change as the run took it, for the results: seconds from the start of the measured window
// (negative in the warm-up), and the value before and after.
struct AppliedLoadChange {
  double at_s = 0;
  std::string kind;  // "rate" or "users"
  double from = 0;
  double to = 0;
  double spawn_rate = 0;
};

class LoadControl {
 public:
  // Any thread. Throws std::invalid_argument for a value that is not a finite number >= 0.
  void request(LoadChange change) {
    if (!std::isfinite(change.value) || change.value < 0 || !std::isfinite(change.spawn_rate) ||
        change.spawn_rate < 0)
      throw std::invalid_argument("a load change needs finite numbers >= 0");
    std::function<void()> wake;
    {
      const std::lock_guard lock(mutex_);
      pending_.push_back(change);
      wake = wake_;
    }
    if (wake) wake();
  }
  // Any thread: the run ends as on Ctrl-C, keeping what was measured.
  void stop() {
    std::function<void()> wake;
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
      wake = wake_;
    }
    if (wake) wake();
  }
  [[nodiscard]] bool stop_requested() const {
    const std::lock_guard lock(mutex_);
    return stop_;
  }

  // Coordinator side: what was asked since the last call, oldest first.
  std::vector<LoadChange> take() {
    const std::lock_guard lock(mutex_);
    return std::exchange(pending_, {});
  }
  // Coordinator side: how a request wakes it; an empty function detaches it.
  void on_request(std::function<void()> wake) {
    const std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<LoadChange> pending_;
  std::function<void()> wake_;
  bool stop_ = false;
};

}  // namespace surge
