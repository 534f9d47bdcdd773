// What a run hands back: merged per-operation statistics and the per-interval series.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "surge/engine/operation_stats.hpp"

namespace surge {

struct IntervalRow {
  double t_s = 0;     // start of the interval, seconds from the start of measurement
  int operation = 0;  // index into operation_names; -1 for the all-operations row
  std::int64_t count = 0;
  std::int64_t errors = 0;
  std::array<std::int64_t, kErrorClassCount> error_classes{};  // errors by ErrorClass
  std::int64_t dropped = 0;
  std::int64_t late = 0;
  std::int64_t hits = 0;
  std::int64_t misses = 0;
  std::int64_t p50_ns = 0;
  std::int64_t p90_ns = 0;
  std::int64_t p95_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t max_ns = 0;
  // Per-operation rows only: the interval's response times, HdrHistogram V2 compressed and
  // base64 encoded (empty when nothing completed). Interval logs and exports are built from it.
  std::string histogram;
  // All-operations rows only: what the load model asked for in this interval.
  double target_rate_per_s = -1;   // open model: scheduled arrivals / interval length
  std::int64_t users = -1;         // closed model: users the model asked for at the interval's end
  std::int64_t active_users = -1;  // closed model: users the workers ran at the tick
};

struct IntervalReport {
  double elapsed_s = 0;  // since the start of measurement (negative during warm-up)
  double interval_s = 0;
  std::vector<IntervalRow> rows;  // one per operation, for the interval just closed
  IntervalRow total;              // all operations together
};

// Return false to stop the run early.
using ProgressCallback = std::function<bool(const IntervalReport&)>;
// Polled about every 100 ms; return true to stop (Ctrl-C). Keeps what was measured.
using InterruptCheck = std::function<bool()>;

struct RunResult {
  std::vector<std::string> operation_names;
  std::vector<OperationStats> operations;
  std::vector<IntervalRow> timeseries;
  std::vector<IntervalRow> timeseries_total;
  Nanos t0_ns = 0;              // schedule origin (steady clock), the start of warm-up
  Nanos measure_start_ns = 0;   // start of the measured window (steady clock)
  double measured_s = 0;        // length of the measured window as it ran
  std::int64_t unfinished = 0;  // in flight or queued when the run was ended
  bool interrupted = false;
};

}  // namespace surge
