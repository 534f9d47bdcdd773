// The one place the engine is compiled for HTTP: its worker and its run.
#include "surge/engine/coordinator.hpp"
#include "surge/proto/http/connection.hpp"
#include "surge/proto/http/protocol.hpp"

namespace surge {

template class Worker<HttpProtocol>;
template RunResult run_protocol<HttpProtocol>(const HttpRunSpec&, const ProgressCallback&,
                                              const InterruptCheck&, LoadControl*);

}  // namespace surge
