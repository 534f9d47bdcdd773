// What a run is: the target, its operations and the load model, as plain structs that the
// Python layer fills once before the run. Nothing here is touched per request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/proto/http/request_builder.hpp"

namespace surge {

enum class LoadModel { closed, open };

struct LoadSpec {
  LoadModel model = LoadModel::closed;
  int connections = 10;
  int threads = 1;
  double rate = 0;            // open model: requests per second over the whole run
  std::int64_t requests = 0;  // measured requests to issue; 0 = no limit
  Nanos duration = 0;         // measured window; 0 = until `requests` are done
  Nanos warmup = 0;           // before the measured window, excluded from statistics
  Nanos interval = kNanosPerSecond;
  Nanos drain = 2 * kNanosPerSecond;  // how long in-flight requests may finish after the window
  std::int64_t max_backlog = 100000;  // open model: queued requests before new ones are dropped
};

struct HttpOperation {
  std::string name;
  double weight = 1.0;
  http::RequestSpec request;
  std::vector<int> expect_status;  // empty: any status below 400 is a success
  std::string expect_body;         // non-empty: the body must contain it
};

struct HttpRunSpec {
  std::string host = "127.0.0.1";
  std::uint16_t port = 80;
  std::string host_header;  // empty: host:port
  std::vector<HttpOperation> operations;
  LoadSpec load;
  Nanos connect_timeout = 5 * kNanosPerSecond;
  Nanos request_timeout = 30 * kNanosPerSecond;
  std::uint64_t seed = 1;
};

// Throws std::invalid_argument naming the field when the spec cannot run.
void validate(const HttpRunSpec& spec);

}  // namespace surge
