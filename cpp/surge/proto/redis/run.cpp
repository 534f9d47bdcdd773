// The one place the engine is compiled for Redis: its worker and its run.
#include "surge/engine/coordinator.hpp"
#include "surge/engine/pipelined_lane.hpp"
#include "surge/proto/redis/connection.hpp"
#include "surge/proto/redis/protocol.hpp"

namespace surge {

template class Worker<RedisProtocol>;
template RunResult run_protocol<RedisProtocol>(const RedisRunSpec&, const ProgressCallback&,
                                               const InterruptCheck&, LoadControl*);

}  // namespace surge
