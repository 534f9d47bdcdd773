// Before a cluster run: one blocking connection to the node the user named asks which node
// serves which slot (CLUSTER SHARDS, or CLUSTER SLOTS on servers before 7.0) and where each
// command's keys are (COMMAND INFO), so routing needs no table of commands of its own.
#pragma once

#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/proto/redis/cluster_topology.hpp"

namespace surge::redis {

// Where a command's keys are among its arguments, as COMMAND INFO gives them: the first and
// last key's positions (last -1: to the end) and the step between keys. first == 0: no key.
struct CommandKeys {
  int first = 0;
  int last = 0;
  int step = 0;
  bool readonly = false;  // a read a replica may serve
  bool movable = false;   // keys found only by reading the arguments (EVAL's numkeys): not routable
  bool known = false;     // the server knows the command
};

struct ClusterPlan {
  ClusterTopology topology;
  std::vector<CommandKeys> keys;  // one per name asked for
};

struct SeedNode {
  std::string host;
  int port = 0;
  std::string username;
  std::string password;
  Nanos timeout = 0;
};

// Throws std::invalid_argument in one line: the node cannot be reached, refuses AUTH, is not in
// cluster mode, or serves a cluster with slots nobody owns.
[[nodiscard]] ClusterPlan discover_cluster(const SeedNode& seed,
                                           const std::vector<std::string>& command_names);

}  // namespace surge::redis
