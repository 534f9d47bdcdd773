// What every pipelined connection (Redis, PostgreSQL) does the same way, whatever its wire
// protocol: the requests in flight in order, one generation per connection attempt (handlers
// of an older attempt do nothing), the connect and request deadlines, failing every lane it
// carried when the connection is lost, and the back-off after a refusal.
//
// CRTP: the protocol's connection derives from it and supplies
//   void start_connect();                      // a new attempt; calls begin_attempt() first
//   void drop_connection(std::vector<Lane*>&); // close the socket, forget wire state; adds lanes
//                                              // it held outside the ring (a PostgreSQL batch)
#pragma once

#include <boost/asio/post.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/fixed_ring.hpp"
#include "surge/engine/lane_backoff.hpp"
#include "surge/engine/operation_stats.hpp"

namespace surge {

template <class Derived, class Worker, class Entry>
class PipelinedConnection {
 public:
  using Lane = typename Worker::Lane;

  // Opens ahead of the first request; a refused connect backs the lanes off.
  void connect() {
    if (state_ == State::closed && !stopped_ && !backoff_.waiting()) derived().start_connect();
  }

  // The sweep: gives up on a connect past the connect timeout, or on the connection when its
  // oldest request that went out has passed the request timeout. The failure is posted: the
  // sweep that found it walks every lane, and failing lanes start new requests.
  void check_deadline(Nanos now) {
    if (stopped_) return;
    if (state_ == State::connecting && now >= connect_deadline_) {
      fail_later(ErrorClass::connect_timeout, "connect timed out", true);
      return;
    }
    if (state_ != State::ready) return;
    // The set-up is part of opening the connection: it has the connect timeout.
    if (setup_left_ > 0 && now >= setup_started_ + worker_.connect_timeout()) {
      fail_later(ErrorClass::connect_timeout, "connection set-up not answered within the connect timeout",
                 true);
      return;
    }
    for (std::size_t i = 0; i + unsent_ < ring_.size(); ++i) {
      const Lane* lane = ring_[i].lane;
      if (lane == nullptr) continue;  // the set-up left in the same write as the oldest lane
      if (now >= lane->sent() + worker_.request_timeout())
        fail_later(ErrorClass::request_timeout, "no reply within the request timeout", false);
      return;
    }
  }

  // Being opened, or its set-up not yet answered: the warm-up waits for it.
  [[nodiscard]] bool opening() const noexcept { return state_ == State::connecting || setup_left_ > 0; }

  void shutdown() {
    stopped_ = true;
    backoff_.cancel();
    ++generation_;
    failing_.clear();
    derived().drop_connection(failing_);
  }

 protected:
  enum class State { closed, connecting, ready };

  PipelinedConnection(Worker& worker, int capacity)
      : worker_(worker),
        backoff_(worker.context(), static_cast<std::size_t>(capacity)),
        ring_(static_cast<std::size_t>(capacity) + 4) {
    failing_.reserve(static_cast<std::size_t>(capacity));
  }

  // A new connection attempt: handlers of the old one now do nothing. After an earlier
  // connection, it is a reconnect, counted for the first request waiting for it.
  void begin_attempt() {
    state_ = State::connecting;
    ++generation_;
    attempt_started_ = now_ns();
    connect_deadline_ = attempt_started_ + worker_.connect_timeout();
    if (!connected_before_) return;
    for (std::size_t i = 0; i < ring_.size(); ++i) {
      if (ring_[i].lane == nullptr) continue;
      if (auto* stats = ring_[i].lane->stats()) ++stats->reconnects;
      break;
    }
  }

  // The connection is up and its set-up sent; `setup_replies` replies to it are to come.
  void now_ready(int setup_replies) {
    state_ = State::ready;
    connected_before_ = true;
    const Nanos now = now_ns();
    auto& stats = worker_.connections();
    ++stats.opened;
    stats.connect.record(now - attempt_started_);
    setup_left_ = setup_replies;
    setup_started_ = now;
  }

  // One reply to the set-up came in, and it was not an error.
  void setup_answered() {
    if (setup_left_ == 0 || --setup_left_ > 0) return;
    worker_.connections().handshake.record(now_ns() - setup_started_);
  }

  // Queues a lane whose request waits for the connection; starts connecting if nothing is.
  void queue_until_connected(const Entry& entry) {
    ring_.push_back(entry);
    ++unsent_;
    if (state_ == State::closed && !backoff_.waiting()) derived().start_connect();
  }

  // Fails every lane in flight; with back_off the lanes wait out a growing pause first (a server
  // that refuses, or rejects the set-up, gets a bounded retry rate, not a busy loop). Without,
  // the lanes may send again at once: the next request reconnects, as a real client would.
  void fail_all(ErrorClass error, std::string_view example, bool back_off) {
    const std::string copy(example);  // the protocol's message dies with the connection
    if (opening()) ++worker_.connections().failed;
    setup_left_ = 0;
    state_ = State::closed;
    ++generation_;
    unsent_ = 0;
    failing_.clear();
    derived().drop_connection(failing_);
    while (!ring_.empty()) {
      const Entry e = ring_.pop_front();
      if (e.lane != nullptr) failing_.push_back(e.lane);
    }
    if (!back_off) {
      for (Lane* lane : failing_) lane->fail(error, copy, true);
      return;
    }
    backoff_.start(failing_, [this] {
      if (!stopped_ && state_ == State::closed && !ring_.empty())
        derived().start_connect();  // queued meanwhile
    });
    for (Lane* lane : failing_) lane->fail(error, copy, false);
  }

  void fail_later(ErrorClass error, const char* example, bool back_off) {
    worker_.post([this, error, example, back_off, generation = generation_] {
      if (generation == generation_ && !stopped_) fail_all(error, example, back_off);
    });
  }

  // The server answered a request: the next failure starts the back-off afresh.
  void answered() noexcept { backoff_.succeeded(); }

  [[nodiscard]] bool current(std::uint64_t generation) const noexcept {
    return generation == generation_ && !stopped_;
  }

  Worker& worker_;
  LaneBackoff<Lane> backoff_;
  FixedRing<Entry> ring_;         // in flight, oldest first
  std::size_t unsent_ = 0;        // entries at the tail whose requests have not gone out yet
  std::uint64_t generation_ = 0;  // one per connection attempt: stale handlers compare it
  State state_ = State::closed;
  bool stopped_ = false;

 private:
  Derived& derived() noexcept { return static_cast<Derived&>(*this); }

  std::vector<Lane*> failing_;
  Nanos connect_deadline_ = 0;
  Nanos attempt_started_ = 0;
  Nanos setup_started_ = 0;
  int setup_left_ = 0;  // replies to the set-up still to come
  bool connected_before_ = false;
};

}  // namespace surge
