#include "surge/proto/redis/cluster_router.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "surge/engine/resolve.hpp"

namespace surge::redis {

namespace {

boost::asio::generic::stream_protocol::endpoint endpoint_of(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  // Nodes name themselves by address; a host name (cluster-announce-hostname) is resolved once.
  if (!ec) return boost::asio::ip::tcp::endpoint(address, port);
  return resolve_all(host, port).front();
}

// The positions of a command's keys among its arguments (0 is the command's name).
template <class Visit>
void for_each_key(const CommandKeys& keys, std::size_t count, Visit&& visit) {
  if (keys.first <= 0 || static_cast<std::size_t>(keys.first) >= count) return;
  const long long last = keys.last < 0 ? static_cast<long long>(count) + keys.last : keys.last;
  const int step = keys.step > 0 ? keys.step : 1;
  for (long long i = keys.first; i <= last && i < static_cast<long long>(count); i += step)
    visit(static_cast<std::size_t>(i));
}

}  // namespace

int command_slot(const CommandKeys& keys, const std::vector<std::string>& arguments) noexcept {
  if (keys.first <= 0 || static_cast<std::size_t>(keys.first) >= arguments.size()) return -1;
  return hash_slot(arguments[static_cast<std::size_t>(keys.first)]);
}

bool keys_share_a_slot(const CommandKeys& keys, const std::vector<std::string>& arguments) noexcept {
  const int slot = command_slot(keys, arguments);
  bool shared = true;
  for_each_key(keys, arguments.size(),
               [&](std::size_t i) { shared = shared && hash_slot(arguments[i]) == slot; });
  return shared;
}

ClusterRouter::ClusterRouter(const ClusterTopology& topology, std::vector<CommandKeys> keys,
                             ReadFrom read_from)
    : owner_(topology.owner), keys_(std::move(keys)), read_from_(read_from) {
  for (const auto& n : topology.nodes) {
    Node node;
    node.host = n.host;
    node.port = n.port;
    node.endpoint = endpoint_of(n.host, n.port);
    node.primary = n.primary;
    nodes_.push_back(std::move(node));
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].primary < 0) {
      primaries_.push_back(static_cast<int>(i));
    } else {
      nodes_[static_cast<std::size_t>(nodes_[i].primary)].replicas.push_back(static_cast<int>(i));
    }
  }
}

int ClusterRouter::any_reachable_primary(unsigned spread) const noexcept {
  for (std::size_t k = 0; k < primaries_.size(); ++k) {
    const int candidate = primaries_[(spread + k) % primaries_.size()];
    if (!nodes_[static_cast<std::size_t>(candidate)].suspect) return candidate;
  }
  return primaries_[spread % primaries_.size()];
}

int ClusterRouter::node_for(int op, const std::vector<std::string>& arguments, unsigned spread) {
  const auto& keys = keys_[static_cast<std::size_t>(op)];
  const int slot = command_slot(keys, arguments);
  if (slot < 0) return any_reachable_primary(spread);
  const int owner = owner_[static_cast<std::size_t>(slot)];
  const Node& primary = nodes_[static_cast<std::size_t>(owner)];
  if (keys.readonly && read_from_ != ReadFrom::primary && !primary.replicas.empty()) {
    // replica: the slot's replicas in turn; any: its primary and its replicas in turn.
    const std::size_t choices = primary.replicas.size() + (read_from_ == ReadFrom::any ? 1 : 0);
    const std::size_t pick = spread % choices;
    const int node = pick < primary.replicas.size() ? primary.replicas[pick] : owner;
    if (!nodes_[static_cast<std::size_t>(node)].suspect) return node;
  }
  // A lost primary's slots may have a new primary by now: another node's MOVED will say.
  if (primary.suspect) return any_reachable_primary(spread);
  return owner;
}

int ClusterRouter::node_at(std::string_view address, int from) {
  const auto colon = address.rfind(':');
  std::string host(address.substr(0, colon));
  if (host.empty() || host == "?") host = nodes_[static_cast<std::size_t>(from)].host;
  const auto port = static_cast<std::uint16_t>(std::stoi(std::string(address.substr(colon + 1))));
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].host == host && nodes_[i].port == port) return static_cast<int>(i);
  Node node;
  node.host = host;
  node.port = port;
  node.endpoint = endpoint_of(host, port);
  nodes_.push_back(std::move(node));
  return static_cast<int>(nodes_.size()) - 1;
}

void ClusterRouter::moved(int slot, int node) noexcept {
  owner_[static_cast<std::size_t>(slot)] = node;
  // A node that now serves a slot is a primary, whatever it was when the run started (a
  // promoted replica); its old primary's replicas are its own now, as far as reads go.
  Node& moved_to = nodes_[static_cast<std::size_t>(node)];
  if (moved_to.primary >= 0) {
    auto& old = nodes_[static_cast<std::size_t>(moved_to.primary)];
    std::erase(old.replicas, node);
    moved_to.primary = -1;
  }
}

}  // namespace surge::redis
