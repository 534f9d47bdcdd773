// One worker's view of a Redis Cluster: which node serves each slot, which command's keys are
// where, and what each node answered. It starts from the topology read before the run and
// learns from the nodes as the run goes: MOVED moves a slot for good; a node whose connection
// was lost is "suspect", and commands for its slots go to another node first, whose MOVED says
// who serves them now (a replica promoted in its place) or that it is still the lost node.
// Single-threaded: each worker has its own.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "surge/core/hdr_histogram.hpp"
#include "surge/proto/redis/cluster_discovery.hpp"

namespace surge::redis {

enum class ReadFrom { primary, replica, any };

// What one node answered during the measured window.
struct NodeStats {
  std::int64_t requests = 0;   // replies, redirects included
  std::int64_t errors = 0;     // error replies other than redirects
  std::int64_t redirects = 0;  // MOVED and ASK
  HdrHistogram service;        // from the write to this node to its reply
};

class ClusterRouter {
 public:
  struct Node {
    std::string host;
    std::uint16_t port = 0;
    boost::asio::generic::stream_protocol::endpoint endpoint;
    int primary = -1;  // -1: a primary when the run started, or learnt as one from MOVED
    std::vector<int> replicas;
    bool suspect = false;  // its last connection was lost or refused
    NodeStats stats;
  };

  // `keys`: one per operation, in the spec's order.
  ClusterRouter(const ClusterTopology& topology, std::vector<CommandKeys> keys, ReadFrom read_from);

  // The node for a command of operation `op` with these (rendered) arguments. `spread` varies
  // the pick among replicas, and among primaries for a command without keys.
  [[nodiscard]] int node_for(int op, const std::vector<std::string>& arguments, unsigned spread);
  // The node at "host:port" (an empty host: `from`'s host), added if it is new.
  int node_at(std::string_view address, int from);
  void moved(int slot, int node) noexcept;
  void lost(int node) noexcept { nodes_[static_cast<std::size_t>(node)].suspect = true; }
  void reached(int node) noexcept { nodes_[static_cast<std::size_t>(node)].suspect = false; }

  [[nodiscard]] std::size_t size() const noexcept { return nodes_.size(); }
  [[nodiscard]] Node& node(int index) noexcept { return nodes_[static_cast<std::size_t>(index)]; }
  [[nodiscard]] const std::vector<Node>& nodes() const noexcept { return nodes_; }
  // Primaries as the run started: the connections opened ahead of the load.
  [[nodiscard]] const std::vector<int>& primaries() const noexcept { return primaries_; }

 private:
  [[nodiscard]] int any_reachable_primary(unsigned spread) const noexcept;

  std::vector<Node> nodes_;
  std::vector<int> owner_;  // slot -> node
  std::vector<int> primaries_;
  std::vector<CommandKeys> keys_;
  ReadFrom read_from_;
};

// The slot of a command's first key; -1 for a command without keys.
[[nodiscard]] int command_slot(const CommandKeys& keys, const std::vector<std::string>& arguments) noexcept;
// Whether every key of the command is in the same slot.
[[nodiscard]] bool keys_share_a_slot(const CommandKeys& keys,
                                     const std::vector<std::string>& arguments) noexcept;

}  // namespace surge::redis
