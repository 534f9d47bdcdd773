// The pause a pipelined connection takes after the server refused it or rejected its set-up
// (AUTH, SELECT, prepares): the lanes it carried wait out the Backoff pause, then come back to
// the load model.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <vector>

#include "surge/engine/backoff.hpp"

namespace surge {

template <class Lane>
class LaneBackoff {
 public:
  LaneBackoff(boost::asio::io_context& context, std::size_t lanes) : timer_(context) {
    waiting_lanes_.reserve(lanes);
    returning_.reserve(lanes);
  }

  // `lanes` wait out the next pause; then each gets back_from_backoff(), and `after()` runs
  // (to reconnect for what was queued meanwhile).
  template <class After>
  void start(const std::vector<Lane*>& lanes, After after) {
    waiting_ = true;
    waiting_lanes_.insert(waiting_lanes_.end(), lanes.begin(), lanes.end());
    timer_.expires_after(std::chrono::nanoseconds(pause_.next()));
    timer_.async_wait([this, after](const boost::system::error_code& ec) {
      if (ec) return;
      waiting_ = false;
      returning_.clear();
      returning_.swap(waiting_lanes_);
      for (Lane* lane : returning_) lane->back_from_backoff();
      after();
    });
  }
  void succeeded() noexcept { pause_.succeeded(); }
  [[nodiscard]] bool waiting() const noexcept { return waiting_; }
  void cancel() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
  std::vector<Lane*> waiting_lanes_;
  std::vector<Lane*> returning_;
  Backoff pause_;
  bool waiting_ = false;
};

}  // namespace surge
