// Sans-IO Redis command serialisation from templates: "SET {key} {value} EX 300" is split into
// arguments at spaces, each argument rendered from the shared template syntax, and the command
// appended to the output buffer as a RESP array of bulk strings, the form redis-server expects
// from clients (and hiredis' redisFormatCommandArgv writes). Appending lets one buffer carry a
// whole pipeline.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "surge/core/request_template.hpp"

namespace surge::redis {

struct CommandSpec {
  std::string command;  // e.g. "SET {key} {value} EX 300"; arguments are separated by spaces
  std::vector<std::pair<std::string, std::string>> variables;  // name -> generator spec
};

class CommandBuilder {
 public:
  // Throws std::invalid_argument naming the bad placeholder or an empty command.
  explicit CommandBuilder(const CommandSpec& spec);

  // Appends the next command to `out`.
  void append(std::string& out, Rng& rng);
  void partition(std::int64_t index, std::int64_t count) noexcept;
  // The command's name in upper case ("GET"), for reply classification.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  // The arguments of the command append() last built, the name first.
  [[nodiscard]] const std::vector<std::string>& arguments() const noexcept { return rendered_; }

 private:
  VariableSet variables_;
  std::vector<RequestTemplate> arguments_;
  std::vector<std::string> rendered_;  // reused per command
  std::string name_;
};

// The RESP form of one command from ready arguments: *N, then $len and the bytes of each.
void append_command(std::string& out, const std::vector<std::string>& arguments);

}  // namespace surge::redis
