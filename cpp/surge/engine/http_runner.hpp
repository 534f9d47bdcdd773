// The coordinator of an HTTP run: starts the workers, closes an interval every tick by
// swapping their statistics blocks, calls back once per interval, and ends the run on time,
// on completion, or when asked to stop.
#pragma once

#include <functional>

#include "surge/engine/run_result.hpp"
#include "surge/engine/run_spec.hpp"

namespace surge {

// Return false to stop the run early.
using ProgressCallback = std::function<bool(const IntervalReport&)>;
// Polled about every 100 ms; return true to stop (Ctrl-C). Keeps what was measured.
using InterruptCheck = std::function<bool()>;

// Throws std::invalid_argument for a spec that cannot run (before any load is sent).
RunResult run_http(const HttpRunSpec& spec, const ProgressCallback& progress,
                   const InterruptCheck& interrupted);

}  // namespace surge
