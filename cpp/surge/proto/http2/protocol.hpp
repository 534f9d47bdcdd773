// HTTP/2 as a Protocol of the engine (engine/protocol.hpp). The run spec is HTTP's: the same
// templates, checks and load models. A worker's lanes share multiplexed connections
// (Http2Connection) as Redis' lanes share pipelines: with --max-streams S, lanes 0..S-1 are the
// streams of the first connection, S..2S-1 of the next. Each stream is timed from its own
// intended start to the end of its own response.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "surge/core/rng.hpp"
#include "surge/proto/http/protocol.hpp"
#include "surge/proto/http/request_builder.hpp"
#include "surge/proto/http/response_checks.hpp"
#include "surge/proto/http/spec.hpp"
#include "surge/proto/http2/client_session.hpp"
#include "surge/proto/tls/tls_context.hpp"

namespace surge {

class Http2Connection;
template <class P>
class PipelinedLane;
template <class P>
class Worker;

using Http2Shared = HttpShared;  // the same target; its host_header goes out as :authority

class Http2Protocol {
 public:
  using Spec = HttpRunSpec;
  using Lane = PipelinedLane<Http2Protocol>;
  using Connection = Http2Connection;
  using Shared = Http2Shared;

  static Shared prepare(const Spec& spec);
  static int lanes_per_connection(const Spec& spec) noexcept { return spec.max_streams; }
  // Its connections' sockets can go through io_uring (engine/stream_socket.hpp).
  static constexpr bool kUringTransport = true;

  Http2Protocol(const Spec& spec, const Shared& shared, int index, int worker_count);
  Http2Protocol(const Http2Protocol&) = delete;
  Http2Protocol& operator=(const Http2Protocol&) = delete;
  ~Http2Protocol();

  // Renders operation `op` into `stream`, with what its response checks need kept.
  void build_request(int op, http2::Stream& stream, Rng& rng);
  [[nodiscard]] bool is_idempotent(int op) const noexcept {
    return builders_[static_cast<std::size_t>(op)].is_idempotent();
  }
  [[nodiscard]] const HttpOperation& operation(int op) const noexcept {
    return spec_.operations[static_cast<std::size_t>(op)];
  }
  [[nodiscard]] const Shared& shared() const noexcept { return shared_; }
  // The connection lane `lane` rides on; created with the first lane that needs it.
  Http2Connection& connection_for(int lane, Worker<Http2Protocol>& worker);
  [[nodiscard]] int pipeline() const noexcept { return spec_.max_streams; }

 private:
  const Spec& spec_;
  const Shared& shared_;
  std::vector<http::RequestBuilder> builders_;
  std::vector<std::unique_ptr<Http2Connection>> connections_;
};

}  // namespace surge
