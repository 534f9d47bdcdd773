// One register_X per concept; module.cpp only calls them.
#pragma once

#include <pybind11/pybind11.h>

namespace surge::bindings {

void register_histogram(pybind11::module_& m);
void register_generators(pybind11::module_& m);
void register_target(pybind11::module_& m);
void register_load_spec(pybind11::module_& m);
void register_results(pybind11::module_& m);
void register_http_run(pybind11::module_& m);
void register_redis_run(pybind11::module_& m);
void register_pg_run(pybind11::module_& m);

}  // namespace surge::bindings
