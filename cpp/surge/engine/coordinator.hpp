// The coordinator of a run, for any Protocol: starts the workers, closes an interval every tick
// by swapping their statistics blocks, calls back once per interval, and ends the run on time,
// on completion, or when asked to stop.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "surge/core/address_space.hpp"
#include "surge/core/hdr_codec.hpp"
#include "surge/core/thread_busy.hpp"
#include "surge/core/thread_name.hpp"
#include "surge/engine/run_protocol.hpp"
#include "surge/engine/run_result.hpp"
#include "surge/engine/worker.hpp"

namespace surge {

// Whether an operation's row adds to the request totals: one the load sends (weight > 0; a
// NOTIFY listener's notifications are not requests), or a journey's step (weight 0, but sent).
// A journey's transaction row is not one more request.
template <class Operation>
bool in_totals(const Operation& op) noexcept {
  if constexpr (requires {
                  op.step_of;
                  op.journey;
                }) {
    return op.journey < 0 && (op.weight > 0 || op.step_of >= 0);
  } else {
    return op.weight > 0;
  }
}

template <Protocol P>
class Coordinator {
 public:
  using Spec = typename P::Spec;

  Coordinator(const Spec& spec, const typename P::Shared& shared, const ProgressCallback& progress,
              const InterruptCheck& interrupted, LoadControl* control)
      : spec_(spec),
        per_connection_(P::lanes_per_connection(spec)),
        load_(spec.load.in_lanes(per_connection_)),
        interval_(std::max(load_.interval, kNanosPerMilli)),
        shared_(shared),
        progress_(progress),
        interrupted_(interrupted),
        control_(control),
        live_curve_(
            std::make_shared<const RateCurve>(load_.model == LoadModel::open ? load_.rate : load_.users)),
        uring_(use_uring(spec.io, has_uring_transport<P>())) {
    result_.io = uring_ ? "uring" : "epoll";
    const auto n = spec.operations.size();
    result_.operations.resize(n);
    cumulative_.resize(n);
    for (const auto& op : spec.operations) result_.operation_names.push_back(op.name);
    result_.interval_s = static_cast<double>(interval_) / 1e9;
  }

  RunResult run() {
    const int pool = load_.model == LoadModel::open ? load_.pool_limit() : load_.peak_users();
    const int threads = std::max(1, std::min(load_.threads, pool));
    const Nanos started = now_ns();
    for (int i = 0; i < threads; ++i)
      workers_.push_back(
          std::make_unique<Worker<P>>(spec_, load_, shared_, clock_, signal_, i, threads, uring_));
    // Whatever goes wrong once the load is running (a thread that cannot start, an allocation
    // that fails while an interval is merged, a callback that throws) ends the run cleanly and
    // keeps what was measured; the result says why it stopped.
    // Each worker thread's busy share (core/thread_busy.hpp), written as it ends.
    std::vector<double> busy(workers_.size(), -1.0);
    const ControlAttached attached(control_, signal_, control_woke_);
    try {
      check_room_for(workers_.size());
      const WorkerThreads running(workers_, busy);
      try {
        if (warm_up(started)) {
          for (auto& w : workers_) w->begin();
          supervise();
        }
      } catch (const std::exception& e) {
        stop_on_failure(std::string("while an interval was handled: ") + e.what());
      }
    } catch (const std::exception& e) {  // the threads could not all be started
      set_clock(now_ns());
      stop_on_failure(std::string("starting ") + std::to_string(threads) +
                      " worker threads (fewer threads, or a higher process limit, may do): " + e.what());
    }
    for (const auto& w : workers_) {
      if (result_.failure.empty() && !w->failure().empty()) result_.failure = w->failure();
      result_.connections.add(w->connection_stats());
      result_.pacer_lag.add(w->pacer_lag());
      result_.warm_up.not_ready += w->not_ready_at_start();
      // What a protocol counts beside the operations (a Redis Cluster's per-node figures).
      if constexpr (requires(const P& p, RunResult& r) { p.add_to(r); }) w->protocol().add_to(result_);
    }
    // The busiest thread's: one starved thread is enough to skew what it measured.
    for (const double share : busy) result_.busy_share = std::max(result_.busy_share, share);
    finish();
    return std::move(result_);
  }

 private:
  void set_clock(Nanos t0) {
    clock_.t0 = t0;
    clock_.measure_start = clock_.t0 + load_.warmup;
    clock_.measure_end = load_.duration > 0 ? clock_.measure_start + load_.duration : INT64_MAX;
    result_.measure_start_ns = clock_.measure_start;
  }

  // Waits until every worker has its first connections up and set up (a warm start), or at
  // once (a cold start), then sets the run clock. The wait is bounded: connects time out on
  // their own, and a set-up the server never answers does not hold the run past twice the
  // connect timeout. Returns false when the run was stopped meanwhile (Ctrl-C).
  bool warm_up(Nanos started) {
    const auto n = static_cast<int>(workers_.size());
    const Nanos give_up = started + 2 * std::max<Nanos>(spec_.connect_timeout, kNanosPerMilli);
    while (true) {
      const Nanos now = now_ns();
      {
        std::unique_lock lock(signal_.mutex);
        signal_.cv.wait_for(
            lock, std::chrono::nanoseconds(std::clamp<Nanos>(give_up - now, 0, 100 * kNanosPerMilli)),
            [&] { return signal_.workers_ready == n; });
        if (signal_.workers_ready == n) break;
      }
      if (interrupted_by_caller()) {
        set_clock(now_ns());
        result_.interrupted = true;
        stopped_at_ = clock_.measure_start;
        return false;
      }
      if (now_ns() >= give_up) break;
    }
    result_.warm_up.warm = spec_.warm_start;
    // A short lead lets every worker receive begin() before the first intended start.
    const Nanos t0 = now_ns() + kNanosPerMilli + Nanos{n} * 100 * kNanosPerMicro;
    result_.warm_up.seconds = static_cast<double>(t0 - started) / 1e9;
    set_clock(t0);
    return true;
  }

  // The worker threads of a run: started with it, and ended and joined however the
  // supervision ends, a callback that throws included.
  class WorkerThreads {
   public:
    // `busy`: one slot per worker, for its thread's busy share once it ends.
    WorkerThreads(std::vector<std::unique_ptr<Worker<P>>>& workers, std::vector<double>& busy)
        : workers_(workers) {
      threads_.reserve(workers.size());
      try {
        for (std::size_t i = 0; i < workers.size(); ++i)
          threads_.emplace_back([&w = workers[i], &share = busy[i]] {
            name_this_thread(kEngineThreadName);
            const ThreadBusyMeter meter;
            w->run();
            share = meter.share();
          });
      } catch (...) {
        stop_and_join();  // the ones already running; a destructor would not run now
        throw;
      }
    }
    WorkerThreads(const WorkerThreads&) = delete;
    WorkerThreads& operator=(const WorkerThreads&) = delete;
    ~WorkerThreads() { stop_and_join(); }

    void stop_and_join() noexcept {
      for (auto& w : workers_) w->end();
      for (auto& t : threads_)
        if (t.joinable()) t.join();
    }

   private:
    std::vector<std::unique_ptr<Worker<P>>>& workers_;
    std::vector<std::thread> threads_;
  };

  // Wakes the coordinator's wait when a load change or a stop is asked for, for as long as
  // the run goes.
  class ControlAttached {
   public:
    ControlAttached(LoadControl* control, RunSignal& signal, bool& woke) : control_(control) {
      if (control_ == nullptr) return;
      control_->on_request([&signal, &woke] {
        {
          const std::lock_guard lock(signal.mutex);
          woke = true;
        }
        signal.cv.notify_all();
      });
    }
    ControlAttached(const ControlAttached&) = delete;
    ControlAttached& operator=(const ControlAttached&) = delete;
    ~ControlAttached() {
      if (control_ != nullptr) control_->on_request({});
    }

   private:
    LoadControl* control_;
  };

  // Ctrl-C, or the caller's LoadControl::stop().
  bool interrupted_by_caller() {
    if (control_ != nullptr && control_->stop_requested()) {
      result_.stopped = true;
      return true;
    }
    return interrupted_ && interrupted_();
  }

  // The load changes asked for since the last wake-up, each spliced into the live curve a
  // little ahead of now, so that every worker has the new curve before the first arrival (or
  // user) it moves. A change of the other model's kind is not this run's and is skipped (the
  // Python side refuses it first, in one line).
  void take_load_changes() {
    if (control_ == nullptr) return;
    const bool open = load_.model == LoadModel::open;
    const double lanes = open ? 1.0 : static_cast<double>(per_connection_);
    for (const LoadChange& change : control_->take()) {
      if ((change.kind == LoadChange::Kind::rate) != open) continue;
      const Nanos at = now_ns() + kLoadChangeLead;
      const double at_s = static_cast<double>(at - clock_.t0) / 1e9;
      const double from = open ? live_curve_->value_at(at_s) : std::floor(live_curve_->value_at(at_s) + 1e-9);
      // Never more users than the run holds lanes for (LoadSpec::most_users).
      const double to =
          open ? change.value : std::min(change.value * lanes, static_cast<double>(load_.peak_users()));
      std::vector<CurveSegment> after;
      if (!open && change.spawn_rate > 0 && to != from)
        after.push_back(CurveSegment{
            .duration_s = std::abs(to - from) / (change.spawn_rate * lanes), .from = from, .to = to});
      after.push_back(CurveSegment{.from = to, .to = to});
      live_curve_ = std::make_shared<const RateCurve>(live_curve_->spliced(at_s, std::move(after)));
      for (auto& w : workers_) w->change_load(live_curve_, at);
      result_.load_changes.push_back(AppliedLoadChange{
          .at_s = static_cast<double>(at - clock_.measure_start) / 1e9,
          .kind = open ? "rate" : "users",
          .from = from / lanes,
          .to = to / lanes,
          .spawn_rate = open ? 0.0 : change.spawn_rate,
      });
    }
  }

  // Throws, before any worker thread starts, when an address-space limit cannot hold their
  // stacks (core/address_space.hpp): one that started short of room could end the process.
  static void check_room_for(std::size_t threads) {
    const auto left = address_space_left();
    if (!left) return;
    const std::size_t need = threads * address_space_per_thread();
    if (need > *left)
      throw std::runtime_error("the address-space limit (ulimit -v) leaves " + std::to_string(*left >> 20) +
                               " MiB, and their stacks take " + std::to_string(need >> 20) + " MiB");
  }

  void stop_on_failure(std::string what) {
    result_.failure = std::move(what);
    result_.interrupted = true;
    stopped_at_ = now_ns();
  }

  bool all_done() {
    const std::lock_guard lock(signal_.mutex);
    return signal_.workers_done == static_cast<int>(workers_.size());
  }

  void supervise() {
    // Workers never record warm-up requests, so the first interval simply starts at measure_start.
    Nanos next_tick = clock_.measure_start + interval_;
    Nanos drain_deadline = INT64_MAX;
    bool draining = false;
    while (true) {
      const Nanos now = now_ns();
      const Nanos wake =
          std::min({next_tick, now + 100 * kNanosPerMilli, draining ? drain_deadline : clock_.measure_end});
      {
        std::unique_lock lock(signal_.mutex);
        signal_.cv.wait_for(lock, std::chrono::nanoseconds(std::max<Nanos>(wake - now, 0)), [&] {
          return signal_.workers_done == static_cast<int>(workers_.size()) || control_woke_;
        });
        control_woke_ = false;
      }
      if (interrupted_by_caller()) {
        result_.interrupted = true;
        stopped_at_ = now_ns();
        return;
      }
      if (!draining) take_load_changes();
      if (all_done()) return;
      const Nanos t = now_ns();
      if (t >= next_tick && next_tick >= clock_.measure_end) {
        // The interval that ends the window closes in finish(), after the drain, so requests
        // intended inside it that complete late still count in it.
        next_tick = INT64_MAX;
      } else if (t >= next_tick) {
        if (!close_interval(next_tick)) {
          progress_declined_ = true;
          result_.interrupted = true;
          stopped_at_ = t;
          return;
        }
        next_tick += interval_;
      }
      if (!draining && t >= clock_.measure_end) {
        draining = true;
        drain_deadline = clock_.measure_end + spec_.drain;
        for (auto& w : workers_) w->drain();
      }
      if (draining && t >= drain_deadline) return;
    }
  }

  // Swaps every worker's block, merges the interval, reports it.
  bool close_interval(Nanos tick) {
    std::vector<std::future<StatsBlock*>> futures;
    for (auto& w : workers_) futures.push_back(w->swap_interval());
    StatsBlock interval(spec_.operations.size());
    for (auto& f : futures) {
      StatsBlock* block = f.get();
      for (std::size_t i = 0; i < block->ops.size(); ++i) interval.ops[i].add(block->ops[i]);
      interval.active_users += block->active_users;
      block->reset_all();
    }
    const double start_s = static_cast<double>(tick - clock_.measure_start - interval_) / 1e9;
    return absorb(interval, start_s, interval_, true);
  }

  [[nodiscard]] IntervalRow make_row(const OperationStats& op, double start_s, double length_s,
                                     std::optional<int> index) const {
    IntervalRow row;
    row.t_s = start_s;
    row.length_s = length_s;
    row.operation = index;
    row.count = op.count;
    row.errors = op.error_total();
    row.error_classes = op.errors;
    row.dropped = op.dropped;
    row.late = op.late;
    row.hits = op.hits;
    row.misses = op.misses;
    row.p50_ns = op.response.value_at_percentile(50);
    row.p90_ns = op.response.value_at_percentile(90);
    row.p95_ns = op.response.value_at_percentile(95);
    row.p99_ns = op.response.value_at_percentile(99);
    row.max_ns = op.response.max();
    row.lag_p99_ns = op.lag.value_at_percentile(99);
    row.lag_max_ns = op.lag.max();
    if (spec_.interval_histograms && index && op.response.total_count() > 0)
      row.histogram = encode_hdr_base64(op.response);
    return row;
  }

  void accumulate(RunningTotals& totals, const OperationStats& op) {
    totals.count += op.count;
    for (std::size_t c = 0; c < totals.errors.size(); ++c) totals.errors[c] += op.errors[c];
    totals.hits += op.hits;
    totals.misses += op.misses;
    totals.response.add(op.response);
  }

  bool absorb(const StatsBlock& interval, double start_s, Nanos length, bool call_progress) {
    IntervalReport report;
    const double length_s = static_cast<double>(length) / 1e9;
    report.elapsed_s = start_s + length_s;
    report.interval_s = length_s;
    OperationStats all;
    for (std::size_t i = 0; i < interval.ops.size(); ++i) {
      const auto& op = interval.ops[i];
      result_.operations[i].add(op);
      accumulate(cumulative_[i], op);
      // Operations the load never sends (weight 0: NOTIFY listeners) and journeys' transaction
      // rows record something else than requests; the totals are about requests. A journey's
      // steps are requests of weight 0.
      if (in_totals(spec_.operations[i])) {
        all.add(op);
        accumulate(cumulative_total_, op);
      }
      const IntervalRow row = make_row(op, start_s, length_s, static_cast<int>(i));
      result_.timeseries.push_back(row);
      report.rows.push_back(row);
    }
    result_.total.add(all);
    report.total = make_row(all, start_s, length_s, std::nullopt);
    if (load_.model == LoadModel::open) {
      // Intervals are measured from measure_start; the rate curve from t0. Both curves are in
      // lanes here, but the rate is the spec's own.
      const double from = static_cast<double>(load_.warmup) / 1e9 + start_s;
      report.total.target_rate_per_s =
          (live_curve_->integral_to(from + length_s) - live_curve_->integral_to(from)) / length_s;
    } else {
      const double end = static_cast<double>(load_.warmup) / 1e9 + start_s + length_s;
      // Users, not lanes: a pipelined user is `per_connection_` lanes of the curve.
      report.total.users =
          static_cast<std::int64_t>(std::floor(live_curve_->value_at(end) + 1e-9)) / per_connection_;
      report.total.active_users = interval.active_users / per_connection_;
    }
    result_.timeseries_total.push_back(report.total);
    if (!call_progress || !progress_) return true;
    report.cumulative = cumulative_;
    report.cumulative_total = cumulative_total_;
    return progress_(report);
  }

  void finish() {
    Nanos end = 0;
    for (auto& w : workers_) {
      end = std::max(end, w->finished_at());
      result_.unfinished += w->unfinished();
    }
    if (stopped_at_ > 0) end = std::min(end, stopped_at_);
    if (load_.duration > 0) end = std::min(end, clock_.measure_end);
    end = std::max(end, clock_.measure_start);
    // The last interval, maybe partial: whatever the workers recorded since the last tick,
    // stragglers of the drain included.
    StatsBlock tail(spec_.operations.size());
    for (auto& w : workers_) {
      for (std::size_t i = 0; i < tail.ops.size(); ++i) tail.ops[i].add(w->active().ops[i]);
      tail.active_users += w->active_users();
    }
    const Nanos last_tick_start = std::max(clock_.measure_start, last_tick_start_());
    bool any = false;
    for (const auto& op : tail.ops) any = any || op.count > 0 || op.dropped > 0 || op.unfinished > 0;
    // A rate over a sliver of an interval says nothing: the last one counts at least 1 ms.
    if (any)
      absorb(tail, static_cast<double>(last_tick_start - clock_.measure_start) / 1e9,
             std::clamp<Nanos>(end - last_tick_start, kNanosPerMilli, interval_), !progress_declined_);
    result_.measured_s = static_cast<double>(end - clock_.measure_start) / 1e9;
  }

  [[nodiscard]] Nanos last_tick_start_() const {
    if (result_.timeseries.empty()) return clock_.measure_start;
    const double last = result_.timeseries.back().t_s;
    return clock_.measure_start + static_cast<Nanos>(last * 1e9) + interval_;
  }

  // How far ahead of now a load change takes effect: time for every worker to take it.
  static constexpr Nanos kLoadChangeLead = kNanosPerMilli;

  const Spec& spec_;
  const int per_connection_;  // lanes per connection (a pipeline's depth)
  const LoadSpec load_;       // the spec's load in lanes; the workers keep a reference to it
  const Nanos interval_;
  const typename P::Shared& shared_;
  const ProgressCallback& progress_;
  const InterruptCheck& interrupted_;
  LoadControl* control_;  // null: the run's load is fixed
  // The rate (open model) or users (closed, in lanes) as the run follows it, changes included.
  std::shared_ptr<const RateCurve> live_curve_;
  bool control_woke_ = false;  // under signal_.mutex: a change or stop was asked for
  RunClock clock_;
  RunSignal signal_;
  std::vector<std::unique_ptr<Worker<P>>> workers_;
  bool uring_;  // the sockets go through io_uring
  std::vector<RunningTotals> cumulative_;
  RunningTotals cumulative_total_;  // the operations in the totals, merged
  RunResult result_;
  Nanos stopped_at_ = 0;
  bool progress_declined_ = false;  // the callback asked to stop: do not call it again
};

// Defined here, instantiated once per protocol in its proto/<name>/run.cpp.
template <class P>
RunResult run_protocol(const typename P::Spec& spec, const ProgressCallback& progress,
                       const InterruptCheck& interrupted, LoadControl* control) {
  validate_run(spec, spec.operations);
  const auto shared = P::prepare(spec);  // bad templates, hosts and SQL fail before any load
  Coordinator<P> coordinator(spec, shared, progress, interrupted, control);
  return coordinator.run();
}

}  // namespace surge
