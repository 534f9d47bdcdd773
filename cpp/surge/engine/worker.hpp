// One worker thread: its io_context, its lanes, its share of the schedule, and its
// statistics. The coordinator talks to it only by posting handlers into its io_context, so
// nothing shared is written on the per-request path.
//
// The worker core knows neither protocols nor load models. The Protocol supplies the
// per-worker protocol state and the Lane type (engine/protocol.hpp); a LoadDriver decides what
// each free lane does next (open_arrivals.hpp, closed_users.hpp); NetworkDelay holds requests
// for an emulated link. Everything here is a template, instantiated once per protocol in that
// protocol's proto/<name>/run.cpp.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "surge/core/rng.hpp"
#include "surge/engine/closed_users.hpp"
#include "surge/engine/connection_stats.hpp"
#include "surge/engine/network_delay.hpp"
#include "surge/engine/open_arrivals.hpp"
#include "surge/engine/operation_mix.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/protocol.hpp"
#include "surge/engine/run_signal.hpp"
#include "surge/engine/stats_block.hpp"
#include "surge/engine/uring_loop.hpp"

namespace surge {

// Not constrained in its declaration: protocols name Worker<P> in their own class definitions,
// where P is not complete yet. The contract is checked where the worker is instantiated.
template <class P>
class Worker {
  static_assert(Protocol<P>, "P must meet the Protocol concept (engine/protocol.hpp)");

 public:
  using Spec = typename P::Spec;
  using Lane = typename P::Lane;
  using Shared = typename P::Shared;

  // `load` is the spec's load counted in lanes (LoadSpec::in_lanes); it outlives the worker.
  // `uring`: the lanes' sockets go through an io_uring that drives this worker's thread
  // (engine/uring_loop.hpp); else Asio's epoll reactor runs it.
  Worker(const Spec& spec, const LoadSpec& load, const Shared& shared, const RunClock& clock,
         RunSignal& signal, int index, int worker_count, bool uring = false);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Thread body: opens the first connections (a warm start), reports ready, and runs until the
  // coordinator calls end().
  void run();

  // Coordinator side; each posts into this worker's io_context.
  void begin();                              // the run clock is set: start the schedule at its t0
  std::future<StatsBlock*> swap_interval();  // hands back the block filled since the last swap
  void drain();                              // stop issuing; let in-flight requests finish
  // The load changed while the run goes: from `at` on, follow `curve` (engine/load_control.hpp).
  void change_load(std::shared_ptr<const RateCurve> curve, Nanos at);
  // Worker side: a lane found nothing more can be sent (a unique feeder ran out). Nothing new
  // is issued from now on, not even from the handler that called it; then drain() as above.
  void stop_issuing() {
    draining_ = true;
    drain();
  }
  void end();  // close everything; run() returns
  [[nodiscard]] bool done() const noexcept { return done_.load(std::memory_order_acquire); }
  [[nodiscard]] Nanos finished_at() const noexcept { return finished_at_; }
  [[nodiscard]] std::int64_t unfinished() const noexcept { return unfinished_; }
  // After run() has returned: why the worker stopped on an error of its own, or empty.
  [[nodiscard]] const std::string& failure() const noexcept { return failure_; }
  // After run() has returned: the block still being filled.
  [[nodiscard]] StatsBlock& active() noexcept { return *active_; }
  [[nodiscard]] std::int64_t active_users() const noexcept { return driver_->active_users(); }
  // After run() has returned: the connections this worker opened.
  [[nodiscard]] const ConnectionStats& connection_stats() const noexcept { return connections_; }
  // After run() has returned: how late the pacer sent the measured arrivals.
  [[nodiscard]] const HdrHistogram& pacer_lag() const noexcept { return pacer_lag_; }
  // After run() has returned: connections still opening when the schedule started.
  [[nodiscard]] std::int64_t not_ready_at_start() const noexcept { return not_ready_at_start_; }

  // Lane side (worker thread only).
  [[nodiscard]] boost::asio::io_context& context() noexcept { return context_; }
  // The io_uring the lanes' sockets use, or null on the epoll transport.
  [[nodiscard]] UringLoop* ring() noexcept { return ring_.get(); }
  // Runs `handler` after the current one, on this thread (a lane that must not recurse).
  template <class Handler>
  void post(Handler&& handler) {
    if (ring_) {
      ring_->defer(std::forward<Handler>(handler));
    } else {
      boost::asio::post(context_, std::forward<Handler>(handler));
    }
  }
  [[nodiscard]] P& protocol() noexcept { return protocol_; }
  [[nodiscard]] Rng& rng() noexcept { return rng_; }
  [[nodiscard]] Nanos connect_timeout() const noexcept { return spec_.connect_timeout; }
  [[nodiscard]] Nanos request_timeout() const noexcept { return spec_.request_timeout; }
  // Without pacing a closed-model user has no schedule to be late for: its lag is connect time.
  [[nodiscard]] Nanos late_after() const noexcept { return late_after_; }
  // Connection attempts and their set-up, timed by the lanes' connections.
  [[nodiscard]] ConnectionStats& connections() noexcept { return connections_; }
  // The open model's pacer sent an arrival intended at `intended` out at `now`.
  void pacer_dispatched(Nanos intended, Nanos now) noexcept {
    if (intended >= clock_.measure_start) pacer_lag_.record(now - intended);
  }
  // Statistics for a request intended at `intended`, or nullptr during warm-up.
  [[nodiscard]] OperationStats* stats(int op, Nanos intended) noexcept {
    return intended < clock_.measure_start ? nullptr : &active_->ops[static_cast<std::size_t>(op)];
  }
  // The lane has an outcome for its request and, when `available`, can take another. `now` is
  // the completion time the lane already read, so the next request needs no second clock read.
  void request_finished(Lane& lane, bool available, Nanos now) {
    --in_flight_;
    // A lane that is backing off comes back through lane_available(); a closed-model user
    // stays running meanwhile.
    if (available) {
      lane_available(lane, now);
    } else {
      maybe_finish();
    }
  }
  // A lane that was backing off (or a user that was thinking) can go on.
  void lane_available(Lane& lane, Nanos now) {
    if (!stopping_) driver_->lane_free(lane, now);
  }
  void lane_available(Lane& lane) { lane_available(lane, now_ns()); }
  void user_wakes(Lane& lane) { driver_->user_wakes(lane); }

  // Load-driver side (worker thread only).
  [[nodiscard]] const LoadSpec& load() const noexcept { return load_; }
  [[nodiscard]] const RunClock& clock() const noexcept { return clock_; }
  [[nodiscard]] int index() const noexcept { return index_; }
  [[nodiscard]] int worker_count() const noexcept { return worker_count_; }
  [[nodiscard]] std::uint64_t seed() const noexcept { return spec_.seed; }
  [[nodiscard]] std::vector<std::unique_ptr<Lane>>& lanes() noexcept { return lanes_; }
  // A warm start: starts connecting the first `count` lanes, a slice at a time, going back to
  // the event loop between slices, so that a stop (SIGTERM, Ctrl-C) is seen at once even while
  // 100,000 connections open; one loop over them all held it back for 6 s.
  void connect_lanes(std::size_t count) {
    preconnecting_ = true;
    connect_slice(0, std::min(count, lanes_.size()));
  }
  void reserve_lanes(std::size_t n) { lanes_.reserve(n); }
  Lane& add_lane() {
    return *lanes_.emplace_back(std::make_unique<Lane>(*this, static_cast<int>(lanes_.size())));
  }
  [[nodiscard]] bool draining() const noexcept { return draining_; }
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }
  [[nodiscard]] bool delayed(const Lane& lane) const noexcept { return delay_.holds(lane); }
  int pick_operation() noexcept { return mix_.pick(rng_); }
  // Takes one request of the -n quota; false when it is spent. Warm-up requests are free.
  bool take_quota(Nanos intended) noexcept {
    if (intended < clock_.measure_start) return true;
    if (remaining_ == 0) return false;
    if (remaining_ > 0) --remaining_;
    return true;
  }
  [[nodiscard]] bool quota_spent() const noexcept { return remaining_ == 0; }
  // `n` requests were scheduled (intended from `intended` on) and never sent: the generator
  // fell behind. Counted as dropped, shared between the operations by weight, within the quota.
  void count_unsent(std::int64_t n, Nanos intended);
  void send(Lane& lane, int op, Nanos intended) {
    ++in_flight_;
    if (delay_.enabled()) {
      delay_.hold(lane, op, intended, rng_);
    } else {
      lane.send(op, intended, 0);
    }
  }
  // The lane's next request of work already in flight (a journey's next step): through the
  // emulated network like the first, and not counted in flight once more.
  void send_next(Lane& lane, int op, Nanos intended) {
    if (delay_.enabled()) {
      delay_.hold(lane, op, intended, rng_);
    } else {
      lane.send(op, intended, 0);
    }
  }
  // Ends the worker once nothing is in flight or queued and nothing more will be issued.
  void maybe_finish();

 private:
  void check_warm();
  void connect_slice(std::size_t from, std::size_t to);
  std::int64_t count_opening();
  void start();
  void sweep();
  void shutdown();

  const Spec& spec_;
  const LoadSpec& load_;
  const RunClock& clock_;
  RunSignal& signal_;
  const int index_;
  const int worker_count_;
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  boost::asio::steady_timer sweeper_;  // the warm-up's checks, t0, then the deadline sweep
  Nanos sweep_period_;
  Nanos late_after_;
  Rng rng_;
  OperationMix mix_;  // which operation a request is: by weight
  // Before the protocol and the lanes, which own sockets on it: it outlives them.
  std::unique_ptr<UringLoop> ring_;
  P protocol_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::unique_ptr<LoadDriver<Lane>> driver_;
  NetworkDelay<Lane> delay_;
  std::int64_t remaining_ = -1;  // measured requests left; -1 = unlimited
  int in_flight_ = 0;
  bool draining_ = false;
  bool stopping_ = false;
  bool preconnecting_ = false;  // connect_lanes has slices still to start
  bool nothing_to_do_ = false;  // no quota or no lanes at t0
  bool finished_ = false;
  bool ready_ = false;  // reported ready to the coordinator
  bool begun_ = false;  // begin() has run: the clock is set
  std::int64_t unfinished_ = 0;
  std::int64_t not_ready_at_start_ = 0;
  ConnectionStats connections_;
  HdrHistogram pacer_lag_;
  std::string failure_;
  Nanos finished_at_ = 0;
  std::atomic<bool> done_{false};
  std::unique_ptr<StatsBlock> active_;
  std::unique_ptr<StatsBlock> spare_;
};

template <class P>
Worker<P>::Worker(const Spec& spec, const LoadSpec& load, const Shared& shared, const RunClock& clock,
                  RunSignal& signal, int index, int worker_count, bool uring)
    : spec_(spec),
      load_(load),
      clock_(clock),
      signal_(signal),
      index_(index),
      worker_count_(worker_count),
      guard_(context_.get_executor()),
      sweeper_(context_),
      sweep_period_(std::clamp<Nanos>(std::min(spec.connect_timeout, spec.request_timeout) / 8,
                                      kNanosPerMilli, 100 * kNanosPerMilli)),
      late_after_(load.model == LoadModel::open || load.think.is_pacing()
                      ? load.late_after
                      : std::numeric_limits<Nanos>::max()),
      rng_(spec.seed * 0x100000001B3ULL + static_cast<std::uint64_t>(index) + 1),
      mix_(spec.operations),
      ring_(uring ? std::make_unique<UringLoop>() : nullptr),
      // Across the threads of every share of a distributed run: share s owns the partitions
      // s*T .. s*T+T-1 (T: the threads asked for, which every share was given), so seq ranges
      // never meet even when a small share runs fewer threads.
      protocol_(spec, shared,
                spec.share_count > 1 ? spec.share_index * std::max(1, load.threads) + index : index,
                spec.share_count > 1 ? spec.share_count * std::max(1, load.threads) : worker_count),
      delay_(context_, spec.network_latency, spec.network_jitter),
      active_(std::make_unique<StatsBlock>(spec.operations.size())),
      spare_(std::make_unique<StatsBlock>(spec.operations.size())) {
  static_assert(surge::Lane<Lane, Worker>,
                "a protocol's Lane must meet the Lane concept (engine/protocol.hpp)");
  if (load.requests > 0) remaining_ = worker_share(load.requests, index, worker_count);
  if (load.model == LoadModel::open) {
    driver_ = std::make_unique<OpenArrivals<Worker>>(*this);
  } else {
    driver_ = std::make_unique<ClosedUsers<Worker>>(*this);
  }
  delay_.reserve(driver_->most_lanes());
}

template <class P>
void Worker<P>::run() {
  // A warm start opens the connections the first requests need and waits until they are up and
  // set up (or have failed) before reporting ready; the coordinator sets t0 once every worker
  // is ready. Nothing is sent before t0, so a run without warm-up measures its first requests,
  // and does not measure connection set-up in them. A cold start reports ready at once.
  try {
    // On this thread: a ring has a single issuer.
    if (ring_) ring_->open(context_);
    if (spec_.warm_start) {
      driver_->preconnect();
      check_warm();
    } else {
      ready_ = true;
      signal_.worker_ready();
    }
    if (ring_) {
      ring_->run(context_);
    } else {
      context_.run();
    }
  } catch (const std::exception& e) {
    // A handler threw (an allocation failed): this worker stops, the others and what it
    // measured are kept, and the run says why.
    failure_ = std::string("in worker thread ") + std::to_string(index_) + ": " + e.what();
    if (!ready_) {
      ready_ = true;
      signal_.worker_ready();
    }
    if (!finished_) {
      finished_ = true;
      finished_at_ = now_ns();
      done_.store(true, std::memory_order_release);
      signal_.worker_done();
    }
  }
}

template <class P>
void Worker<P>::connect_slice(std::size_t from, std::size_t to) {
  // A slice of connects takes a few milliseconds (a connect() each): short enough that a stop
  // waits for no more than one.
  constexpr std::size_t kSlice = 256;
  const std::size_t end = std::min(to, from + kSlice);
  for (std::size_t k = from; k < end && !stopping_; ++k) lanes_[k]->connect();
  if (end == to || stopping_) {
    preconnecting_ = false;
    return;
  }
  post([this, end, to] { connect_slice(end, to); });
}

template <class P>
std::int64_t Worker<P>::count_opening() {
  std::int64_t opening = 0;
  for (const auto& lane : lanes_) opening += lane->opening() ? 1 : 0;
  return opening;
}

// Polled: the connections report nothing to the worker by themselves, and a check every
// millisecond costs nothing next to opening them. Connect deadlines are enforced meanwhile.
template <class P>
void Worker<P>::check_warm() {
  if (stopping_ || begun_) return;
  const Nanos now = now_ns();
  for (auto& lane : lanes_) lane->check_deadline(now);
  if (!preconnecting_ && count_opening() == 0) {
    ready_ = true;
    signal_.worker_ready();
    return;
  }
  // Walking the lanes costs about 20 ns each: with very many, check less often.
  const Nanos period =
      std::clamp<Nanos>(static_cast<Nanos>(lanes_.size()) * 20, kNanosPerMilli, 20 * kNanosPerMilli);
  sweeper_.expires_after(std::chrono::nanoseconds(period));
  sweeper_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_warm();
  });
}

template <class P>
void Worker<P>::begin() {
  boost::asio::post(context_, [this] {
    if (stopping_) return;
    begun_ = true;
    // Ready or not: a connection still opening past the coordinator's wait is counted, and the
    // requests that need it wait for it (their latency says so).
    not_ready_at_start_ = ready_ ? 0 : count_opening();
    sweeper_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(clock_.t0)));
    sweeper_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) start();
    });
  });
  if (ring_) ring_->wake();
}

template <class P>
void Worker<P>::start() {
  sweep();
  // The drain can overtake t0's handler in a window of a millisecond or so.
  if (remaining_ == 0 || lanes_.empty() || draining_) {
    nothing_to_do_ = true;
    maybe_finish();
    return;
  }
  driver_->start();
}

template <class P>
void Worker<P>::count_unsent(std::int64_t n, Nanos intended) {
  if (remaining_ >= 0) {
    n = std::min(n, remaining_);
    remaining_ -= n;
  }
  if (n <= 0) return;
  mix_.share(n, [&](int op, std::int64_t count) {
    if (auto* s = stats(op, intended)) s->dropped += count;
  });
}

template <class P>
void Worker<P>::sweep() {
  if (stopping_) return;
  const Nanos now = now_ns();
  for (auto& lane : lanes_) lane->check_deadline(now);
  sweeper_.expires_after(std::chrono::nanoseconds(sweep_period_));
  sweeper_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) sweep();
  });
}

template <class P>
void Worker<P>::maybe_finish() {
  if (finished_ || in_flight_ > 0 || driver_->holding()) return;
  if (!(draining_ || nothing_to_do_ || driver_->schedule_over())) return;
  finished_ = true;
  finished_at_ = now_ns();
  driver_->stop();
  done_.store(true, std::memory_order_release);
  signal_.worker_done();
}

template <class P>
std::future<StatsBlock*> Worker<P>::swap_interval() {
  auto promise = std::make_shared<std::promise<StatsBlock*>>();
  auto future = promise->get_future();
  boost::asio::post(context_, [this, promise] {
    std::swap(active_, spare_);
    spare_->active_users = driver_->active_users();
    promise->set_value(spare_.get());
  });
  if (ring_) ring_->wake();
  return future;
}

template <class P>
void Worker<P>::change_load(std::shared_ptr<const RateCurve> curve, Nanos at) {
  boost::asio::post(context_, [this, curve = std::move(curve), at]() mutable {
    if (!stopping_ && !draining_) driver_->follow(std::move(curve), at);
  });
  if (ring_) ring_->wake();
}

template <class P>
void Worker<P>::drain() {
  boost::asio::post(context_, [this] {
    draining_ = true;
    driver_->drain();
    maybe_finish();
  });
  if (ring_) ring_->wake();
}

template <class P>
void Worker<P>::shutdown() {
  stopping_ = true;
  if (!draining_) driver_->abandon(now_ns());  // stopped early: what was due and never sent
  unfinished_ = in_flight_ + driver_->queued();
  // Without an outcome, each is counted in its operation: queued, held by the emulated
  // network, or out (the lanes count those as they shut down).
  driver_->count_queued_as_unfinished();
  delay_.for_each_held([this](int op, Nanos intended) {
    if (auto* s = stats(op, intended)) ++s->unfinished;
  });
  driver_->stop();
  sweeper_.cancel();
  delay_.cancel();
  if (ring_) ring_->begin_shutdown();
  for (auto& lane : lanes_) lane->shutdown();
  // Protocol-owned connections outside the load (PostgreSQL's LISTEN connections).
  if constexpr (requires { protocol_.shutdown(); }) protocol_.shutdown();
  if (!finished_) {
    finished_ = true;
    finished_at_ = now_ns();
    done_.store(true, std::memory_order_release);
    signal_.worker_done();
  }
  guard_.reset();
}

template <class P>
void Worker<P>::end() {
  boost::asio::post(context_, [this] { shutdown(); });
  if (ring_) ring_->wake();
}

}  // namespace surge
