// Generator specs and templates as users write them: parsed, partitioned between workers and
// rendered, whatever the text.
#include <stdexcept>
#include <string>

#include "fuzz_input.hpp"
#include "surge/core/request_template.hpp"
#include "surge/core/rng.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  const std::uint8_t workers = input.byte() % 4 + 1;
  surge::Rng rng(input.byte());
  try {
    surge::VariableSet variables;
    variables.declare("v", input.take(input.byte()));
    auto t = surge::RequestTemplate::parse(input.rest(), variables);
    variables.partition(workers - 1, workers);
    t.partition(workers - 1, workers);
    (void)t.may_break_lines(variables);
    std::string out;
    for (int i = 0; i < 8; ++i) {
      variables.draw(rng);
      out.clear();
      t.render(out, variables, rng);
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
