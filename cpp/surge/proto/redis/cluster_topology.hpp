// Which node serves which slot of a Redis Cluster, read from a node's CLUSTER SHARDS reply
// (Redis 7) or CLUSTER SLOTS reply (older servers). Sans-IO: the replies come in as hiredis
// reply trees; cluster_discovery.cpp asks for them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "surge/proto/redis/cluster_slots.hpp"

struct redisReply;

namespace surge::redis {

struct ClusterNode {
  std::string host;
  std::uint16_t port = 0;
  int primary = -1;  // -1: a primary; otherwise the index of the primary it replicates

  [[nodiscard]] std::string address() const { return host + ":" + std::to_string(port); }
};

struct ClusterTopology {
  std::vector<ClusterNode> nodes;
  std::vector<int> owner = std::vector<int>(kClusterSlots, -1);  // slot -> primary's index; -1: none

  // The node at host:port, added if it is new.
  int add(const std::string& host, std::uint16_t port, int primary);
  [[nodiscard]] int find(const std::string& host, std::uint16_t port) const noexcept;
  // Slots no primary serves: 0 for a healthy cluster.
  [[nodiscard]] int unowned_slots() const noexcept;
};

// `seed_host` stands for a node whose reply gives no address of its own (an empty or "?" ip).
// Both throw std::invalid_argument when the reply is not of the documented shape.
[[nodiscard]] ClusterTopology topology_from_shards(const redisReply& reply, const std::string& seed_host);
[[nodiscard]] ClusterTopology topology_from_slots(const redisReply& reply, const std::string& seed_host);

}  // namespace surge::redis
