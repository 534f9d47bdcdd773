// What a run is: the target, its operations and the load model, as plain structs that the
// Python layer fills once before the run. Nothing here is touched per request.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/load/arrival_schedule.hpp"
#include "surge/load/rate_curve.hpp"
#include "surge/load/think_time.hpp"
#include "surge/proto/http/request_builder.hpp"

namespace surge {

enum class LoadModel { closed, open };

// Both curves start at t0, the start of warm-up; the measured window follows the warm-up.
struct LoadSpec {
  LoadModel model = LoadModel::closed;
  int threads = 1;
  std::int64_t requests = 0;  // measured requests to issue in all; 0 = no limit
  Nanos duration = 0;         // measured window; 0 = until `requests` are done
  Nanos warmup = 0;           // before the measured window, excluded from statistics
  Nanos interval = kNanosPerSecond;
  Nanos drain = 2 * kNanosPerSecond;  // how long in-flight requests may finish after the window

  // Open model: arrivals follow `rate` (requests/s over time).
  RateCurve rate;
  Arrivals arrivals = Arrivals::uniform;
  int connections = 10;               // pool opened before the first request
  int max_connections = 0;            // the pool grows up to this when all are busy; 0 = connections
  std::int64_t max_backlog = 100000;  // requests waiting for a connection before new ones are dropped
  Nanos late_after = kNanosPerMilli;  // a request sent later than this after its intended start is late

  // Closed model: `users` over time, each with one connection, looping over the operations.
  RateCurve users;
  ThinkTime think;
  std::int64_t iterations_per_user = 0;  // 0 = no limit

  // Pipelined protocols: each connection carries `factor` lanes, one command in flight each, and
  // the load model counts lanes.
  void scale_lanes(int factor) {
    connections *= factor;
    max_connections *= factor;
    if (!users.empty()) users = users.scaled(factor);
  }
  [[nodiscard]] int pool_limit() const noexcept {
    return max_connections > 0 ? max_connections : connections;
  }
  // Closed model: most users at once in the run (each needs its own connection).
  [[nodiscard]] int peak_users() const noexcept;
};

struct HttpOperation {
  std::string name;
  double weight = 1.0;
  http::RequestSpec request;
  std::vector<int> expect_status;  // empty: any status below 400 is a success
  std::string expect_body;         // non-empty: the body must contain it
  int miss_status = 0;             // a cache read: this status is a miss (not an error), < 400 a hit
};

// What every protocol's run spec has: the load model, timeouts and the seed.
struct RunSettings {
  LoadSpec load;
  Nanos connect_timeout = 5 * kNanosPerSecond;
  Nanos request_timeout = 30 * kNanosPerSecond;
  std::uint64_t seed = 1;
  // Emulated network: each request waits network_latency plus a uniform 0..network_jitter on
  // the client before it is sent. Part of the response time, not of the service time.
  Nanos network_latency = 0;
  Nanos network_jitter = 0;
};

struct HttpRunSpec : RunSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 80;
  std::string host_header;  // empty: host:port
  std::vector<HttpOperation> operations;
};

// Throws std::invalid_argument naming the field when the spec cannot run.
void validate(const HttpRunSpec& spec);

// The checks every protocol shares: the load model and the timeouts.
void validate_load(const LoadSpec& load);
void validate_settings(const RunSettings& settings);

// Every operation needs a name and a positive weight.
template <class Operations>
void validate_operations(const Operations& operations) {
  if (operations.empty()) throw std::invalid_argument("operations: a run needs at least one operation");
  bool sendable = false;
  for (const auto& op : operations) {
    if (op.name.empty()) throw std::invalid_argument("operations: every operation needs a name");
    // Weight 0: an operation the load never sends, only records (a NOTIFY listener).
    if (!(op.weight >= 0) || !(op.weight < 1e300))
      throw std::invalid_argument("operation '" + op.name + "': weight must be a positive number");
    sendable = sendable || op.weight > 0;
  }
  if (!sendable) throw std::invalid_argument("operations: at least one needs a weight > 0");
}

}  // namespace surge
