// What a run hands back to Python: per-operation statistics, interval rows and reports.
#include <pybind11/stl.h>

#include "register.hpp"
#include "surge/engine/run_result.hpp"

namespace py = pybind11;

namespace surge::bindings {

namespace {

// Error class name -> count, for the classes that occurred.
py::dict error_dict(const std::array<std::int64_t, kErrorClassCount>& errors) {
  py::dict d;
  for (int i = 0; i < kErrorClassCount; ++i)
    if (errors[static_cast<std::size_t>(i)] > 0)
      d[py::str(std::string(error_class_name(static_cast<ErrorClass>(i))))] =
          errors[static_cast<std::size_t>(i)];
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

py::dict error_code_dict(const OperationStats& s) {
  py::dict d;
  for (const auto& code : s.error_codes) d[py::str(std::string(code.text()))] = code.count;
  return d;
}

}  // namespace

void register_results(py::module_& m) {
  py::class_<OperationStats>(m, "OperationStats")
      .def_readonly("response", &OperationStats::response)
      .def_readonly("service", &OperationStats::service)
      .def_readonly("lag", &OperationStats::lag)
      .def_readonly("failed", &OperationStats::failed)
      .def_readonly("count", &OperationStats::count)
      .def_readonly("dropped", &OperationStats::dropped)
      .def_readonly("unfinished", &OperationStats::unfinished)
      .def_readonly("late", &OperationStats::late)
      .def_readonly("hits", &OperationStats::hits)
      .def_readonly("misses", &OperationStats::misses)
      .def_readonly("retries", &OperationStats::retries)
      .def_readonly("reconnects", &OperationStats::reconnects)
      .def_readonly("redirects", &OperationStats::redirects)
      .def_property_readonly("error_codes", &error_code_dict)
      .def_property_readonly("errors", [](const OperationStats& s) { return error_dict(s.errors); })
      .def_property_readonly("error_examples", &example_dict);

  py::class_<IntervalRow>(m, "IntervalRow")
      .def_readonly("t_s", &IntervalRow::t_s)
      .def_readonly("length_s", &IntervalRow::length_s)
      .def_readonly("operation", &IntervalRow::operation)
      .def_readonly("count", &IntervalRow::count)
      .def_readonly("errors", &IntervalRow::errors)
      .def_property_readonly("error_classes",
                             [](const IntervalRow& r) { return error_dict(r.error_classes); })
      .def_readonly("dropped", &IntervalRow::dropped)
      .def_readonly("late", &IntervalRow::late)
      .def_readonly("hits", &IntervalRow::hits)
      .def_readonly("misses", &IntervalRow::misses)
      .def_readonly("p50_ns", &IntervalRow::p50_ns)
      .def_readonly("p90_ns", &IntervalRow::p90_ns)
      .def_readonly("p95_ns", &IntervalRow::p95_ns)
      .def_readonly("p99_ns", &IntervalRow::p99_ns)
      .def_readonly("max_ns", &IntervalRow::max_ns)
      .def_readonly("lag_p99_ns", &IntervalRow::lag_p99_ns)
      .def_readonly("lag_max_ns", &IntervalRow::lag_max_ns)
      .def_readonly("histogram", &IntervalRow::histogram)
      .def_readonly("target_rate_per_s", &IntervalRow::target_rate_per_s)
      .def_readonly("users", &IntervalRow::users)
      .def_readonly("active_users", &IntervalRow::active_users);

  py::class_<RunningTotals>(m, "RunningTotals")
      .def_readonly("count", &RunningTotals::count)
      .def_property_readonly("errors", [](const RunningTotals& t) { return error_dict(t.errors); })
      .def_readonly("hits", &RunningTotals::hits)
      .def_readonly("misses", &RunningTotals::misses)
      .def_readonly("response", &RunningTotals::response);

  py::class_<IntervalReport>(m, "IntervalReport")
      .def_readonly("elapsed_s", &IntervalReport::elapsed_s)
      .def_readonly("interval_s", &IntervalReport::interval_s)
      .def_readonly("rows", &IntervalReport::rows)
      .def_readonly("total", &IntervalReport::total)
      .def_readonly("cumulative", &IntervalReport::cumulative)
      .def_readonly("cumulative_total", &IntervalReport::cumulative_total);

  py::class_<ConnectionStats>(m, "ConnectionStats")
      .def_readonly("connect", &ConnectionStats::connect)
      .def_readonly("handshake", &ConnectionStats::handshake)
      .def_readonly("opened", &ConnectionStats::opened)
      .def_readonly("failed", &ConnectionStats::failed)
      .def_readonly("tls_full", &ConnectionStats::tls_full)
      .def_readonly("tls_resumed", &ConnectionStats::tls_resumed);

  py::class_<WarmUpReport>(m, "WarmUpReport")
      .def_readonly("warm", &WarmUpReport::warm)
      .def_readonly("seconds", &WarmUpReport::seconds)
      .def_readonly("not_ready", &WarmUpReport::not_ready);

  py::class_<NodeResult>(m, "NodeResult")
      .def_readonly("address", &NodeResult::address)
      .def_readonly("role", &NodeResult::role)
      .def_readonly("requests", &NodeResult::requests)
      .def_readonly("errors", &NodeResult::errors)
      .def_readonly("redirects", &NodeResult::redirects)
      .def_readonly("service", &NodeResult::service);

  py::class_<StatementResult>(m, "StatementResult")
      .def_readonly("operation", &StatementResult::operation)
      .def_readonly("index", &StatementResult::index)
      .def_readonly("sql", &StatementResult::sql)
      .def_readonly("latency", &StatementResult::latency);

  py::class_<RunResult>(m, "RunResult")
      .def_readonly("operation_names", &RunResult::operation_names)
      .def_readonly("operations", &RunResult::operations)
      .def_readonly("total", &RunResult::total)
      .def_readonly("timeseries", &RunResult::timeseries)
      .def_readonly("timeseries_total", &RunResult::timeseries_total)
      .def_readonly("interval_s", &RunResult::interval_s)
      .def_readonly("measure_start_ns", &RunResult::measure_start_ns)
      .def_readonly("measured_s", &RunResult::measured_s)
      .def_readonly("unfinished", &RunResult::unfinished)
      .def_readonly("interrupted", &RunResult::interrupted)
      .def_readonly("connections", &RunResult::connections)
      .def_readonly("warm_up", &RunResult::warm_up)
      .def_readonly("protocol_version", &RunResult::protocol_version)
      .def_readonly("io", &RunResult::io)
      .def_readonly("pacer_lag", &RunResult::pacer_lag)
      .def_readonly("busy_share", &RunResult::busy_share)
      .def_readonly("failure", &RunResult::failure)
      .def_property_readonly("load_changes",
                             [](const RunResult& r) {
                               py::list changes;
                               for (const auto& c : r.load_changes)
                                 changes.append(py::dict(py::arg("at_s") = c.at_s, py::arg("kind") = c.kind,
                                                         py::arg("from") = c.from, py::arg("to") = c.to,
                                                         py::arg("spawn_rate") = c.spawn_rate));
                               return changes;
                             })
      .def_readonly("stopped", &RunResult::stopped)
      .def_readonly("nodes", &RunResult::nodes)
      .def_readonly("statements", &RunResult::statements);
}

}  // namespace surge::bindings
