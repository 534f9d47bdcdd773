// Redis as a Protocol of the engine (engine/protocol.hpp). A worker's lanes share pipelined
// connections (RedisConnection): with pipeline depth P, lanes 0..P-1 ride the first
// connection, P..2P-1 the next. Each command is timed from its own intended start to its own
// reply.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <memory>
#include <string>
#include <vector>

#include "surge/core/rng.hpp"
#include "surge/proto/redis/command_builder.hpp"
#include "surge/proto/redis/spec.hpp"
#include "surge/proto/tls/tls_context.hpp"

namespace surge {

class RedisConnection;
class RedisProtocol;
template <class P>
class PipelinedLane;
template <class P>
class Worker;

struct RedisShared {
  boost::asio::generic::stream_protocol::endpoint endpoint;
  bool tcp = true;
  std::string handshake;  // AUTH and SELECT, sent first on every new connection
  int handshake_replies = 0;
  std::shared_ptr<const tls::ClientContext> tls;  // null: no TLS
  std::string server_name;
};

class RedisProtocol {
 public:
  using Spec = RedisRunSpec;
  using Lane = PipelinedLane<RedisProtocol>;
  using Connection = RedisConnection;
  using Shared = RedisShared;

  // Once per run, before any load: checks every command template and resolves the server.
  static Shared prepare(const Spec& spec);
  static int lanes_per_connection(const Spec& spec) noexcept { return spec.pipeline; }
  // Its connections' sockets can go through io_uring (engine/stream_socket.hpp).
  static constexpr bool kUringTransport = true;

  RedisProtocol(const Spec& spec, const Shared& shared, int index, int worker_count);
  RedisProtocol(const RedisProtocol&) = delete;
  RedisProtocol& operator=(const RedisProtocol&) = delete;
  ~RedisProtocol();

  void append_command(int op, std::string& out, Rng& rng) {
    builders_[static_cast<std::size_t>(op)].append(out, rng);
  }
  // Reads count hits and misses: a nil reply to GET is a miss, not an error.
  [[nodiscard]] bool is_read(int op) const noexcept { return reads_[static_cast<std::size_t>(op)]; }
  [[nodiscard]] const Shared& shared() const noexcept { return shared_; }
  // The connection lane `lane` rides on; created with the first lane that needs it.
  RedisConnection& connection_for(int lane, Worker<RedisProtocol>& worker);
  [[nodiscard]] int pipeline() const noexcept { return spec_.pipeline; }

 private:
  const Spec& spec_;
  const Shared& shared_;
  std::vector<redis::CommandBuilder> builders_;
  std::vector<bool> reads_;
  std::vector<std::unique_ptr<RedisConnection>> connections_;
};

}  // namespace surge
