#include <pybind11/stl.h>

#include "register.hpp"
#include "surge/core/request_template.hpp"
#include "surge/core/value_generator.hpp"

namespace py = pybind11;

namespace surge::bindings {

void register_generators(py::module_& m) {
  m.def(
      "sample",
      [](const std::string& spec, int n, std::uint64_t seed) {
        auto generator = ValueGenerator::parse(spec);
        Rng rng(seed);
        std::vector<std::string> out;
        std::string value;
        for (int i = 0; i < n; ++i) {
          value.clear();
          generator.append(value, rng);
          out.push_back(value);
        }
        return out;
      },
      py::arg("spec"), py::arg("n"), py::arg("seed") = 1, "Draw n values from a generator spec.");
  m.def(
      "render",
      [](const std::string& text, const std::vector<std::pair<std::string, std::string>>& variables, int n,
         std::uint64_t seed) {
        VariableSet set;
        for (const auto& [name, spec] : variables) set.declare(name, spec);
        auto t = RequestTemplate::parse(text, set);
        Rng rng(seed);
        std::vector<std::string> out;
        for (int i = 0; i < n; ++i) {
          set.draw(rng);
          std::string rendered;
          t.render(rendered, set, rng);
          out.push_back(std::move(rendered));
        }
        return out;
      },
      py::arg("template"), py::arg("variables"), py::arg("n"), py::arg("seed") = 1,
      "Render a template n times; validates it like a run would.");
}

}  // namespace surge::bindings
