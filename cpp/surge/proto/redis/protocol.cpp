#include "surge/proto/redis/protocol.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <stdexcept>

#include "surge/engine/pipelined_lane.hpp"
#include "surge/engine/resolve.hpp"
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
  if (!spec.unix_path.empty()) {
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
}

RedisProtocol::~RedisProtocol() = default;

RedisConnection& RedisProtocol::connection_for(int lane, Worker<RedisProtocol>& worker) {
  const auto index = static_cast<std::size_t>(lane / spec_.pipeline);
  while (connections_.size() <= index)
    connections_.push_back(std::make_unique<RedisConnection>(worker, spec_.pipeline));
  return *connections_[index];
}

}  // namespace surge
