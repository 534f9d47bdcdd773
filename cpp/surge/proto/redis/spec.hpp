// What a Redis run is: the server, its operations (templated commands) and, from RunSettings,
// the load model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "surge/engine/operation_defaults.hpp"
#include "surge/engine/run_settings.hpp"
#include "surge/proto/redis/command_builder.hpp"
#include "surge/proto/tls/tls_context.hpp"

namespace surge {

struct RedisOperation {
  std::string name;
  double weight = kDefaultWeight;
  redis::CommandSpec command;
};

struct RedisRunSpec : RunSettings {
  std::string host;
  std::uint16_t port = 0;
  std::string unix_path;  // non-empty: connect to this socket instead of host:port
  std::string username;   // AUTH username (Redis 6 ACL); empty: AUTH with the password only
  std::string password;   // empty: no AUTH
  int db = 0;             // SELECT at connect when not 0
  int pipeline = 1;       // commands in flight per connection
  bool tls = false;       // rediss://: each connection starts with a TLS handshake to `host`
  tls::ClientOptions tls_options;
  std::vector<RedisOperation> operations;
  // A Redis Cluster: host:port is one of its nodes; each command goes to the node serving its
  // key's slot (proto/redis/route.hpp).
  bool cluster = false;
  std::string read_from = "primary";  // cluster reads: "primary", "replica" or "any"
};

}  // namespace surge
