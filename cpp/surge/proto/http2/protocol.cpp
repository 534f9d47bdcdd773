#include "surge/proto/http2/protocol.hpp"

#include <stdexcept>

#include "surge/engine/resolve.hpp"
#include "surge/proto/http2/connection.hpp"

namespace surge {

Http2Shared Http2Protocol::prepare(const Spec& spec) {
  Http2Shared shared;
  shared.authority =
      spec.host_header.empty() ? spec.host + ":" + std::to_string(spec.port) : spec.host_header;
  for (const auto& op : spec.operations) {
    try {
      http::RequestBuilder check(op.request, shared.authority);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("operation '" + op.name + "': " + e.what());
    }
  }
  if (spec.max_streams < 1) throw std::invalid_argument("max_streams: must be at least 1");
  shared.endpoint = resolve_host(spec.host, spec.port);
  if (spec.tls) {
    tls::ClientOptions options = spec.tls_options;
    options.alpn = "h2";
    shared.tls = std::make_shared<const tls::ClientContext>(options);
    shared.server_name = spec.host;
  }
  return shared;
}

Http2Protocol::Http2Protocol(const Spec& spec, const Shared& shared, int index, int worker_count)
    : spec_(spec), shared_(shared) {
  for (const auto& op : spec.operations) {
    builders_.emplace_back(op.request, shared.authority);
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
