// The socket of a connection that reads and writes its own bytes (HTTP/1.1 for now): Asio's,
// on the epoll transport, or one on the worker's io_uring (engine/uring_socket.hpp). The run
// picks the transport once (engine/io_mode.hpp); this holds whichever it picked, behind the
// calls the connections and the TLS transport make, so they are written once for both.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <cstddef>
#include <optional>
#include <utility>

#include "surge/engine/uring_socket.hpp"

namespace surge {

// `AsioSocket`: Asio's socket type for the epoll transport (TCP, or a generic stream socket for
// a Redis server on a Unix socket).
template <class AsioSocket>
class BasicStreamSocket {
 public:
  // `ring`: the worker's io_uring when the run uses it, else null (epoll through Asio).
  BasicStreamSocket(boost::asio::io_context& context, UringLoop* ring) {
    if (ring != nullptr) {
      uring_.emplace(*ring);
    } else {
      asio_.emplace(context);
    }
  }

  [[nodiscard]] bool on_uring() const noexcept { return uring_.has_value(); }

  template <class Endpoint, class Handler>
  void async_connect(const Endpoint& endpoint, Handler&& handler) {
    if (uring_) {
      uring_->async_connect(endpoint, std::forward<Handler>(handler));
    } else {
      asio_->async_connect(endpoint, std::forward<Handler>(handler));
    }
  }
  // Once connected: no Nagle delay (`tcp`: not on a Unix socket), and calls that return at once.
  void set_up(bool tcp = true) {
    if (uring_) return;  // set before the connect; the ring never blocks
    boost::system::error_code ignored;
    if (tcp) asio_->set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    asio_->non_blocking(true, ignored);
  }
  template <class Handler>
  void async_read_some(boost::asio::mutable_buffer buffer, Handler&& handler) {
    if (uring_) {
      uring_->async_read_some(buffer, std::forward<Handler>(handler));
    } else {
      asio_->async_read_some(buffer, std::forward<Handler>(handler));
    }
  }
  std::size_t write_some(boost::asio::const_buffer data, boost::system::error_code& ec) {
    return uring_ ? uring_->write_some(data, ec) : asio_->write_some(data, ec);
  }
  // All of `data` (kept alive by the caller), then `handler(ec, n)`.
  template <class Handler>
  void async_write_all(boost::asio::const_buffer data, Handler&& handler) {
    if (uring_) {
      uring_->async_send(data, std::forward<Handler>(handler));
    } else {
      boost::asio::async_write(*asio_, data, std::forward<Handler>(handler));
    }
  }
  void close(boost::system::error_code& ec) {
    if (uring_) {
      uring_->close();
    } else {
      asio_->close(ec);
    }
  }
  [[nodiscard]] bool is_open() const noexcept { return uring_ ? uring_->is_open() : asio_->is_open(); }

 private:
  std::optional<AsioSocket> asio_;
  std::optional<UringSocket> uring_;
};

using StreamSocket = BasicStreamSocket<boost::asio::ip::tcp::socket>;
using GenericStreamSocket = BasicStreamSocket<boost::asio::generic::stream_protocol::socket>;

// Writes `data` to `socket` whole: through the transport's own write for a StreamSocket, through
// Asio's composed write for an Asio socket (the embedded target's).
template <class Socket, class Handler>
void write_all(Socket& socket, boost::asio::const_buffer data, Handler&& handler) {
  if constexpr (requires { socket.async_write_all(data, handler); }) {
    socket.async_write_all(data, std::forward<Handler>(handler));
  } else {
    boost::asio::async_write(socket, data, std::forward<Handler>(handler));
  }
}

}  // namespace surge
