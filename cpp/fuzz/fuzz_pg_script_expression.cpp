// pgbench expression programs as arbitrary bytes: parse() must refuse what it cannot run
// (std::invalid_argument), and what it accepts must evaluate to one value or a ScriptError,
// never read past the stack, loop, or overflow on the way (UBSan watches the arithmetic).
#include <stdexcept>
#include <string>

#include "fuzz_input.hpp"
#include "surge/proto/pg/script_expression.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  const std::uint8_t client = input.byte();
  const std::string program(input.rest());
  try {
    auto expression = surge::pg::ScriptExpression::parse(program, [](std::string_view name) {
      return name == "a" ? 0 : name == "b" ? 1 : name == "c" ? 2 : -1;
    });
    const surge::pg::ScriptValue variables[] = {surge::pg::ScriptValue::integer(-9223372036854775807LL - 1),
                                                surge::pg::ScriptValue::real(2.5), surge::pg::ScriptValue{}};
    surge::Rng rng(client);
    for (int round = 0; round < 2; ++round) {
      try {
        std::string text;
        expression.evaluate(variables, client, rng).append_to(text);
      } catch (const surge::pg::ScriptError&) {
      }
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
