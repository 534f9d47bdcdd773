#include <pybind11/pybind11.h>

#include "register.hpp"
#include "surge/core/clock.hpp"
#include "surge/engine/operation_defaults.hpp"

#ifndef SURGE_VERSION
#define SURGE_VERSION "0.0.0"
#endif

PYBIND11_MODULE(_core, m) {
  m.doc() = "surge's native engine (private: use the surge package)";
  m.attr("__version__") = SURGE_VERSION;
  m.def("now_ns", &surge::now_ns, "The engine's monotonic clock, in nanoseconds.");
  m.attr("DEFAULT_WEIGHT") = surge::kDefaultWeight;  // an operation's weight when none is given
  surge::bindings::register_histogram(m);
  surge::bindings::register_generators(m);
  surge::bindings::register_target(m);
  surge::bindings::register_run_settings(m);
  surge::bindings::register_results(m);
  surge::bindings::register_load_control(m);
  surge::bindings::register_tls(m);  // before the protocols whose specs hold its options
  surge::bindings::register_protocols(m);
}
