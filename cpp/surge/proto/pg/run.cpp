// The one place the engine is compiled for PostgreSQL: its worker and its run.
#include "surge/engine/coordinator.hpp"
#include "surge/engine/pipelined_lane.hpp"
#include "surge/proto/pg/connection.hpp"
#include "surge/proto/pg/protocol.hpp"

namespace surge {

template class Worker<PgProtocol>;
template RunResult run_protocol<PgProtocol>(const PgRunSpec&, const ProgressCallback&, const InterruptCheck&,
                                            LoadControl*);

}  // namespace surge
