// One accepted connection of the demo target: read a request, let DemoApi answer it, delay it
// as the fault knobs say, write it, repeat. A watchdog, checked once a second, closes a
// connection idle past the server's idle timeout, or one whose request has been arriving for
// longer than the request timeout (a client dripping a byte at a time).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "surge/core/read_buffer.hpp"
#include "surge/core/rng.hpp"
#include "surge/proto/tls/tls_transport.hpp"
#include "surge/target/demo_api.hpp"

namespace surge::target {

class TargetServer;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(TargetServer& server, boost::asio::ip::tcp::socket socket, std::uint64_t seed);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();
  void start();

 private:
  class RequestParser final : public boost::beast::http::basic_parser<true> {
   public:
    explicit RequestParser(ApiRequest& request) : request_(request) {}

   private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int,
                         error_code&) override;
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(boost::beast::http::field name, string_view, string_view value, error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(boost::optional<std::uint64_t> const&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code&) override;
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
    void on_finish_impl(error_code&) override {}
    ApiRequest& request_;
  };

  void read();
  void on_read(std::size_t n);
  void read_tls();
  void send(std::string_view wire);
  void drain_and_close();
  void watch();
  void close() noexcept;
  void parse();
  void respond();
  void write();
  void reset_request();
  void hand_over_to_h2();

  TargetServer& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer delay_;
  boost::asio::steady_timer watchdog_;
  Nanos waiting_since_ = 0;    // waiting for a request since; 0 while one is answered
  Nanos request_started_ = 0;  // the first byte of the request being read came; 0: none yet
  Nanos closing_since_ = 0;    // the last response went out with Connection: close
  Rng rng_;
  std::optional<RequestParser> parser_;
  ApiRequest request_;
  ApiResponse response_;
  std::string out_;
  ReadBuffer buffer_;
  bool keep_alive_ = true;
  bool first_bytes_ = true;  // nothing parsed yet: the bytes may be HTTP/2's preface
  tls::Transport tls_;       // https:// (surge serve --tls); disabled otherwise
  std::string wire_;         // the response's ciphertext
};

}  // namespace surge::target
