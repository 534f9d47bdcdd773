#include "surge/engine/redis_runner.hpp"

#include "surge/engine/coordinator.hpp"
#include "surge/engine/protocols.hpp"

namespace surge {

RunResult run_redis(const RedisRunSpec& spec, const ProgressCallback& progress,
                    const InterruptCheck& interrupted) {
  validate(spec);
  const auto shared = RedisProtocol::prepare(spec);
  return run_load<RedisProtocol>(spec, shared, progress, interrupted);
}

}  // namespace surge
