// How a run's connections were opened, apart from the requests: how long a connect took (TCP;
// for PostgreSQL, libpq's whole start-up with authentication), how long the set-up after it
// took (Redis AUTH/SELECT/HELLO replies, PostgreSQL's prepared statements), and how many
// attempts succeeded or failed. Every attempt of the run counts, those of the warm-up before
// the first intended start included; each worker keeps its own and the coordinator merges them
// once the threads have ended.
#pragma once

#include <cstdint>

#include "surge/core/hdr_histogram.hpp"

namespace surge {

struct ConnectionStats {
  HdrHistogram connect;    // attempt started -> connection up
  HdrHistogram handshake;  // connection up -> its set-up answered: a TLS handshake, AUTH, ...
  std::int64_t opened = 0;
  std::int64_t failed = 0;       // refused, timed out, or set-up rejected
  std::int64_t tls_full = 0;     // TLS handshakes that made a new session
  std::int64_t tls_resumed = 0;  // TLS handshakes that resumed one (a ticket offered again)

  void add(const ConnectionStats& other) {
    connect.add(other.connect);
    handshake.add(other.handshake);
    opened += other.opened;
    failed += other.failed;
    tls_full += other.tls_full;
    tls_resumed += other.tls_resumed;
  }
};

// What the coordinator reports of the warm-up: connections opened and set up before the first
// intended start, so that their cost is not the first requests' latency.
struct WarmUpReport {
  bool warm = true;            // false: a cold start, connections opened by the first requests
  double seconds = 0;          // from the start of the run to the first intended start
  std::int64_t not_ready = 0;  // connections still opening when the schedule started anyway
};

}  // namespace surge
