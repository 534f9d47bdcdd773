// The load model of a run as the engine takes it: which model, how long, and the curve it
// follows. The Python layer (surge.plan) fills every field and owns the user-facing defaults
// and checks (docs/architecture.md, "Who checks what"); zero means "none" here.
#pragma once

#include <cstdint>

#include "surge/core/clock.hpp"
#include "surge/load/arrival_schedule.hpp"
#include "surge/load/rate_curve.hpp"
#include "surge/load/think_time.hpp"

namespace surge {

enum class LoadModel { closed, open };

// Both curves start at t0, the start of warm-up; the measured window follows the warm-up.
struct LoadSpec {
  LoadModel model = LoadModel::closed;
  int threads = 1;
  std::int64_t requests = 0;  // measured requests to issue in all; 0 = no limit
  Nanos duration = 0;         // measured window; 0 = until `requests` are done
  Nanos warmup = 0;           // before the measured window, excluded from statistics
  Nanos interval = 0;         // one time-series row per interval

  // Open model: arrivals follow `rate` (requests/s over time).
  RateCurve rate;
  Arrivals arrivals = Arrivals::uniform;
  int connections = 0;           // pool opened before the first request
  int max_connections = 0;       // the pool grows up to this when all are busy; 0 = connections
  std::int64_t max_backlog = 0;  // requests waiting for a connection before new ones are dropped
  Nanos late_after = 0;          // a request sent later than this after its intended start is late

  // Closed model: `users` over time, each with one connection, looping over the operations.
  RateCurve users;
  ThinkTime think;
  std::int64_t iterations_per_user = 0;  // 0 = no limit
  // Users a change while the run goes may raise the count to: each has a lane (and the run a
  // thread per share) from the start. 0 = the curve's own peak.
  int most_users = 0;

  // The same load counted in lanes, for a protocol that carries `per_connection` requests in
  // flight on each connection (a pipeline's depth): every connection and every user becomes
  // that many lanes, each with one request in flight.
  [[nodiscard]] LoadSpec in_lanes(int per_connection) const;
  [[nodiscard]] int pool_limit() const noexcept {
    return max_connections > 0 ? max_connections : connections;
  }
  // Closed model: most users at once in the run (each needs its own lane), most_users
  // included.
  [[nodiscard]] int peak_users() const noexcept;
  // Seconds from t0 to the end of the measured window; +inf when only a count bounds the run.
  [[nodiscard]] double run_length_s() const noexcept;
};

}  // namespace surge
