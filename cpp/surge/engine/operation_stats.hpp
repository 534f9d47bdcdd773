// Per-operation statistics: three histograms (response time from the intended start, service
// time from the actual send, schedule lag), outcome counts, and error classes with examples.
#pragma once

#include <array>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/hdr_histogram.hpp"

namespace surge {

enum class ErrorClass : int {
  refused,
  connect_timeout,
  request_timeout,
  reset,
  malformed,
  http_4xx,
  http_5xx,
  check_failed,
  error_reply,       // a Redis -ERR reply, a PostgreSQL error result
  client_fd_limit,   // surge itself ran out of file descriptors: the client's fault, not the server's
  tls_handshake,     // the TLS handshake failed: no common version or cipher, not TLS at all
  tls_verify,        // the server's certificate is not trusted, or names another host
  stream_reset,      // HTTP/2: the server reset the stream (RST_STREAM), or refused it twice
  feeder_exhausted,  // a journey could not start: its unique feeder's rows were all used (the client's)
};
inline constexpr int kErrorClassCount = 14;

// A failed connect, by what happened: the client's own descriptor limit (EMFILE, ENFILE), the
// server accepting and then resetting (ECONNRESET), a TLS handshake or certificate that failed
// (libpq's message), or the server refusing (the rest).
ErrorClass connect_failure(const boost::system::error_code& ec) noexcept;
ErrorClass connect_failure(std::string_view message) noexcept;
// What a user reads for a connect that failed on the client's descriptor limit.
inline constexpr std::string_view kClientFdLimitExample =
    "too many open files in surge itself (the client, not the server): raise `ulimit -n`, or use "
    "fewer connections or users";
std::string_view error_class_name(ErrorClass c) noexcept;

// How often one error code was seen. A protocol's own short code for an error, beside the
// error class: PostgreSQL's SQLSTATE ("40001"). Up to 8 characters; longer codes are cut.
struct ErrorCodeCount {
  static constexpr std::size_t kMaxLength = 8;
  std::array<char, kMaxLength> code{};
  std::uint8_t length = 0;
  std::int64_t count = 0;
  [[nodiscard]] std::string_view text() const noexcept { return {code.data(), length}; }
};

struct OperationStats {
  static constexpr std::size_t kExamplesPerClass = 3;

  HdrHistogram response;
  HdrHistogram service;
  HdrHistogram lag;
  HdrHistogram failed;          // outcomes without a response: time from the intended start to the failure
  std::int64_t count = 0;       // every outcome: successes and errors
  std::int64_t dropped = 0;     // open model: scheduled, never sent (backlog full, generator behind)
  std::int64_t unfinished = 0;  // sent (or queued) and without an outcome when the run ended
  std::int64_t late = 0;        // sent more than the run's late_after behind the intended start
  std::int64_t hits = 0;        // cache reads that found a value
  std::int64_t misses = 0;      // cache reads that found none (a nil reply is a miss, not an error)
  std::int64_t retries = 0;     // requests sent again by the protocol's retry rule (PostgreSQL: 40001)
  std::int64_t reconnects = 0;  // connections opened again for a request, after an earlier one closed
  std::int64_t redirects = 0;   // Redis Cluster: MOVED and ASK replies followed (not errors)
  std::array<std::int64_t, kErrorClassCount> errors{};
  std::array<std::vector<std::string>, kErrorClassCount> examples;
  std::vector<ErrorCodeCount> error_codes;  // errors by the protocol's code; few distinct codes

  // Response-bearing outcome (success, HTTP error or failed check): all three timings recorded.
  // `delayed` is the emulated network delay the request waited before its send: part of the
  // response time, and not generator lateness, so the lag leaves it out.
  void record_timed(Nanos intended, Nanos sent, Nanos done, Nanos late_after, Nanos delayed = 0) noexcept {
    response.record(done - intended);
    service.record(done - sent);
    const Nanos lag_ns = sent - delayed - intended;
    lag.record(lag_ns);
    if (lag_ns > late_after) ++late;
    ++count;
  }
  // Adds an error class to an outcome already counted (an HTTP error still has timings).
  void record_error(ErrorClass c, std::string_view example);
  // An outcome without a response (refused, timeout, reset): counted, and its time to failure
  // (from the intended start) kept apart from the response times. `took` < 0: no time (a
  // listener's lost connection has no request).
  void record_failure(ErrorClass c, std::string_view example, Nanos took = -1) {
    ++count;
    if (took >= 0) failed.record(took);
    record_error(c, example);
  }
  [[nodiscard]] bool wants_example(ErrorClass c) const noexcept {
    return examples[static_cast<std::size_t>(c)].size() < kExamplesPerClass;
  }
  [[nodiscard]] std::int64_t error_total() const noexcept;
  // Counts one error with this code (its first kMaxLength characters).
  void count_error_code(std::string_view code, std::int64_t n = 1);

  void add(const OperationStats& other);
  void reset() noexcept;
};

}  // namespace surge
