#include <pybind11/stl.h>

#include "register.hpp"
#include "surge/target/target_server.hpp"

namespace py = pybind11;

namespace surge::bindings {

void register_target(py::module_& m) {
  using target::TargetServer;
  py::class_<TargetServer>(m, "TargetServer")
      .def(py::init<>())
      .def("start", &TargetServer::start, py::arg("host"), py::arg("port"), py::arg("threads"),
           py::call_guard<py::gil_scoped_release>())
      // Joining the server threads never needs Python, so the GIL is released.
      .def("stop", &TargetServer::stop, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("running", &TargetServer::running)
      .def_property_readonly("port", &TargetServer::port)
      .def_property_readonly("requests_served", &TargetServer::requests_served)
      .def_property_readonly("open_connections", &TargetServer::open_connections)
      .def("set_limits", &TargetServer::set_limits, py::arg("idle_ns"), py::arg("request_ns"),
           py::arg("connections"))
      .def("enable_tls", &TargetServer::enable_tls, py::arg("certificate_pem"), py::arg("key_pem"))
      .def("set_latency",
           [](TargetServer& s, const std::string& kind, double a_ms, double b_ms) {
             target::LatencyKind k{};
             if (kind == "none")
               k = target::LatencyKind::none;
             else if (kind == "fixed")
               k = target::LatencyKind::fixed;
             else if (kind == "uniform")
               k = target::LatencyKind::uniform;
             else if (kind == "lognormal")
               k = target::LatencyKind::lognormal;
             else
               throw std::invalid_argument("latency kind must be none, fixed, uniform or lognormal");
             s.knobs().set_latency(k, a_ms, b_ms);
           })
      .def("set_stall", [](TargetServer& s, std::int64_t every_ns,
                           std::int64_t length_ns) { s.knobs().set_stall(every_ns, length_ns); })
      .def_property_readonly("stall_origin_ns", [](TargetServer& s) { return s.knobs().stall_origin(); })
      .def("set_error_ratio", [](TargetServer& s, double r) { s.knobs().set_error_ratio(r); })
      .def("set_drop_ratio", [](TargetServer& s, double r) { s.knobs().set_drop_ratio(r); })
      .def("set_cpu_work", [](TargetServer& s, std::int64_t ns) { s.knobs().set_cpu_work(ns); })
      .def("set_leak", [](TargetServer& s, std::size_t bytes) { s.leak().set_bytes_per_request(bytes); })
      .def_property_readonly("leaked_bytes", [](TargetServer& s) { return s.leak().kept(); })
      .def("cache_get", [](TargetServer& s, const std::string& key) { return s.api().cache_get(key); })
      .def("cache_size", [](TargetServer& s) { return s.api().cache_size(); });
}

}  // namespace surge::bindings
