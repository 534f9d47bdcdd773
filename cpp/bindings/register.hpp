// What module.cpp binds. The foundation (histograms, generators, the target, run settings,
// results, TLS options) is called in order, since a protocol's spec derives from RunSettings
// and holds TLS options, and pybind11 needs those bound first. Each protocol registers itself
// from its own folder (proto/<name>/bindings.cpp) with a ProtocolRegistration, so adding one
// edits no list here.
#pragma once

#include <pybind11/pybind11.h>

#include <string_view>

namespace surge::bindings {

void register_histogram(pybind11::module_& m);
void register_generators(pybind11::module_& m);
void register_target(pybind11::module_& m);
void register_run_settings(pybind11::module_& m);
void register_results(pybind11::module_& m);
void register_load_control(pybind11::module_& m);
void register_tls(pybind11::module_& m);

using RegisterFunction = void (*)(pybind11::module_&);

// A namespace-scope `const ProtocolRegistration` in a protocol's bindings.cpp adds its
// register function to the list at static-initialisation time; the bindings are compiled
// into the module itself, not into a library the linker could leave out.
class ProtocolRegistration {
 public:
  ProtocolRegistration(std::string_view name, RegisterFunction bind) noexcept;
};

// Calls every protocol's register function, in the order of their names (static
// initialisation has no order of its own), after the foundation.
void register_protocols(pybind11::module_& m);

}  // namespace surge::bindings
