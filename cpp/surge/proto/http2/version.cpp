#include "surge/proto/http2/version.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <stdexcept>

#include "surge/engine/resolve.hpp"
#include "surge/engine/run_protocol.hpp"
#include "surge/proto/http/protocol.hpp"
#include "surge/proto/http2/protocol.hpp"
#include "surge/proto/tls/tls_transport.hpp"

namespace surge {

int resolve_http_version(const HttpRunSpec& spec) {
  // Journeys keep a user's steps on its own connection, which an HTTP/1.1 lane is.
  if (!spec.journeys.empty()) {
    if (spec.http_version == 2)
      throw std::invalid_argument(
          "journeys run over HTTP/1.1 only for now: use http_version='1.1' (--http 1.1)");
    return 1;
  }
  if (spec.http_version == 1 || spec.http_version == 2) return spec.http_version;
  if (!spec.tls) return 1;
  tls::ClientOptions options = spec.tls_options;
  options.alpn = "h2,http/1.1";
  options.resume = false;
  const tls::ClientContext context(options);  // a bad CA or key file throws here, named
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  tls::Transport transport(&context);
  std::string chosen;
  socket.async_connect(resolve_host(spec.host, spec.port), [&](const boost::system::error_code& ec) {
    if (ec) return;
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    transport.handshake(
        socket, spec.host, [] { return true; },
        [&](const tls::HandshakeOutcome& outcome) {
          if (outcome.ok) chosen = transport.alpn();
        });
  });
  io.run_for(
      std::chrono::nanoseconds(spec.connect_timeout > 0 ? spec.connect_timeout : Nanos{5} * kNanosPerSecond));
  return chosen == "h2" ? 2 : 1;
}

RunResult run_http(const HttpRunSpec& spec, const ProgressCallback& progress,
                   const InterruptCheck& interrupted, LoadControl* control) {
  const int version = resolve_http_version(spec);
  RunResult result = version == 2 ? run_protocol<Http2Protocol>(spec, progress, interrupted, control)
                                  : run_protocol<HttpProtocol>(spec, progress, interrupted, control);
  result.protocol_version = version == 2 ? (spec.tls ? "h2" : "h2c") : "http/1.1";
  return result;
}

}  // namespace surge
