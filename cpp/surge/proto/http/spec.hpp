// What an HTTP run is: the server, its operations (request templates and their checks) and,
// from RunSettings, the load model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "surge/engine/operation_defaults.hpp"
#include "surge/engine/run_settings.hpp"
#include "surge/proto/http/journey.hpp"
#include "surge/proto/http/request_builder.hpp"
#include "surge/proto/tls/tls_context.hpp"

namespace surge {

struct HttpOperation {
  std::string name;
  double weight = kDefaultWeight;
  http::RequestSpec request;
  std::vector<int> expect_status;    // empty: any status below 400 is a success
  std::string expect_body;           // non-empty: the body must contain it
  int miss_status = 0;               // a cache read: this status is a miss (not an error), < 400 a hit
  std::uint64_t max_body_bytes = 0;  // a longer response body is malformed; 0: no limit
  // Journeys (proto/http/journey.hpp): this row is journey `journey`'s transaction, or this
  // operation is a step of journey `step_of` (weight 0), with what the step adds.
  int journey = -1;
  int step_of = -1;
  http::StepSpec step;
};

struct HttpRunSpec : RunSettings {
  std::string host;
  std::uint16_t port = 0;
  std::string host_header;  // empty: host:port
  bool tls = false;         // https://: every connection starts with a TLS handshake to `host`
  tls::ClientOptions tls_options;
  // 1: HTTP/1.1; 2: HTTP/2 (h2 by ALPN over TLS, h2c with prior knowledge in cleartext);
  // 0: what ALPN chooses on https://, HTTP/1.1 on http:// (resolve_http_version).
  int http_version = 0;
  int max_streams = 1;  // HTTP/2: streams in flight per connection, as a pipeline's depth
  std::vector<HttpOperation> operations;
  std::vector<http::Journey> journeys;
  std::vector<http::Feeder> feeders;
};

}  // namespace surge
