// Redis command templates: split into arguments and rendered as RESP, whatever the text.
#include <stdexcept>
#include <string>

#include "fuzz_input.hpp"
#include "surge/core/rng.hpp"
#include "surge/proto/redis/command_builder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  surge::Rng rng(input.byte());
  try {
    surge::redis::CommandSpec spec;
    spec.variables = {{"key", std::string(input.take(input.byte() % 40))}};
    spec.command = std::string(input.rest());
    surge::redis::CommandBuilder builder(spec);
    builder.partition(1, 2);
    std::string out;
    for (int i = 0; i < 4; ++i) builder.append(out, rng);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
