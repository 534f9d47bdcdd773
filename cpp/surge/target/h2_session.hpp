// One connection of the demo target that speaks HTTP/2: h2 chosen by ALPN after the TLS
// handshake, or h2c, when a cleartext connection opens with the HTTP/2 preface (prior
// knowledge). Session hands the connection over as soon as it knows. Requests are served as
// HTTP/1.1's are (TargetServer::serve): the CPU work, the latency and stall knobs, errors; the
// drop knob resets the stream (RST_STREAM INTERNAL_ERROR), since over HTTP/2 one request is a
// stream, not a connection.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "surge/core/read_buffer.hpp"
#include "surge/core/rng.hpp"
#include "surge/proto/http2/server_session.hpp"
#include "surge/proto/tls/tls_transport.hpp"
#include "surge/target/demo_api.hpp"

namespace surge::target {

class TargetServer;

class H2Session : public std::enable_shared_from_this<H2Session>, private http2::ServerSession::Listener {
 public:
  // `buffered`: what Session had read already (the preface, or the first frames).
  H2Session(TargetServer& server, boost::asio::ip::tcp::socket socket, tls::Transport tls,
            ReadBuffer buffered, std::uint64_t seed);
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;
  ~H2Session();
  void start();

 private:
  std::size_t body_limit(std::string_view path) override { return DemoApi::body_limit_for(path); }
  void on_request(std::int32_t stream_id, const http2::ServerRequest& request) override;
  void take_in();
  void read();
  void flush();
  void watch();
  void close() noexcept;

  TargetServer& server_;
  boost::asio::ip::tcp::socket socket_;
  tls::Transport tls_;
  ReadBuffer buffer_;
  Rng rng_;
  http2::ServerSession session_;
  boost::asio::steady_timer watchdog_;
  ApiRequest request_;
  ApiResponse response_;
  std::string out_;
  std::string wire_;
  bool writing_ = false;
  Nanos idle_since_ = 0;  // no stream open since; 0 while some are
};

}  // namespace surge::target
