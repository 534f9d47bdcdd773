#include "surge/target/h2_session.hpp"

#include <boost/asio/write.hpp>

#include "surge/target/target_server.hpp"

namespace surge::target {

namespace asio = boost::asio;

namespace {
// What the target announces as SETTINGS_MAX_CONCURRENT_STREAMS: nginx's default is 128.
constexpr std::uint32_t kMaxStreams = 256;
constexpr std::size_t kMaxBuffer = std::size_t{1} << 20;
}  // namespace

H2Session::H2Session(TargetServer& server, asio::ip::tcp::socket socket, tls::Transport tls,
                     ReadBuffer buffered, std::uint64_t seed)
    : server_(server),
      socket_(std::move(socket)),
      tls_(std::move(tls)),
      buffer_(std::move(buffered)),
      rng_(seed),
      session_(static_cast<http2::ServerSession::Listener&>(*this), kMaxStreams),
      watchdog_(socket_.get_executor()) {
  server_.sessions_.fetch_add(1, std::memory_order_relaxed);
}

H2Session::~H2Session() {
  server_.sessions_.fetch_sub(1, std::memory_order_relaxed);
}

void H2Session::close() noexcept {
  boost::system::error_code ignored;
  socket_.close(ignored);
  watchdog_.cancel();
}

void H2Session::start() {
  watch();
  take_in();
  if (socket_.is_open()) read();
}

void H2Session::watch() {
  watchdog_.expires_after(std::chrono::seconds(1));
  watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->socket_.is_open()) return;
    const Nanos now = now_ns();
    if (self->session_.open_streams() > 0) {
      self->idle_since_ = 0;
    } else if (self->idle_since_ == 0) {
      self->idle_since_ = now;
    } else if (now - self->idle_since_ > self->server_.idle_timeout_ns()) {
      self->close();  // idle past the server's idle timeout, as an HTTP/1.1 connection
      return;
    }
    self->watch();
  });
}

void H2Session::take_in() {
  if (!buffer_.empty()) {
    const bool ok = session_.feed(buffer_.unread());
    buffer_.clear();
    if (!ok) {
      close();  // not HTTP/2: nghttp2 has said so in a GOAWAY we do not wait to send
      return;
    }
  }
  flush();
}

void H2Session::read() {
  std::size_t room = 0;
  char* tail = buffer_.writable(room, kMaxBuffer);
  if (!tls_.enabled()) {
    socket_.async_read_some(asio::buffer(tail, room),
                            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                              if (ec) {
                                self->close();
                                return;
                              }
                              self->buffer_.commit(n);
                              self->take_in();
                              if (self->socket_.is_open()) self->read();
                            });
    return;
  }
  tls_.read_plain(
      socket_, buffer_, kMaxBuffer, shared_from_this(),
      [this](std::size_t n) {
        buffer_.commit(n);
        take_in();
        if (socket_.is_open()) read();
      },
      [this] { close(); });
}

void H2Session::flush() {
  if (writing_ || !socket_.is_open()) return;
  out_.clear();
  if (!session_.drain(out_)) {
    close();
    return;
  }
  if (out_.empty()) return;
  const std::string* wire = &out_;
  if (tls_.enabled()) {
    if (!tls_.encrypt(out_, wire_)) {
      close();
      return;
    }
    wire = &wire_;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(*wire),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->writing_ = false;
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->flush();  // what the session gathered meanwhile
                    });
}

void H2Session::on_request(std::int32_t stream_id, const http2::ServerRequest& request) {
  idle_since_ = 0;
  if (request.too_large) {
    session_.respond(stream_id, 413, "application/json", R"({"error":"body too large"})", false);
    return;
  }
  request_.method = request.method;
  request_.target = request.path;
  request_.body = request.body;
  request_.content_type.assign(request.header("content-type"));
  request_.ttl_header.assign(request.header("x-ttl"));
  request_.authorization.assign(request.header("authorization"));
  request_.cookie.assign(request.header("cookie"));
  response_ = ApiResponse{};
  const auto [drop, release] = server_.serve(rng_, request_, response_);
  if (drop) {
    session_.reset(stream_id, NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const bool head = request_.method == "HEAD";
  if (release <= now_ns()) {
    session_.respond(stream_id, response_.status, response_.content_type, std::move(response_.body), head);
    return;
  }
  // Held back by the latency or stall knobs: this stream waits, the others go on.
  auto timer = std::make_shared<asio::steady_timer>(
      socket_.get_executor(), std::chrono::steady_clock::time_point(std::chrono::nanoseconds(release)));
  timer->async_wait([self = shared_from_this(), timer, stream_id, head,
                     response = std::move(response_)](const boost::system::error_code& ec) mutable {
    if (ec || !self->socket_.is_open()) return;
    self->session_.respond(stream_id, response.status, response.content_type, std::move(response.body), head);
    self->flush();
  });
}

}  // namespace surge::target
