// What a Redis run is: the server, its operations (templated commands) and the load model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/engine/run_spec.hpp"
#include "surge/proto/redis/command_builder.hpp"

namespace surge {

struct RedisOperation {
  std::string name;
  double weight = 1.0;
  redis::CommandSpec command;
};

struct RedisRunSpec : RunSettings {
  RedisRunSpec() { request_timeout = 10 * kNanosPerSecond; }

  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string unix_path;  // non-empty: connect to this socket instead of host:port
  std::string username;   // AUTH username (Redis 6 ACL); empty: AUTH with the password only
  std::string password;   // empty: no AUTH
  int db = 0;             // SELECT at connect when not 0
  int pipeline = 1;       // commands in flight per connection; the load model counts lanes
  std::vector<RedisOperation> operations;
};

// Throws std::invalid_argument naming the field when the spec cannot run.
void validate(const RedisRunSpec& spec);

}  // namespace surge
