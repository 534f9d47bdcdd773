// One register_X per concept; module.cpp only calls them.
#pragma once

#include <pybind11/pybind11.h>

namespace surge::bindings {

void register_histogram(pybind11::module_& m);
void register_generators(pybind11::module_& m);
void register_target(pybind11::module_& m);
void register_run_settings(pybind11::module_& m);
void register_results(pybind11::module_& m);
void register_tls(pybind11::module_& m);
// Protocols: each binds its spec and, through register_run<P>, its run.
void register_http(pybind11::module_& m);
void register_redis(pybind11::module_& m);
void register_pg(pybind11::module_& m);

}  // namespace surge::bindings
