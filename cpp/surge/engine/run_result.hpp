// What a run hands back: merged per-operation statistics and the per-interval series.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "surge/engine/operation_stats.hpp"

namespace surge {

struct IntervalRow {
  double t_s = 0;  // start of the interval, seconds from the start of measurement
  int operation = 0;
  std::int64_t count = 0;
  std::int64_t errors = 0;
  std::int64_t p50_ns = 0;
  std::int64_t p90_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t max_ns = 0;
};

struct IntervalReport {
  double elapsed_s = 0;  // since the start of measurement (negative during warm-up)
  double interval_s = 0;
  std::vector<IntervalRow> rows;  // one per operation, for the interval just closed
};

struct RunResult {
  std::vector<std::string> operation_names;
  std::vector<OperationStats> operations;
  std::vector<IntervalRow> timeseries;
  double measured_s = 0;        // length of the measured window as it ran
  std::int64_t unfinished = 0;  // in flight or queued when the run was ended
  bool interrupted = false;
};

}  // namespace surge
