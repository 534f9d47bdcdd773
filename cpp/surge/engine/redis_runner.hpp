// A Redis run: validate, prepare (command templates, server address, AUTH/SELECT), then the
// generic coordinator runs it.
#pragma once

#include "surge/engine/redis_spec.hpp"
#include "surge/engine/run_result.hpp"

namespace surge {

// Throws std::invalid_argument for a spec that cannot run (before any load is sent).
RunResult run_redis(const RedisRunSpec& spec, const ProgressCallback& progress,
                    const InterruptCheck& interrupted);

}  // namespace surge
