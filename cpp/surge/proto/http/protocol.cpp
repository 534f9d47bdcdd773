#include "surge/proto/http/protocol.hpp"

#include <stdexcept>

#include "surge/engine/resolve.hpp"

namespace surge {

HttpShared HttpProtocol::prepare(const Spec& spec) {
  return prepare_http(spec, "http/1.1");
}

HttpShared prepare_http(const HttpRunSpec& spec, const std::string& alpn) {
  HttpShared shared;
  shared.host_header =
      spec.host_header.empty() ? spec.host + ":" + std::to_string(spec.port) : spec.host_header;
  for (const auto& op : spec.operations) {
    try {
      http::RequestBuilder check(op.request, shared.host_header);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("operation '" + op.name + "': " + e.what());
    }
  }
  shared.endpoint = resolve_host(spec.host, spec.port);
  if (spec.tls) {
    tls::ClientOptions options = spec.tls_options;
    options.alpn = alpn;
    shared.tls = std::make_shared<const tls::ClientContext>(options);
    shared.server_name = spec.host;
  }
  return shared;
}

HttpProtocol::HttpProtocol(const Spec& spec, const Shared& shared, int index, int worker_count)
    : spec_(spec), shared_(shared) {
  for (const auto& op : spec.operations) {
    builders_.emplace_back(op.request, shared.host_header);
    builders_.back().partition(index, worker_count);
  }
}

std::optional<ErrorClass> HttpProtocol::classify(int op, const http::ResponseReader& reader) const {
  return http::judge_response(spec_.operations[static_cast<std::size_t>(op)], reader.status(), reader.body());
}

}  // namespace surge
