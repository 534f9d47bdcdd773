// The contract between the engine and a protocol, as C++20 concepts: a protocol that lacks a
// member fails to compile with a message that names the member, not three templates deep.
//
// A Protocol names its run spec (derived from RunSettings, with named and weighted
// operations), what a run resolves once before any load (Shared: an address, prepared
// statements), the per-worker state it is constructed as (request builders), and its Lane: what
// carries one request at a time for the load model (an HTTP connection, or one slot of a
// pipelined Redis or PostgreSQL connection). proto/http/protocol.hpp is the smallest example;
// docs/architecture.md walks through adding one.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>

#include "surge/core/clock.hpp"
#include "surge/engine/run_settings.hpp"

namespace surge {

template <class P>
concept Protocol = std::derived_from<typename P::Spec, RunSettings> &&
    std::constructible_from<P, const typename P::Spec&, const typename P::Shared&, int, int> &&
    requires(const typename P::Spec& spec) {
  typename P::Lane;
  // Once per run, before any load: resolves and checks what only the protocol can (hosts,
  // templates, SQL). Throws std::invalid_argument naming the operation or field.
  { P::prepare(spec) } -> std::same_as<typename P::Shared>;
  // Requests a connection carries at once (a pipeline's depth; 1 for HTTP/1.1). The load
  // model counts lanes: connections and users are multiplied by it.
  { P::lanes_per_connection(spec) } -> std::convertible_to<int>;
  { spec.operations.size() } -> std::convertible_to<std::size_t>;
  { spec.operations[0].name } -> std::convertible_to<std::string>;
  { spec.operations[0].weight } -> std::convertible_to<double>;
};

// Whether a protocol's lanes can use the io_uring transport: it says so with
// `static constexpr bool kUringTransport = true` once its sockets are StreamSockets.
template <class P>
constexpr bool has_uring_transport() {
  if constexpr (requires { P::kUringTransport; }) {
    return P::kUringTransport;
  } else {
    return false;
  }
}

// What the worker and the load drivers ask of a lane. `W` is the worker that owns it.
template <class L, class W>
concept Lane = std::constructible_from<L, W&, int> && requires(L& lane, const L& seen, int op, Nanos at) {
  lane.connect();           // opens ahead of the first request; a failure is left for that request
  lane.send(op, at, at);    // operation, intended start, emulated network delay already waited
  lane.think_until(at);     // closed model: calls the worker's user_wakes() then
  lane.cancel_wait();       // a pending think or back-off wait does nothing when it fires
  lane.disconnect();        // a user that leaves closes what is its own
  lane.check_deadline(at);  // the sweep: give up on a connect or request past its timeout
  lane.shutdown();          // end all I/O; handlers still queued record nothing
  { seen.busy() } -> std::same_as<bool>;
  // Its connection is being opened or set up (for a pipelined connection, its first lane
  // answers for it and the others say false): the warm-up waits for these.
  { seen.opening() } -> std::same_as<bool>;
  { seen.index() } -> std::same_as<int>;
};

}  // namespace surge
