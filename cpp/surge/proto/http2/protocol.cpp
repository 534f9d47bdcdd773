#include "surge/proto/http2/protocol.hpp"

#include <stdexcept>

#include "surge/proto/http2/connection.hpp"

namespace surge {

Http2Shared Http2Protocol::prepare(const Spec& spec) {
  if (spec.max_streams < 1) throw std::invalid_argument("max_streams: must be at least 1");
  return prepare_http(spec, "h2");
}

Http2Protocol::Http2Protocol(const Spec& spec, const Shared& shared, int index, int worker_count)
    : spec_(spec), shared_(shared) {
  for (const auto& op : spec.operations) {
    builders_.emplace_back(op.request, shared.host_header);
    builders_.back().partition(index, worker_count);
  }
}

Http2Protocol::~Http2Protocol() = default;

void Http2Protocol::build_request(int op, http2::Stream& stream, Rng& rng) {
  builders_[static_cast<std::size_t>(op)].build_fields(stream, rng);
  const HttpOperation& operation = spec_.operations[static_cast<std::size_t>(op)];
  stream.keep_body = !operation.expect_body.empty();
  stream.body_limit = operation.max_body_bytes;
}

Http2Connection& Http2Protocol::connection_for(int lane, Worker<Http2Protocol>& worker) {
  const auto index = static_cast<std::size_t>(lane / spec_.max_streams);
  while (connections_.size() <= index)
    connections_.push_back(std::make_unique<Http2Connection>(worker, spec_.max_streams));
  return *connections_[index];
}

}  // namespace surge
