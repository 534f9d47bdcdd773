// What every protocol's run spec has: the load model, timeouts, the seed and the emulated
// network. A protocol's spec (proto/<name>/spec.hpp) derives from it and adds its target and
// operations. Plain structs, filled once by the Python layer; nothing here is touched per
// request.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "surge/core/clock.hpp"
#include "surge/engine/io_mode.hpp"
#include "surge/load/load_spec.hpp"

namespace surge {

struct RunSettings {
  LoadSpec load;
  Nanos connect_timeout = 0;
  Nanos request_timeout = 0;
  std::uint64_t seed = 0;
  // Emulated network: each request waits network_latency plus a uniform 0..network_jitter on
  // the client before it is sent. Part of the response time, not of the service time.
  Nanos network_latency = 0;
  Nanos network_jitter = 0;
  // How long requests in flight when the window ends may still finish; what is still out
  // after it is counted as unfinished.
  Nanos drain = 0;
  // Each time-series row keeps its interval's response-time histogram (HdrHistogram V2,
  // compressed, base64); off, the engine skips the encoding.
  bool interval_histograms = false;
  // Warm start: the connections the first requests need are opened, and their set-up answered,
  // before the schedule's first intended start, so connection cost is not in the first
  // requests' latency. Off (a cold start), the first requests open them and wait for it.
  bool warm_start = true;
  // One share of a distributed run (surge.distributed): this process runs share `share_index`
  // of `share_count`. Generators that partition their values (seq) then take disjoint ranges
  // across every thread of every share. 0 of 1: a run of its own.
  int share_index = 0;
  int share_count = 1;
  // The sockets' transport (engine/io_mode.hpp): the run's result says which one it used.
  IoMode io = IoMode::automatic;
};

// The rules only the engine checks; the Python layer owns every other (docs/architecture.md).
// Throws std::invalid_argument.
void validate_bounded(const LoadSpec& load);

template <class Operations>
void validate_run(const RunSettings& settings, const Operations& operations) {
  bool sendable = false;
  for (const auto& op : operations) sendable = sendable || op.weight > 0;
  // Weight 0 is an operation the load never sends, only records (a NOTIFY listener).
  if (!sendable) throw std::invalid_argument("operations: at least one needs a weight > 0");
  validate_bounded(settings.load);
}

}  // namespace surge
