// The coordinator of a run, for any Protocol: starts the workers, closes an interval every tick
// by swapping their statistics blocks, calls back once per interval, and ends the run on time,
// on completion, or when asked to stop.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "surge/core/hdr_codec.hpp"
#include "surge/engine/run_result.hpp"
#include "surge/engine/worker.hpp"

namespace surge {

template <class Protocol>
class Coordinator {
 public:
  using Spec = typename Protocol::Spec;

  Coordinator(const Spec& spec, const typename Protocol::Shared& shared, const ProgressCallback& progress,
              const InterruptCheck& interrupted)
      : spec_(spec), shared_(shared), progress_(progress), interrupted_(interrupted) {
    const auto n = spec.operations.size();
    result_.operations.resize(n);
    for (const auto& op : spec.operations) result_.operation_names.push_back(op.name);
  }

  RunResult run() {
    const auto& load = spec_.load;
    const int pool = load.model == LoadModel::open ? load.pool_limit() : load.peak_users();
    const int threads = std::max(1, std::min(load.threads, pool));
    // A short lead lets every thread reach its io_context, and open-model pools connect,
    // before the first intended start.
    const int preconnected = load.model == LoadModel::open ? load.connections : pool;
    const Nanos lead =
        std::min<Nanos>(5 * kNanosPerMilli + Nanos{preconnected} * 20 * kNanosPerMicro, 200 * kNanosPerMilli);
    clock_.t0 = now_ns() + lead;
    clock_.measure_start = clock_.t0 + load.warmup;
    clock_.measure_end = load.duration > 0 ? clock_.measure_start + load.duration : INT64_MAX;
    result_.t0_ns = clock_.t0;
    result_.measure_start_ns = clock_.measure_start;

    for (int i = 0; i < threads; ++i)
      workers_.push_back(std::make_unique<Worker<Protocol>>(spec_, shared_, clock_, signal_, i, threads));
    std::vector<std::thread> threads_running;
    threads_running.reserve(workers_.size());
    for (auto& w : workers_) threads_running.emplace_back([&w] { w->run(); });

    supervise();

    for (auto& w : workers_) w->end();
    for (auto& t : threads_running) t.join();
    finish();
    return std::move(result_);
  }

 private:
  bool all_done() {
    const std::lock_guard lock(signal_.mutex);
    return signal_.workers_done == static_cast<int>(workers_.size());
  }

  void supervise() {
    const auto& load = spec_.load;
    // Workers never record warm-up requests, so the first interval simply starts at measure_start.
    Nanos next_tick = clock_.measure_start + load.interval;
    Nanos drain_deadline = INT64_MAX;
    bool draining = false;
    while (true) {
      const Nanos now = now_ns();
      const Nanos wake =
          std::min({next_tick, now + 100 * kNanosPerMilli, draining ? drain_deadline : clock_.measure_end});
      {
        std::unique_lock lock(signal_.mutex);
        signal_.cv.wait_for(lock, std::chrono::nanoseconds(std::max<Nanos>(wake - now, 0)),
                            [&] { return signal_.workers_done == static_cast<int>(workers_.size()); });
      }
      if (interrupted_ && interrupted_()) {
        result_.interrupted = true;
        stopped_at_ = now_ns();
        return;
      }
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
        next_tick += load.interval;
      }
      if (!draining && t >= clock_.measure_end) {
        draining = true;
        drain_deadline = clock_.measure_end + load.drain;
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
    const double start_s = static_cast<double>(tick - clock_.measure_start - spec_.load.interval) / 1e9;
    return absorb(interval, start_s, spec_.load.interval, true);
  }

  static IntervalRow make_row(const OperationStats& op, double start_s, int index) {
    IntervalRow row;
    row.t_s = start_s;
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
    if (index >= 0 && op.response.total_count() > 0) row.histogram = encode_hdr_base64(op.response);
    return row;
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
      // Operations the load never sends (weight 0: NOTIFY listeners) record something else
      // than requests; the totals are about requests.
      if (spec_.operations[i].weight > 0) all.add(op);
      const IntervalRow row = make_row(op, start_s, static_cast<int>(i));
      result_.timeseries.push_back(row);
      report.rows.push_back(row);
    }
    report.total = make_row(all, start_s, -1);
    const auto& load = spec_.load;
    if (load.model == LoadModel::open) {
      // Intervals are measured from measure_start; the rate curve from t0.
      const double from = static_cast<double>(load.warmup) / 1e9 + start_s;
      report.total.target_rate_per_s =
          (load.rate.integral_to(from + length_s) - load.rate.integral_to(from)) / length_s;
    } else {
      const double end = static_cast<double>(load.warmup) / 1e9 + start_s + length_s;
      report.total.users = static_cast<std::int64_t>(std::floor(load.users.value_at(end) + 1e-9));
      report.total.active_users = interval.active_users;
    }
    result_.timeseries_total.push_back(report.total);
    if (call_progress && progress_) return progress_(report);
    return true;
  }

  void finish() {
    Nanos end = 0;
    for (auto& w : workers_) {
      end = std::max(end, w->finished_at());
      result_.unfinished += w->unfinished();
    }
    if (stopped_at_ > 0) end = std::min(end, stopped_at_);
    if (spec_.load.duration > 0) end = std::min(end, clock_.measure_end);
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
    for (const auto& op : tail.ops) any = any || op.count > 0 || op.dropped > 0;
    if (any)
      absorb(tail, static_cast<double>(last_tick_start - clock_.measure_start) / 1e9,
             std::max<Nanos>(end - last_tick_start, 1), !progress_declined_);
    result_.measured_s = static_cast<double>(end - clock_.measure_start) / 1e9;
  }

  [[nodiscard]] Nanos last_tick_start_() const {
    if (result_.timeseries.empty()) return clock_.measure_start;
    const double last = result_.timeseries.back().t_s;
    return clock_.measure_start + static_cast<Nanos>(last * 1e9) + spec_.load.interval;
  }

  const Spec& spec_;
  const typename Protocol::Shared& shared_;
  const ProgressCallback& progress_;
  const InterruptCheck& interrupted_;
  RunClock clock_;
  RunSignal signal_;
  std::vector<std::unique_ptr<Worker<Protocol>>> workers_;
  RunResult result_;
  Nanos stopped_at_ = 0;
  bool progress_declined_ = false;  // the callback asked to stop: do not call it again
};

// Runs a validated, prepared spec to the end and returns what was measured.
template <class Protocol>
RunResult run_load(const typename Protocol::Spec& spec, const typename Protocol::Shared& shared,
                   const ProgressCallback& progress, const InterruptCheck& interrupted) {
  Coordinator<Protocol> coordinator(spec, shared, progress, interrupted);
  return coordinator.run();
}

}  // namespace surge
