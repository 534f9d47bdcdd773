#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <optional>
#include <tuple>

#include "register.hpp"
#include "surge/engine/http_runner.hpp"

namespace py = pybind11;

namespace surge::bindings {

namespace {

py::dict error_dict(const OperationStats& s) {
  py::dict d;
  for (int i = 0; i < kErrorClassCount; ++i)
    if (s.errors[static_cast<std::size_t>(i)] > 0)
      d[py::str(std::string(error_class_name(static_cast<ErrorClass>(i))))] =
          s.errors[static_cast<std::size_t>(i)];
  return d;
}

py::dict example_dict(const OperationStats& s) {
  py::dict d;
  for (int i = 0; i < kErrorClassCount; ++i)
    if (!s.examples[static_cast<std::size_t>(i)].empty())
      d[py::str(std::string(error_class_name(static_cast<ErrorClass>(i))))] =
          s.examples[static_cast<std::size_t>(i)];
  return d;
}

RunResult run(const HttpRunSpec& spec, const std::optional<py::function>& progress) {
  std::optional<py::error_already_set> callback_error;
  ProgressCallback on_interval;
  if (progress) {
    on_interval = [&](const IntervalReport& report) {
      py::gil_scoped_acquire acquire;
      try {
        const py::object keep_going = (*progress)(report);
        return keep_going.is_none() || keep_going.cast<bool>();
      } catch (py::error_already_set& e) {
        callback_error = std::move(e);
        return false;
      }
    };
  }
  const InterruptCheck interrupted = [] {
    py::gil_scoped_acquire acquire;
    // Runs Python's SIGINT handler if Ctrl-C arrived; the run then ends and keeps its data.
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      return true;
    }
    return false;
  };
  RunResult result;
  {
    // The engine touches no Python object; callbacks re-acquire the GIL once per interval.
    py::gil_scoped_release release;
    result = run_http(spec, on_interval, interrupted);
  }
  if (callback_error) throw std::move(*callback_error);
  return result;
}

}  // namespace

// Stages cross the boundary as (duration_s, from, to) triples; inf marks an open-ended hold.
using StageTuple = std::tuple<double, double, double>;

RateCurve curve_from(const std::vector<StageTuple>& stages) {
  std::vector<CurveSegment> segments;
  for (const auto& [duration, from, to] : stages)
    segments.push_back(CurveSegment{.duration_s = duration, .from = from, .to = to});
  return RateCurve(std::move(segments));  // std::invalid_argument -> ValueError
}

void register_http_run(py::module_& m) {
  py::enum_<LoadModel>(m, "LoadModel").value("closed", LoadModel::closed).value("open", LoadModel::open);
  py::enum_<Arrivals>(m, "Arrivals").value("uniform", Arrivals::uniform).value("poisson", Arrivals::poisson);
  py::enum_<ThinkKind>(m, "ThinkKind")
      .value("none", ThinkKind::none)
      .value("constant", ThinkKind::constant)
      .value("uniform", ThinkKind::uniform)
      .value("exponential", ThinkKind::exponential)
      .value("pacing", ThinkKind::pacing);

  py::class_<LoadSpec>(m, "LoadSpec")
      .def(py::init<>())
      .def_readwrite("model", &LoadSpec::model)
      .def_readwrite("threads", &LoadSpec::threads)
      .def_readwrite("requests", &LoadSpec::requests)
      .def_readwrite("duration_ns", &LoadSpec::duration)
      .def_readwrite("warmup_ns", &LoadSpec::warmup)
      .def_readwrite("interval_ns", &LoadSpec::interval)
      .def_readwrite("drain_ns", &LoadSpec::drain)
      .def("set_rate_stages", [](LoadSpec& l, const std::vector<StageTuple>& s) { l.rate = curve_from(s); })
      .def_readwrite("arrivals", &LoadSpec::arrivals)
      .def_readwrite("connections", &LoadSpec::connections)
      .def_readwrite("max_connections", &LoadSpec::max_connections)
      .def_readwrite("max_backlog", &LoadSpec::max_backlog)
      .def_readwrite("late_after_ns", &LoadSpec::late_after)
      .def("set_user_stages", [](LoadSpec& l, const std::vector<StageTuple>& s) { l.users = curve_from(s); })
      .def("set_think", [](LoadSpec& l, ThinkKind kind, Nanos a,
                           Nanos b) { l.think = ThinkTime{.kind = kind, .a = a, .b = b}; })
      .def_readwrite("iterations_per_user", &LoadSpec::iterations_per_user)
      .def_property_readonly("peak_users", &LoadSpec::peak_users);

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
      .def_readwrite("expect_body", &HttpOperation::expect_body);

  py::class_<HttpRunSpec>(m, "HttpRunSpec")
      .def(py::init<>())
      .def_readwrite("host", &HttpRunSpec::host)
      .def_readwrite("port", &HttpRunSpec::port)
      .def_readwrite("host_header", &HttpRunSpec::host_header)
      .def_readwrite("operations", &HttpRunSpec::operations)
      .def_readwrite("load", &HttpRunSpec::load)
      .def_readwrite("connect_timeout_ns", &HttpRunSpec::connect_timeout)
      .def_readwrite("request_timeout_ns", &HttpRunSpec::request_timeout)
      .def_readwrite("seed", &HttpRunSpec::seed);

  py::class_<OperationStats>(m, "OperationStats")
      .def_readonly("response", &OperationStats::response)
      .def_readonly("service", &OperationStats::service)
      .def_readonly("lag", &OperationStats::lag)
      .def_readonly("count", &OperationStats::count)
      .def_readonly("dropped", &OperationStats::dropped)
      .def_readonly("late", &OperationStats::late)
      .def_property_readonly("errors", &error_dict)
      .def_property_readonly("error_examples", &example_dict);

  py::class_<IntervalRow>(m, "IntervalRow")
      .def_readonly("t_s", &IntervalRow::t_s)
      .def_readonly("operation", &IntervalRow::operation)
      .def_readonly("count", &IntervalRow::count)
      .def_readonly("errors", &IntervalRow::errors)
      .def_readonly("dropped", &IntervalRow::dropped)
      .def_readonly("late", &IntervalRow::late)
      .def_readonly("p50_ns", &IntervalRow::p50_ns)
      .def_readonly("p90_ns", &IntervalRow::p90_ns)
      .def_readonly("p95_ns", &IntervalRow::p95_ns)
      .def_readonly("p99_ns", &IntervalRow::p99_ns)
      .def_readonly("max_ns", &IntervalRow::max_ns)
      .def_readonly("target_rate_per_s", &IntervalRow::target_rate_per_s)
      .def_readonly("users", &IntervalRow::users)
      .def_readonly("active_users", &IntervalRow::active_users);

  py::class_<IntervalReport>(m, "IntervalReport")
      .def_readonly("elapsed_s", &IntervalReport::elapsed_s)
      .def_readonly("interval_s", &IntervalReport::interval_s)
      .def_readonly("rows", &IntervalReport::rows)
      .def_readonly("total", &IntervalReport::total);

  py::class_<RunResult>(m, "RunResult")
      .def_readonly("operation_names", &RunResult::operation_names)
      .def_readonly("operations", &RunResult::operations)
      .def_readonly("timeseries", &RunResult::timeseries)
      .def_readonly("timeseries_total", &RunResult::timeseries_total)
      .def_readonly("t0_ns", &RunResult::t0_ns)
      .def_readonly("measure_start_ns", &RunResult::measure_start_ns)
      .def_readonly("measured_s", &RunResult::measured_s)
      .def_readonly("unfinished", &RunResult::unfinished)
      .def_readonly("interrupted", &RunResult::interrupted);

  m.def("run_http", &run, py::arg("spec"), py::arg("progress") = py::none(),
        "Run an HTTP load; releases the GIL for the whole run.");
}

}  // namespace surge::bindings
