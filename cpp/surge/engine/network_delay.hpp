// Emulated network delay on the client: a request waits `latency` plus a uniform 0..`jitter`
// before its lane sends it. The wait is part of the response time, not of the service time.
// A min-heap on the due time, one timer, and a flag per lane; sized once, never reallocated.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/rng.hpp"

namespace surge {

template <class Lane>
class NetworkDelay {
 public:
  NetworkDelay(boost::asio::io_context& context, Nanos latency, Nanos jitter)
      : timer_(context), latency_(latency), jitter_(jitter) {}

  [[nodiscard]] bool enabled() const noexcept { return latency_ > 0 || jitter_ > 0; }
  // Every lane is in the queue at most once.
  void reserve(std::size_t lanes) {
    if (!enabled()) return;
    queue_.reserve(lanes);
    holding_.assign(lanes, 0);
  }
  // Holds the lane's request for the emulated delay; then the lane sends it.
  void hold(Lane& lane, int op, Nanos intended, Rng& rng) {
    Nanos delay = latency_;
    if (jitter_ > 0) delay += rng.between(0, jitter_);
    queue_.push_back(Held{now_ns() + delay, delay, &lane, op, intended});
    std::push_heap(queue_.begin(), queue_.end(), std::greater<>{});
    holding_[static_cast<std::size_t>(lane.index())] = 1;
    arm();
  }
  [[nodiscard]] bool holds(const Lane& lane) const noexcept {
    const auto k = static_cast<std::size_t>(lane.index());
    return k < holding_.size() && holding_[k] != 0;
  }
  void cancel() {
    stopped_ = true;
    timer_.cancel();
  }
  // Calls f(op, intended) for every request still held (the run ended before it went out).
  template <class F>
  void for_each_held(F&& f) const {
    for (const Held& held : queue_) f(held.op, held.intended);
  }

 private:
  struct Held {
    Nanos due;
    Nanos delay;
    Lane* lane;
    int op;
    Nanos intended;
    bool operator>(const Held& other) const noexcept { return due > other.due; }
  };

  void arm() {
    if (queue_.empty()) return;
    const Nanos due = queue_.front().due;
    if (armed_due_ != 0 && armed_due_ <= due) return;  // an earlier wake-up is set
    armed_due_ = due;
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due)));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) return;
      armed_due_ = 0;
      release();
    });
  }
  void release() {
    const Nanos now = now_ns();
    while (!queue_.empty() && queue_.front().due <= now) {
      std::pop_heap(queue_.begin(), queue_.end(), std::greater<>{});
      const Held held = queue_.back();
      queue_.pop_back();
      holding_[static_cast<std::size_t>(held.lane->index())] = 0;
      held.lane->send(held.op, held.intended, held.delay);
    }
    arm();
  }

  boost::asio::steady_timer timer_;
  Nanos latency_;
  Nanos jitter_;
  std::vector<Held> queue_;
  std::vector<char> holding_;
  Nanos armed_due_ = 0;  // 0: not armed
  bool stopped_ = false;
};

}  // namespace surge
