// register_run<P>: binds `name(spec, progress=None, control=None)` for protocol P, the way boost-histogram
// binds one storage after another. The run releases the GIL, calls Python back once per
// interval and checks for Ctrl-C about every 100 ms. The engine is instantiated for P in its
// proto/<name>/run.cpp; this file only declares what it calls.
#pragma once

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "surge/engine/run_protocol.hpp"
#include "surge/engine/run_result.hpp"

namespace surge::bindings {

namespace py = pybind11;

template <class Spec, class Runner>
RunResult run_releasing_gil(const Spec& spec, const std::optional<py::function>& progress,
                            LoadControl* control, Runner runner) {
  std::optional<py::error_already_set> callback_error;
  std::string callback_misuse;
  ProgressCallback on_interval;
  if (progress) {
    on_interval = [&](const IntervalReport& report) {
      py::gil_scoped_acquire acquire;
      try {
        const py::object keep_going = (*progress)(report);
        if (keep_going.is_none() || py::isinstance<py::bool_>(keep_going))
          return keep_going.is_none() || keep_going.cast<bool>();
        callback_misuse = "progress: the callback must return True, False or None, got " +
                          std::string(py::str(py::type::of(keep_going).attr("__name__")));
      } catch (py::error_already_set& e) {
        // Ctrl-C while the callback ran (Python runs its handler there): end the run as the
        // interrupt check would, keeping what was measured.
        if (!e.matches(PyExc_KeyboardInterrupt)) callback_error = std::move(e);
      }
      return false;
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
    result = runner(spec, on_interval, interrupted, control);
  }
  if (callback_error) throw std::move(*callback_error);
  if (!callback_misuse.empty()) throw py::type_error(callback_misuse);
  return result;
}

// `Run` is the engine's run for P's spec: run_protocol<P>, unless a protocol picks among
// several at run time (HTTP: HTTP/1.1 or HTTP/2 by ALPN).
template <class P, auto Run = &run_protocol<P>>
void register_run(py::module_& m, const char* name, const char* doc) {
  m.def(
      name,
      [](const typename P::Spec& spec, const std::optional<py::function>& progress, LoadControl* control) {
        return run_releasing_gil(spec, progress, control, Run);
      },
      py::arg("spec"), py::arg("progress") = py::none(), py::arg("control") = nullptr, doc);
}

}  // namespace surge::bindings
