// HTTP's run spec and run, bound into the module (not the engine library). HTTP/2 shares them.
#include <pybind11/stl.h>

#include "bindings/register.hpp"
#include "bindings/register_run.hpp"
#include "surge/proto/http/protocol.hpp"
#include "surge/proto/http2/version.hpp"

namespace py = pybind11;

namespace surge::bindings {

namespace {

// A journey's parts (proto/http/journey.hpp), built by surge.http.journey().
void register_journey_parts(py::module_& m) {
  py::class_<http::Extraction> extraction(m, "HttpExtraction");
  py::enum_<http::Extraction::From>(extraction, "From")
      .value("json", http::Extraction::From::json)
      .value("header", http::Extraction::From::header)
      .value("regex", http::Extraction::From::regex)
      .value("body", http::Extraction::From::body)
      .value("status", http::Extraction::From::status);
  extraction.def(py::init<http::Extraction::From, std::string>(), py::arg("source"), py::arg("expression"))
      .def_readwrite("source", &http::Extraction::from)
      .def_readwrite("expression", &http::Extraction::expression);
  py::class_<http::Capture>(m, "HttpCapture")
      .def(py::init<std::string, http::Extraction>(), py::arg("variable"), py::arg("source"))
      .def_readwrite("variable", &http::Capture::variable)
      .def_readwrite("source", &http::Capture::source);
  py::class_<http::ValueCheck> check(m, "HttpValueCheck");
  py::enum_<http::ValueCheck::Kind>(check, "Kind")
      .value("exists", http::ValueCheck::Kind::exists)
      .value("equals", http::ValueCheck::Kind::equals)
      .value("matches", http::ValueCheck::Kind::matches);
  check
      .def(py::init<http::Extraction, http::ValueCheck::Kind, std::string>(), py::arg("subject"),
           py::arg("kind"), py::arg("expected"))
      .def_readwrite("subject", &http::ValueCheck::subject)
      .def_readwrite("kind", &http::ValueCheck::kind)
      .def_readwrite("expected", &http::ValueCheck::expected);
  py::enum_<http::OnFailure>(m, "HttpOnFailure")
      .value("abort", http::OnFailure::abort)
      .value("go_on", http::OnFailure::go_on)
      .value("restart", http::OnFailure::restart);
  py::class_<http::StepSpec>(m, "HttpStepSpec")
      .def(py::init<>())
      .def_readwrite("captures", &http::StepSpec::captures)
      .def_readwrite("checks", &http::StepSpec::checks)
      .def_readwrite("think_min", &http::StepSpec::think_min)
      .def_readwrite("think_max", &http::StepSpec::think_max)
      .def_readwrite("on_failure", &http::StepSpec::on_failure);
  py::class_<http::Feeder> feeder(m, "HttpFeeder");
  py::enum_<http::Feeder::Mode>(feeder, "Mode")
      .value("circular", http::Feeder::Mode::circular)
      .value("random", http::Feeder::Mode::random)
      .value("unique", http::Feeder::Mode::unique);
  feeder.def(py::init<>())
      .def_readwrite("name", &http::Feeder::name)
      .def_readwrite("mode", &http::Feeder::mode)
      .def_readwrite("columns", &http::Feeder::columns)
      .def_readwrite("rows", &http::Feeder::rows);
  py::class_<http::Transaction>(m, "HttpTransaction")
      .def(py::init<int, int, int>(), py::arg("operation"), py::arg("first"), py::arg("last"))
      .def_readwrite("operation", &http::Transaction::operation)
      .def_readwrite("first", &http::Transaction::first)
      .def_readwrite("last", &http::Transaction::last);
  py::class_<http::Journey>(m, "HttpJourney")
      .def(py::init<>())
      .def_readwrite("name", &http::Journey::name)
      .def_readwrite("steps", &http::Journey::steps)
      .def_readwrite("feeder", &http::Journey::feeder)
      .def_readwrite("variables", &http::Journey::variables)
      .def_readwrite("transactions", &http::Journey::transactions)
      .def_readwrite("cookies", &http::Journey::cookies);
}

void register_http(py::module_& m) {
  register_journey_parts(m);
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
      .def_readwrite("max_body_bytes", &HttpOperation::max_body_bytes)
      .def_readwrite("journey", &HttpOperation::journey)
      .def_readwrite("step_of", &HttpOperation::step_of)
      .def_readwrite("step", &HttpOperation::step);

  py::class_<HttpRunSpec, RunSettings>(m, "HttpRunSpec")
      .def(py::init<>())
      .def_readwrite("host", &HttpRunSpec::host)
      .def_readwrite("port", &HttpRunSpec::port)
      .def_readwrite("host_header", &HttpRunSpec::host_header)
      .def_readwrite("tls", &HttpRunSpec::tls)
      .def_readwrite("tls_options", &HttpRunSpec::tls_options)
      .def_readwrite("http_version", &HttpRunSpec::http_version)
      .def_readwrite("max_streams", &HttpRunSpec::max_streams)
      .def_readwrite("operations", &HttpRunSpec::operations)
      .def_readwrite("journeys", &HttpRunSpec::journeys)
      .def_readwrite("feeders", &HttpRunSpec::feeders);

  // ALPN (or the user) picks HTTP/1.1 or HTTP/2, so the run is run_http's, not one protocol's.
  register_run<HttpProtocol, &run_http>(
      m, "run_http",
      "Run an HTTP load in HTTP/1.1 or HTTP/2 (ALPN's choice when http_version is 0); releases the GIL.");
}

const ProtocolRegistration registration{"http", &register_http};

}  // namespace

}  // namespace surge::bindings
