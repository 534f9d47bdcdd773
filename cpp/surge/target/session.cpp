#include "surge/target/session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "surge/proto/http2/nghttp2_glue.hpp"
#include "surge/target/h2_session.hpp"
#include "surge/target/target_server.hpp"

namespace surge::target {

namespace asio = boost::asio;
namespace beast = boost::beast;

void Session::RequestParser::on_request_impl(beast::http::verb, string_view method, string_view target, int,
                                             error_code&) {
  request_.method.assign(method.data(), method.size());
  request_.target.assign(target.data(), target.size());
  // Only classify takes images; a 10 MiB body to any other route is refused (413).
  body_limit(DemoApi::body_limit_for(request_.target));
}

void Session::RequestParser::on_field_impl(beast::http::field name, string_view name_text, string_view value,
                                           error_code&) {
  if (name == beast::http::field::content_type) {
    request_.content_type.assign(value.data(), value.size());
  } else if (name == beast::http::field::authorization) {
    request_.authorization.assign(value.data(), value.size());
  } else if (name == beast::http::field::cookie) {
    request_.cookie.assign(value.data(), value.size());
  } else if (name == beast::http::field::unknown && beast::iequals(name_text, "x-ttl")) {
    request_.ttl_header.assign(value.data(), value.size());
  }
}

std::size_t Session::RequestParser::on_body_impl(string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t Session::RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

Session::Session(TargetServer& server, asio::ip::tcp::socket socket, std::uint64_t seed)
    : server_(server),
      socket_(std::move(socket)),
      delay_(socket_.get_executor()),
      watchdog_(socket_.get_executor()),
      rng_(seed),
      buffer_(std::size_t{16} * 1024),
      tls_(server.tls()) {
  server_.sessions_.fetch_add(1, std::memory_order_relaxed);
  boost::system::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  reset_request();
}

Session::~Session() {
  server_.sessions_.fetch_sub(1, std::memory_order_relaxed);
}

void Session::close() noexcept {
  boost::system::error_code ignored;
  socket_.close(ignored);
  delay_.cancel();
  watchdog_.cancel();
}

void Session::watch() {
  watchdog_.expires_after(std::chrono::seconds(1));
  watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->socket_.is_open()) return;  // the session is over: let it go
    const Nanos now = now_ns();
    const bool slow_request =
        self->request_started_ != 0 && now - self->request_started_ > self->server_.request_timeout_ns();
    const bool idle = self->request_started_ == 0 && self->waiting_since_ != 0 &&
                      now - self->waiting_since_ > self->server_.idle_timeout_ns();
    const bool lingering = self->closing_since_ != 0 && now - self->closing_since_ > 2 * kNanosPerSecond;
    if (slow_request || idle || lingering) {
      self->close();
      return;
    }
    self->watch();
  });
}

void Session::reset_request() {
  request_.method.clear();
  request_.target.clear();
  request_.body.clear();
  request_.content_type.clear();
  request_.ttl_header.clear();
  request_.authorization.clear();
  request_.cookie.clear();
  parser_.emplace(request_);
  parser_->eager(true);
  parser_->body_limit(DemoApi::kMaxImageBytes + 1);
}

void Session::start() {
  watch();
  if (!tls_.enabled()) {
    read();
    return;
  }
  waiting_since_ = now_ns();  // the idle timeout covers a client that never shakes hands
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  tls_.handshake(
      socket_, std::string(), [self = shared_from_this()] { return self->socket_.is_open(); },
      [self = shared_from_this()](const tls::HandshakeOutcome& outcome) {
        if (!outcome.ok) {
          self->close();
          return;
        }
        if (self->tls_.alpn() == "h2") {
          self->hand_over_to_h2();
          return;
        }
        self->read();
      });
}

void Session::read() {
  std::size_t room = 0;
  char* tail = buffer_.writable(room, std::size_t{1} << 20);
  if (room == 0) {  // a header over 1 MiB: drop the connection
    close();
    return;
  }
  if (waiting_since_ == 0) waiting_since_ = now_ns();
  if (tls_.enabled()) {
    read_tls();
    return;
  }
  socket_.async_read_some(asio::buffer(tail, room),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            if (ec) {
                              self->close();
                              return;
                            }
                            self->on_read(n);
                          });
}

void Session::on_read(std::size_t n) {
  if (request_started_ == 0) request_started_ = now_ns();
  buffer_.commit(n);
  if (first_bytes_ && !tls_.enabled()) {
    // h2c with prior knowledge: the connection opens with HTTP/2's preface, not a request.
    const std::string_view unread = buffer_.unread();
    const std::size_t seen = std::min(unread.size(), http2::kClientPreface.size());
    if (unread.substr(0, seen) == http2::kClientPreface.substr(0, seen)) {
      if (seen == http2::kClientPreface.size()) {
        hand_over_to_h2();
      } else {
        read();  // the rest of the preface
      }
      return;
    }
  }
  first_bytes_ = false;
  parse();
}

void Session::hand_over_to_h2() {
  watchdog_.cancel();
  // The socket, the TLS session and what was read move to the HTTP/2 session; this one ends
  // when its last handler lets go of it.
  std::make_shared<H2Session>(server_, std::move(socket_), std::move(tls_), std::move(buffer_),
                              server_.next_seed_.fetch_add(1, std::memory_order_relaxed))
      ->start();
}

void Session::read_tls() {
  tls_.read_plain(
      socket_, buffer_, std::size_t{1} << 20, shared_from_this(), [this](std::size_t n) { on_read(n); },
      [this] { close(); });
}

void Session::drain_and_close() {
  // After the last response: read (and drop) until the client closes, so what it still sends
  // does not turn into a reset that destroys the response in flight; at most 2 s.
  if (closing_since_ == 0) closing_since_ = now_ns();
  buffer_.clear();
  std::size_t room = 0;
  char* tail = buffer_.writable(room, std::size_t{16} * 1024);
  socket_.async_read_some(asio::buffer(tail, room),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                            if (ec) {
                              self->close();
                              return;
                            }
                            self->drain_and_close();
                          });
}

void Session::parse() {
  while (!buffer_.empty()) {
    beast::error_code ec;
    const auto unread = buffer_.unread();
    const std::size_t used = parser_->put(asio::const_buffer(unread.data(), unread.size()), ec);
    buffer_.consume(used);
    if (ec == beast::http::error::need_more) break;
    if (ec) {
      const bool too_large = ec == beast::http::error::body_limit;
      response_.status = too_large ? 413 : 400;
      response_.content_type = "application/json";
      response_.body = too_large ? R"({"error":"body too large"})" : R"({"error":"bad request"})";
      keep_alive_ = false;
      write();
      return;
    }
    if (parser_->is_done()) {
      respond();
      return;
    }
    if (used == 0) break;
  }
  read();
}

void Session::respond() {
  waiting_since_ = 0;
  request_started_ = 0;
  keep_alive_ = parser_->keep_alive();
  const auto [drop, release] = server_.serve(rng_, request_, response_);
  if (drop) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    return;
  }
  if (release > now_ns()) {
    delay_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(release)));
    delay_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->write();
    });
    return;
  }
  write();
}

void Session::write() {
  const bool head = request_.method == "HEAD";
  out_.clear();
  out_ += "HTTP/1.1 ";
  out_ += std::to_string(response_.status);
  out_ += response_.status < 300 ? " OK" : response_.status < 500 ? " Client Error" : " Server Error";
  out_ += "\r\nServer: surge-target\r\nContent-Type: ";
  out_ += response_.content_type;
  if (!response_.set_cookie.empty()) {
    out_ += "\r\nSet-Cookie: ";
    out_ += response_.set_cookie;
  }
  out_ += "\r\nContent-Length: ";
  out_ += std::to_string(response_.status == 204 ? 0 : response_.body.size());
  out_ += keep_alive_ ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  if (!head && response_.status != 204) out_ += response_.body;
  if (tls_.enabled()) {
    if (!tls_.encrypt(out_, wire_)) {
      close();
      return;
    }
    send(wire_);
    return;
  }
  send(out_);
}

void Session::send(std::string_view wire) {
  asio::async_write(socket_, asio::buffer(wire.data(), wire.size()),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      if (ec) {
                        self->close();
                        return;
                      }
                      if (!self->keep_alive_) {
                        boost::system::error_code ignored;
                        self->socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                        self->drain_and_close();
                        return;
                      }
                      self->reset_request();
                      if (!self->buffer_.empty()) {
                        self->request_started_ = now_ns();  // the next request is in already
                        self->parse();
                      } else {
                        self->read();
                      }
                    });
}

}  // namespace surge::target
