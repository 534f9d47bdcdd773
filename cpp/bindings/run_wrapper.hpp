// Runs an engine function with the GIL released, calling Python back once per interval and
// checking for Ctrl-C about every 100 ms. Shared by every protocol's run_X binding.
#pragma once

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>

#include <optional>

#include "surge/engine/run_result.hpp"

namespace surge::bindings {

namespace py = pybind11;

template <class Spec, class Runner>
RunResult run_releasing_gil(const Spec& spec, const std::optional<py::function>& progress, Runner runner) {
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
    result = runner(spec, on_interval, interrupted);
  }
  if (callback_error) throw std::move(*callback_error);
  return result;
}

}  // namespace surge::bindings
