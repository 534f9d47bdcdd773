// What a run hands back: merged per-operation statistics and the per-interval series, and what
// the coordinator reports to its caller once per interval.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "surge/engine/connection_stats.hpp"
#include "surge/engine/load_control.hpp"
#include "surge/engine/operation_stats.hpp"

namespace surge {

struct IntervalRow {
  double t_s = 0;                // start of the interval, seconds from the start of measurement
  double length_s = 0;           // its length: the run's interval, or less for the last one
  std::optional<int> operation;  // index into operation_names; none for a row of all operations
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
  // How late requests left after their intended start: surge's own lag (or a full pool).
  std::int64_t lag_p99_ns = 0;
  std::int64_t lag_max_ns = 0;
  // Per-operation rows of a run with interval_histograms: the interval's response times,
  // HdrHistogram V2 compressed and base64 encoded (empty when nothing completed).
  std::string histogram;
  // Rows of all operations: what the load model asked for in this interval.
  std::optional<double> target_rate_per_s;   // open model: scheduled arrivals / interval length
  std::optional<std::int64_t> users;         // closed model: users asked for at the interval's end
  std::optional<std::int64_t> active_users;  // closed model: users the workers ran at the tick
};

// One operation's figures since the start of measurement, for a live view or a metrics scrape
// that must not rebuild them from the intervals.
struct RunningTotals {
  std::int64_t count = 0;
  std::array<std::int64_t, kErrorClassCount> errors{};
  std::int64_t hits = 0;
  std::int64_t misses = 0;
  HdrHistogram response;
};

struct IntervalReport {
  double elapsed_s = 0;  // since the start of measurement
  double interval_s = 0;
  std::vector<IntervalRow> rows;          // one per operation, for the interval just closed
  IntervalRow total;                      // operations the load sends, together
  std::vector<RunningTotals> cumulative;  // one per operation
  RunningTotals cumulative_total;         // the operations in the totals (in_totals), merged
};

// Return false to stop the run early.
using ProgressCallback = std::function<bool(const IntervalReport&)>;
// Polled about every 100 ms; return true to stop (Ctrl-C). Keeps what was measured.
using InterruptCheck = std::function<bool()>;

// A Redis Cluster run: what one node answered during the measured window.
struct NodeResult {
  std::string address;  // host:port
  std::string role;     // "primary" or "replica", as the run last knew it
  std::int64_t requests = 0;
  std::int64_t errors = 0;     // error replies other than redirects
  std::int64_t redirects = 0;  // MOVED and ASK
  HdrHistogram service;        // from the write to this node to its reply
};

// A PostgreSQL operation timed per statement (pgbench's -r): how long each statement took,
// from the later of the operation's send and the previous result on its connection, to its
// own result.
struct StatementResult {
  std::string operation;
  int index = 0;  // from 0, in the operation's order
  std::string sql;
  HdrHistogram latency;
};

struct RunResult {
  std::vector<std::string> operation_names;
  std::vector<OperationStats> operations;
  OperationStats total;  // the operations the load sends (weight > 0), merged
  std::vector<IntervalRow> timeseries;
  std::vector<IntervalRow> timeseries_total;
  double interval_s = 0;        // the length of a full interval
  Nanos measure_start_ns = 0;   // start of the measured window (steady clock)
  double measured_s = 0;        // length of the measured window as it ran
  std::int64_t unfinished = 0;  // in flight or queued when the run was ended
  bool interrupted = false;
  ConnectionStats connections;   // every connection attempt of the run, warm-up included
  std::string protocol_version;  // HTTP: "http/1.1", "h2" or "h2c"; empty for the others
  std::string io;                // the sockets' transport: "uring" or "epoll"
  WarmUpReport warm_up;
  // Open model: how late the generator's own pacer sent each measured arrival out to a lane or
  // the backlog (a backlog wait is not in it). Past a millisecond or so, surge itself, not the
  // target, was behind its schedule.
  HdrHistogram pacer_lag;
  // The share of the run the busiest worker thread ran or waited for a core (0..1; -1 where
  // the kernel does not say, or the run was too short): at 0.9 or more surge had no idle moment.
  double busy_share = -1;
  std::string failure;  // why the engine stopped the run early on an error of its own; empty: it did not
  std::vector<AppliedLoadChange> load_changes;  // taken while the run went (LoadControl), in order
  bool stopped = false;                         // LoadControl::stop() ended it
  std::vector<NodeResult> nodes;                // Redis Cluster: per node; empty otherwise
  std::vector<StatementResult> statements;      // PostgreSQL statements timed apart; else empty
};

}  // namespace surge
