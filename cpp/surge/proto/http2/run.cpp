// The one place the engine is compiled for HTTP/2: its worker and its run.
#include "surge/engine/coordinator.hpp"
#include "surge/engine/pipelined_lane.hpp"
#include "surge/proto/http2/connection.hpp"
#include "surge/proto/http2/protocol.hpp"

namespace surge {

template class Worker<Http2Protocol>;
template RunResult run_protocol<Http2Protocol>(const HttpRunSpec&, const ProgressCallback&,
                                               const InterruptCheck&, LoadControl*);

}  // namespace surge
