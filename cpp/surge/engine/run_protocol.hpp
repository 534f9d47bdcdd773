// Runs a spec of protocol P to the end: the engine's own checks, the protocol's prepare(), then
// the coordinator. Declared here for the bindings; defined in coordinator.hpp and instantiated
// once per protocol in proto/<name>/run.cpp, so nothing else compiles the engine for it.
#pragma once

#include "surge/engine/run_result.hpp"

namespace surge {

// Throws std::invalid_argument for a spec that cannot run (before any load is sent).
// `control`, when given, steers the run while it goes (engine/load_control.hpp).
template <class P>
RunResult run_protocol(const typename P::Spec& spec, const ProgressCallback& progress,
                       const InterruptCheck& interrupted, LoadControl* control = nullptr);

}  // namespace surge
