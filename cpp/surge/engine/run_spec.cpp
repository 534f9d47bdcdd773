#include "surge/engine/run_spec.hpp"

#include <cmath>
#include <stdexcept>

namespace surge {

void validate(const HttpRunSpec& spec) {
  const auto& load = spec.load;
  if (spec.operations.empty()) throw std::invalid_argument("operations: a run needs at least one operation");
  for (const auto& op : spec.operations) {
    if (op.name.empty()) throw std::invalid_argument("operations: every operation needs a name");
    if (!(op.weight > 0) || !std::isfinite(op.weight))
      throw std::invalid_argument("operation '" + op.name + "': weight must be a positive number");
  }
  if (load.connections < 1) throw std::invalid_argument("connections must be >= 1");
  if (load.threads < 1) throw std::invalid_argument("threads must be >= 1");
  if (load.model == LoadModel::open && !(load.rate > 0 && std::isfinite(load.rate)))
    throw std::invalid_argument("rate must be > 0 requests/s in an open-model run");
  if (load.requests < 0) throw std::invalid_argument("requests must be >= 0");
  if (load.duration < 0 || load.warmup < 0) throw std::invalid_argument("duration and warmup must be >= 0");
  if (load.duration == 0 && load.requests == 0)
    throw std::invalid_argument("give a duration, a request count, or both: an unbounded run never stops");
  if (load.interval < kNanosPerMilli) throw std::invalid_argument("interval must be >= 1ms");
  if (load.max_backlog < 0) throw std::invalid_argument("max_backlog must be >= 0");
  if (spec.connect_timeout <= 0 || spec.request_timeout <= 0)
    throw std::invalid_argument("timeouts must be > 0");
  if (spec.port == 0) throw std::invalid_argument("port must be 1..65535");
}

}  // namespace surge
