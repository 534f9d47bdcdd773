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
#include "surge/engine/run_result.hpp"
#include "surge/proto/redis/cluster_router.hpp"
#include "surge/proto/redis/command_builder.hpp"
#include "surge/proto/redis/route.hpp"
#include "surge/proto/redis/spec.hpp"
#include "surge/proto/tls/tls_context.hpp"

namespace surge {

class RedisConnection;

struct RedisShared {
  boost::asio::generic::stream_protocol::endpoint endpoint;
  bool tcp = true;
  std::string handshake;  // AUTH and SELECT, sent first on every new connection
  int handshake_replies = 0;
  std::shared_ptr<const tls::ClientContext> tls;  // null: no TLS
  std::string server_name;
  std::shared_ptr<const redis::ClusterPlan> cluster;  // null: one server
  redis::ReadFrom read_from = redis::ReadFrom::primary;
};

class RedisProtocol {
 public:
  using Spec = RedisRunSpec;
  using Lane = PipelinedLane<RedisProtocol>;
  using Connection = RedisRoute;
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
  // The arguments of the command append_command() last built for `op`.
  [[nodiscard]] const std::vector<std::string>& arguments(int op) const noexcept {
    return builders_[static_cast<std::size_t>(op)].arguments();
  }
  // Reads count hits and misses: a nil reply to GET is a miss, not an error.
  [[nodiscard]] bool is_read(int op) const noexcept { return reads_[static_cast<std::size_t>(op)]; }
  [[nodiscard]] const Shared& shared() const noexcept { return shared_; }
  // The route lane `lane` rides on; created with the first lane that needs it.
  RedisRoute& connection_for(int lane, Worker<RedisProtocol>& worker);
  [[nodiscard]] int pipeline() const noexcept { return spec_.pipeline; }
  // A cluster's connection to `node` that lane group `group` rides, with the N-1 groups next
  // to it (N: the primaries when the run started); made when first needed.
  RedisConnection& shared_connection(int node, int group);
  template <class Visit>
  void each_shared_connection(int group, Visit&& visit) const {
    const auto index = static_cast<std::size_t>(group / share_);
    for (const auto& per_node : node_connections_)
      if (index < per_node.size() && per_node[index]) visit(*per_node[index]);
  }
  // The route of the lane with index `lane`.
  [[nodiscard]] RedisRoute& route_of(int lane) noexcept {
    return *routes_[static_cast<std::size_t>(lane / spec_.pipeline)];
  }
  // This worker's view of the cluster; null against one server.
  [[nodiscard]] redis::ClusterRouter* cluster() noexcept { return cluster_.get(); }
  // Where node `node` listens (against one server, node 0 is the server).
  [[nodiscard]] const boost::asio::generic::stream_protocol::endpoint& endpoint_of(int node) const noexcept;
  // A cluster run's per-node figures, merged by node into the result.
  void add_to(RunResult& result) const;

 private:
  const Spec& spec_;
  const Shared& shared_;
  std::vector<redis::CommandBuilder> builders_;
  std::vector<bool> reads_;
  std::vector<std::unique_ptr<RedisRoute>> routes_;
  std::unique_ptr<redis::ClusterRouter> cluster_;
  int share_ = 1;                            // lane groups per cluster connection
  Worker<RedisProtocol>* worker_ = nullptr;  // set with the first route
  std::vector<std::vector<std::unique_ptr<RedisConnection>>> node_connections_;  // [node][group / share_]
};

}  // namespace surge
