// Which HTTP a run speaks, and the run in it. `http_version` 1 or 2 is the user's choice; 0 on
// https:// asks the server by ALPN ("h2,http/1.1") on one connection before the run, and runs
// what it chose; 0 on http:// is HTTP/1.1 (h2c needs the user to know the server speaks it).
#pragma once

#include "surge/engine/run_result.hpp"
#include "surge/proto/http/spec.hpp"

namespace surge {

// 1 or 2. A probe that fails (refused, a bad certificate) falls back to 1: the run's own
// connections then meet, and count, the same failure.
int resolve_http_version(const HttpRunSpec& spec);

// Resolves the version and runs the spec in it; the result names the version it ran.
RunResult run_http(const HttpRunSpec& spec, const ProgressCallback& progress,
                   const InterruptCheck& interrupted, LoadControl* control = nullptr);

}  // namespace surge
