#include "surge/proto/redis/protocol.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <stdexcept>

#include "surge/engine/pipelined_lane.hpp"
#include "surge/engine/resolve.hpp"
#include "surge/proto/redis/cluster_discovery.hpp"
#include "surge/proto/redis/connection.hpp"

namespace surge {

namespace asio = boost::asio;

namespace {

bool is_read_command(const std::string& name) {
  static const char* const kReads[] = {"GET", "GETEX", "GETDEL", "HGET", "LINDEX", "ZSCORE", "GETRANGE"};
  for (const char* read : kReads)
    if (name == read) return true;
  return false;
}

redis::ReadFrom read_from(const std::string& text) {
  if (text == "primary") return redis::ReadFrom::primary;
  if (text == "replica") return redis::ReadFrom::replica;
  if (text == "any") return redis::ReadFrom::any;
  throw std::invalid_argument("read_from: expected primary, replica or any, got '" + text + "'");
}

// In a cluster a command's keys must share a slot, or the node refuses it (CROSSSLOT): the
// user's mistake, so it is refused before the run. Templates draw their keys, so a few hundred
// draws stand in for a proof; keys in one {hash tag} always pass.
void check_keys_share_a_slot(const RedisOperation& op, const redis::CommandKeys& keys) {
  redis::CommandBuilder builder(op.command);
  Rng rng;
  std::string scratch;
  for (int draw = 0; draw < 256; ++draw) {
    scratch.clear();
    builder.append(scratch, rng);
    if (redis::keys_share_a_slot(keys, builder.arguments())) continue;
    throw std::invalid_argument("operation '" + op.name + "': " + builder.name() +
                                "'s keys fall in different cluster slots, which a cluster refuses "
                                "(CROSSSLOT); give them one hash tag, such as user:{{id}}:a and "
                                "user:{{id}}:b, so they share a slot");
  }
}

void plan_cluster(const RedisRunSpec& spec, RedisShared& shared) {
  if (!spec.unix_path.empty())
    throw std::invalid_argument("--cluster: a cluster is reached over TCP; give a redis://host:port URL");
  if (spec.tls)
    throw std::invalid_argument(
        "--cluster over rediss:// is not supported yet; use redis:// to reach the cluster");
  if (spec.db != 0)
    throw std::invalid_argument("--cluster: a cluster has database 0 only; drop the /" +
                                std::to_string(spec.db) + " from the URL");
  std::vector<std::string> names;
  for (const auto& op : spec.operations) names.push_back(redis::CommandBuilder(op.command).name());
  auto plan = redis::discover_cluster(
      redis::SeedNode{spec.host, spec.port, spec.username, spec.password, spec.connect_timeout}, names);
  for (std::size_t i = 0; i < spec.operations.size(); ++i) {
    const auto& op = spec.operations[i];
    const auto& keys = plan.keys[i];
    if (!keys.known)
      throw std::invalid_argument("operation '" + op.name + "': the cluster does not know the command " +
                                  names[i] + "; check its spelling");
    if (keys.movable)
      throw std::invalid_argument("operation '" + op.name + "': " + names[i] +
                                  " names its keys in its arguments (like EVAL's numkeys), which "
                                  "--cluster cannot route; use a command with fixed key positions");
    check_keys_share_a_slot(op, keys);
  }
  shared.cluster = std::make_shared<const redis::ClusterPlan>(std::move(plan));
  shared.read_from = read_from(spec.read_from);
  if (shared.read_from != redis::ReadFrom::primary) {
    // A replica answers reads only on a connection that said READONLY; a primary ignores it.
    redis::append_command(shared.handshake, {"READONLY"});
    ++shared.handshake_replies;
  }
}

}  // namespace

RedisShared RedisProtocol::prepare(const Spec& spec) {
  RedisShared shared;
  for (const auto& op : spec.operations) {
    try {
      redis::CommandBuilder check(op.command);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("operation '" + op.name + "': " + e.what());
    }
  }
  if (spec.cluster) {
    plan_cluster(spec, shared);
  } else if (!spec.unix_path.empty()) {
    shared.endpoint = asio::local::stream_protocol::endpoint(spec.unix_path);
    shared.tcp = false;
  } else {
    shared.endpoint = resolve_host(spec.host, spec.port);
  }
  if (!spec.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!spec.username.empty()) auth.push_back(spec.username);
    auth.push_back(spec.password);
    redis::append_command(shared.handshake, auth);
    ++shared.handshake_replies;
  }
  if (spec.db != 0) {
    redis::append_command(shared.handshake, {"SELECT", std::to_string(spec.db)});
    ++shared.handshake_replies;
  }
  if (spec.tls) {
    shared.tls = std::make_shared<const tls::ClientContext>(spec.tls_options);
    shared.server_name = spec.host;
  }
  return shared;
}

RedisProtocol::RedisProtocol(const Spec& spec, const Shared& shared, int index, int worker_count)
    : spec_(spec), shared_(shared) {
  for (const auto& op : spec.operations) {
    builders_.emplace_back(op.command);
    builders_.back().partition(index, worker_count);
    reads_.push_back(is_read_command(builders_.back().name()));
  }
  if (shared.cluster) {
    cluster_ = std::make_unique<redis::ClusterRouter>(shared.cluster->topology, shared.cluster->keys,
                                                      shared.read_from);
    share_ = std::max<int>(1, static_cast<int>(cluster_->primaries().size()));
  }
}

RedisConnection& RedisProtocol::shared_connection(int node, int group) {
  const auto n = static_cast<std::size_t>(node);
  const auto index = static_cast<std::size_t>(group / share_);
  if (node_connections_.size() <= n) node_connections_.resize(n + 1);
  auto& per_node = node_connections_[n];
  if (per_node.size() <= index) per_node.resize(index + 1);
  // Its lanes are those of `share_` groups: at worst all of them want this node at once.
  if (!per_node[index])
    per_node[index] = std::make_unique<RedisConnection>(*worker_, node, share_ * spec_.pipeline);
  return *per_node[index];
}

RedisProtocol::~RedisProtocol() = default;

RedisRoute& RedisProtocol::connection_for(int lane, Worker<RedisProtocol>& worker) {
  const auto index = static_cast<std::size_t>(lane / spec_.pipeline);
  worker_ = &worker;
  while (routes_.size() <= index)
    routes_.push_back(std::make_unique<RedisRoute>(worker, static_cast<int>(routes_.size()), spec_.pipeline));
  return *routes_[index];
}

const asio::generic::stream_protocol::endpoint& RedisProtocol::endpoint_of(int node) const noexcept {
  return cluster_ ? cluster_->nodes()[static_cast<std::size_t>(node)].endpoint : shared_.endpoint;
}

void RedisProtocol::add_to(RunResult& result) const {
  if (!cluster_) return;
  for (const auto& node : cluster_->nodes()) {
    const std::string address = node.host + ":" + std::to_string(node.port);
    auto it = std::find_if(result.nodes.begin(), result.nodes.end(),
                           [&](const NodeResult& r) { return r.address == address; });
    if (it == result.nodes.end()) {
      NodeResult row;
      row.address = address;
      row.role = node.primary < 0 ? "primary" : "replica";
      result.nodes.push_back(std::move(row));
      it = result.nodes.end() - 1;
    }
    it->requests += node.stats.requests;
    it->errors += node.stats.errors;
    it->redirects += node.stats.redirects;
    it->service.add(node.stats.service);
  }
}

}  // namespace surge
