#include "surge/engine/pg_runner.hpp"

#include "surge/engine/coordinator.hpp"
#include "surge/engine/protocols.hpp"

namespace surge {

RunResult run_pg(const PgRunSpec& spec, const ProgressCallback& progress, const InterruptCheck& interrupted) {
  validate(spec);
  const auto shared = PgProtocol::prepare(spec);
  return run_load<PgProtocol>(spec, shared, progress, interrupted);
}

}  // namespace surge
