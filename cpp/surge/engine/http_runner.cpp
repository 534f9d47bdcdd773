#include "surge/engine/http_runner.hpp"

#include "surge/engine/coordinator.hpp"
#include "surge/engine/protocols.hpp"

namespace surge {

RunResult run_http(const HttpRunSpec& spec, const ProgressCallback& progress,
                   const InterruptCheck& interrupted) {
  validate(spec);
  const auto shared = HttpProtocol::prepare(spec);  // bad templates and hosts fail before any load
  return run_load<HttpProtocol>(spec, shared, progress, interrupted);
}

}  // namespace surge
