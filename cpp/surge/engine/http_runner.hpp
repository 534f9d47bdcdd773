// An HTTP run: validate, prepare (templates, host), then the generic coordinator runs it.
#pragma once

#include <functional>

#include "surge/engine/run_result.hpp"
#include "surge/engine/run_spec.hpp"

namespace surge {

// Throws std::invalid_argument for a spec that cannot run (before any load is sent).
RunResult run_http(const HttpRunSpec& spec, const ProgressCallback& progress,
                   const InterruptCheck& interrupted);

}  // namespace surge
