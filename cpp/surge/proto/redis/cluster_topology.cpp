#include "surge/proto/redis/cluster_topology.hpp"

#include <hiredis/hiredis.h>

#include <stdexcept>
#include <string_view>

namespace surge::redis {

namespace {

[[noreturn]] void bad_shape(const char* what) {
  throw std::invalid_argument(std::string("the cluster's topology reply is not as documented: ") + what);
}

std::string_view text_of(const redisReply& r) {
  if (r.type != REDIS_REPLY_STRING && r.type != REDIS_REPLY_STATUS) return {};
  return {r.str, r.len};
}

long long integer_of(const redisReply& r, const char* what) {
  if (r.type == REDIS_REPLY_INTEGER) return r.integer;
  if (r.type == REDIS_REPLY_STRING) {
    try {
      return std::stoll(std::string(r.str, r.len));
    } catch (const std::exception&) {
    }
  }
  bad_shape(what);
}

// RESP2 (all this hiredis speaks) answers a map as a flat array of key, value, key, value.
const redisReply* field(const redisReply& map, std::string_view key) {
  if (map.type != REDIS_REPLY_ARRAY) return nullptr;
  for (std::size_t i = 0; i + 1 < map.elements; i += 2)
    if (text_of(*map.element[i]) == key) return map.element[i + 1];
  return nullptr;
}

std::string host_or_seed(std::string_view ip, const std::string& seed_host) {
  if (ip.empty() || ip == "?") return seed_host;
  return std::string(ip);
}

std::uint16_t port_of(long long port) {
  if (port <= 0 || port > 65535) bad_shape("a node's port is out of range");
  return static_cast<std::uint16_t>(port);
}

void own(ClusterTopology& topology, long long first, long long last, int primary) {
  if (first < 0 || last >= kClusterSlots || first > last) bad_shape("a slot range is out of 0..16383");
  for (long long slot = first; slot <= last; ++slot) topology.owner[static_cast<std::size_t>(slot)] = primary;
}

}  // namespace

int ClusterTopology::add(const std::string& host, std::uint16_t port, int primary) {
  const int known = find(host, port);
  if (known >= 0) {
    nodes[static_cast<std::size_t>(known)].primary = primary;
    return known;
  }
  nodes.push_back(ClusterNode{host, port, primary});
  return static_cast<int>(nodes.size()) - 1;
}

int ClusterTopology::find(const std::string& host, std::uint16_t port) const noexcept {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].host == host && nodes[i].port == port) return static_cast<int>(i);
  return -1;
}

int ClusterTopology::unowned_slots() const noexcept {
  int unowned = 0;
  for (const int node : owner) unowned += node < 0 ? 1 : 0;
  return unowned;
}

ClusterTopology topology_from_shards(const redisReply& reply, const std::string& seed_host) {
  if (reply.type != REDIS_REPLY_ARRAY) bad_shape("CLUSTER SHARDS did not answer an array");
  ClusterTopology topology;
  for (std::size_t s = 0; s < reply.elements; ++s) {
    const redisReply& shard = *reply.element[s];
    const redisReply* slots = field(shard, "slots");
    const redisReply* nodes = field(shard, "nodes");
    if (slots == nullptr || nodes == nullptr || slots->type != REDIS_REPLY_ARRAY ||
        nodes->type != REDIS_REPLY_ARRAY)
      bad_shape("a shard without its slots and nodes");
    // The shard's primary first, so its replicas can name it; a failed node serves nothing.
    // "loading" is no bar: Redis 7 says it of any replica whose offset is 0, as every replica
    // of a cluster nobody has written to yet is.
    int primary = -1;
    for (std::size_t n = 0; n < nodes->elements; ++n) {
      const redisReply& node = *nodes->element[n];
      const redisReply* role = field(node, "role");
      const redisReply* health = field(node, "health");
      const redisReply* port = field(node, "port");
      if (role == nullptr || port == nullptr) bad_shape("a node without its role and port");
      if (text_of(*role) != "master" || (health != nullptr && text_of(*health) == "failed")) continue;
      const redisReply* ip = field(node, "ip");
      primary = topology.add(host_or_seed(ip != nullptr ? text_of(*ip) : "", seed_host),
                             port_of(integer_of(*port, "a node's port is not a number")), -1);
    }
    if (primary < 0) continue;
    for (std::size_t n = 0; n < nodes->elements; ++n) {
      const redisReply& node = *nodes->element[n];
      const redisReply* health = field(node, "health");
      if (text_of(*field(node, "role")) == "master" || (health != nullptr && text_of(*health) == "failed"))
        continue;
      const redisReply* ip = field(node, "ip");
      topology.add(host_or_seed(ip != nullptr ? text_of(*ip) : "", seed_host),
                   port_of(integer_of(*field(node, "port"), "a node's port is not a number")), primary);
    }
    if (slots->elements % 2 != 0) bad_shape("a shard's slots are not start, end pairs");
    for (std::size_t i = 0; i + 1 < slots->elements; i += 2)
      own(topology, integer_of(*slots->element[i], "a slot is not a number"),
          integer_of(*slots->element[i + 1], "a slot is not a number"), primary);
  }
  return topology;
}

ClusterTopology topology_from_slots(const redisReply& reply, const std::string& seed_host) {
  if (reply.type != REDIS_REPLY_ARRAY) bad_shape("CLUSTER SLOTS did not answer an array");
  ClusterTopology topology;
  for (std::size_t r = 0; r < reply.elements; ++r) {
    const redisReply& range = *reply.element[r];
    if (range.type != REDIS_REPLY_ARRAY || range.elements < 3) bad_shape("a slot range without its primary");
    int primary = -1;
    for (std::size_t n = 2; n < range.elements; ++n) {
      const redisReply& node = *range.element[n];
      if (node.type != REDIS_REPLY_ARRAY || node.elements < 2) bad_shape("a node without its address");
      const auto host = host_or_seed(text_of(*node.element[0]), seed_host);
      const auto port = port_of(integer_of(*node.element[1], "a node's port is not a number"));
      // The first node of a range is its primary; the rest replicate it.
      const int index = topology.add(host, port, n == 2 ? -1 : primary);
      if (n == 2) primary = index;
    }
    own(topology, integer_of(*range.element[0], "a slot is not a number"),
        integer_of(*range.element[1], "a slot is not a number"), primary);
  }
  return topology;
}

}  // namespace surge::redis
