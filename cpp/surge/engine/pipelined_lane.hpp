// One lane of a pipelined connection (Redis, PostgreSQL): at most one request in flight, as an
// HTTP connection is to the worker. It keeps the request's intended start, its send time and
// its operation; the protocol's Connection carries the bytes and hands the lane its outcome.
// With pipeline depth P, lanes 0..P-1 ride the first connection of a worker, P..2P-1 the next.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <string_view>

#include "surge/core/clock.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/worker.hpp"

namespace surge {

template <class P>
class PipelinedLane {
 public:
  using Connection = typename P::Connection;

  PipelinedLane(Worker<P>& worker, int index)
      : worker_(worker),
        index_(index),
        connection_(worker.protocol().connection_for(index, worker)),
        checks_connection_(index % worker.protocol().pipeline() == 0),
        wait_timer_(worker.context()) {}

  // The worker's side (the Lane concept).
  void connect() { connection_.connect(); }
  void send(int op, Nanos intended, Nanos delayed) {
    busy_ = true;
    op_ = op;
    intended_ = intended;
    delayed_ = delayed;
    connection_.enqueue(*this);
  }
  void think_until(Nanos when) {
    wait_timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(when)));
    wait_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && !stopped_) worker_.user_wakes(*this);
    });
  }
  void cancel_wait() { wait_timer_.cancel(); }
  void disconnect() noexcept {}  // the connection is shared; it stays open for the other lanes
  void check_deadline(Nanos now) {
    if (checks_connection_) connection_.check_deadline(now);
  }
  void shutdown() {
    if (busy_ && !stopped_) {
      if (auto* stats = worker_.stats(op_, intended_)) ++stats->unfinished;
    }
    stopped_ = true;
    wait_timer_.cancel();
    if (checks_connection_) connection_.shutdown();
  }
  [[nodiscard]] bool busy() const noexcept { return busy_; }
  // One lane per connection answers for it, so the warm-up counts connections.
  [[nodiscard]] bool opening() const noexcept { return checks_connection_ && connection_.opening(); }
  [[nodiscard]] int index() const noexcept { return index_; }

  // The connection's side.
  [[nodiscard]] int op() const noexcept { return op_; }
  [[nodiscard]] Nanos sent() const noexcept { return sent_; }
  void mark_sent(Nanos at) noexcept { sent_ = at; }
  // Statistics of the request in flight, or nullptr during warm-up.
  [[nodiscard]] OperationStats* stats() noexcept { return worker_.stats(op_, intended_); }
  // The reply is in: timings are recorded, then `classify(stats)` adds what the protocol reads
  // from the reply (an error, a hit or a miss). Measured requests only.
  template <class Classify>
  void complete(Nanos done, Classify&& classify) {
    busy_ = false;
    if (auto* stats = worker_.stats(op_, intended_)) {
      stats->record_timed(intended_, sent_, done, worker_.late_after(), delayed_);
      classify(*stats);
    }
    worker_.request_finished(*this, true, done);
  }
  // `available`: the lane may take another request now; otherwise the connection gives it back
  // after its back-off.
  void fail(ErrorClass error, std::string_view example, bool available) {
    busy_ = false;
    const Nanos now = now_ns();
    if (auto* stats = worker_.stats(op_, intended_)) stats->record_failure(error, example, now - intended_);
    worker_.request_finished(*this, available, now);
  }
  void back_from_backoff() {
    if (!stopped_) worker_.lane_available(*this);
  }

 private:
  Worker<P>& worker_;
  int index_;
  Connection& connection_;
  bool checks_connection_;  // one lane per connection runs its deadline check
  boost::asio::steady_timer wait_timer_;
  bool busy_ = false;
  bool stopped_ = false;
  int op_ = 0;
  Nanos intended_ = 0;
  Nanos sent_ = 0;
  Nanos delayed_ = 0;
};

}  // namespace surge
