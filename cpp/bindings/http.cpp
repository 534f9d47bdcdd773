// HTTP's run spec and run.
#include <pybind11/stl.h>

#include "register.hpp"
#include "register_run.hpp"
#include "surge/proto/http/protocol.hpp"
#include "surge/proto/http2/version.hpp"

namespace py = pybind11;

namespace surge::bindings {

void register_http(py::module_& m) {
  py::class_<HttpOperation>(m, "HttpOperation")
      .def(py::init<>())
      .def_readwrite("name", &HttpOperation::name)
      .def_readwrite("weight", &HttpOperation::weight)
      .def_property(
          "method", [](const HttpOperation& o) { return o.request.method; },
          [](HttpOperation& o, std::string v) { o.request.method = std::move(v); })
      .def_property(
          "path", [](const HttpOperation& o) { return o.request.path; },
          [](HttpOperation& o, std::string v) { o.request.path = std::move(v); })
      .def_property(
          "headers", [](const HttpOperation& o) { return o.request.headers; },
          [](HttpOperation& o, std::vector<std::pair<std::string, std::string>> v) {
            o.request.headers = std::move(v);
          })
      .def_property(
          "body", [](const HttpOperation& o) { return o.request.body; },
          [](HttpOperation& o, std::string v) { o.request.body = std::move(v); })
      .def_property(
          "variables", [](const HttpOperation& o) { return o.request.variables; },
          [](HttpOperation& o, std::vector<std::pair<std::string, std::string>> v) {
            o.request.variables = std::move(v);
          })
      .def_readwrite("expect_status", &HttpOperation::expect_status)
      .def_readwrite("expect_body", &HttpOperation::expect_body)
      .def_readwrite("miss_status", &HttpOperation::miss_status)
      .def_readwrite("max_body_bytes", &HttpOperation::max_body_bytes);

  py::class_<HttpRunSpec, RunSettings>(m, "HttpRunSpec")
      .def(py::init<>())
      .def_readwrite("host", &HttpRunSpec::host)
      .def_readwrite("port", &HttpRunSpec::port)
      .def_readwrite("host_header", &HttpRunSpec::host_header)
      .def_readwrite("tls", &HttpRunSpec::tls)
      .def_readwrite("tls_options", &HttpRunSpec::tls_options)
      .def_readwrite("http_version", &HttpRunSpec::http_version)
      .def_readwrite("max_streams", &HttpRunSpec::max_streams)
      .def_readwrite("operations", &HttpRunSpec::operations);

  m.def(
      "run_http",
      [](const HttpRunSpec& spec, const std::optional<py::function>& progress) {
        return run_releasing_gil(spec, progress, &run_http);
      },
      py::arg("spec"), py::arg("progress") = py::none(),
      "Run an HTTP load in HTTP/1.1 or HTTP/2 (ALPN's choice when http_version is 0); releases the GIL.");
}

}  // namespace surge::bindings
