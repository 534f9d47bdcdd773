// The write path of the connections that write a request (or a batch) themselves: HTTP/1.1,
// HTTP/2 and Redis. A small message almost always fits the socket's buffer, so it is written
// at once (write_some: no handler round trip, no extra epoll wake-up), and only what did not
// fit goes through an asynchronous write that calls `on_written` when it is done. On io_uring
// every write is asynchronous: it is queued for the loop turn's single enter.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string>
#include <utility>

#include "surge/engine/stream_socket.hpp"

namespace surge {

enum class WriteStarted {
  done,     // all of it is in the kernel; on_written is not called
  pending,  // the rest is being written; on_written(ec, n) follows
  failed,   // the socket refused it (reset, broken pipe): `ec` says why
};

// `wire` must stay alive and unchanged until on_written runs.
template <class Socket, class OnWritten>
WriteStarted write_now(Socket& socket, const std::string& wire, boost::system::error_code& ec,
                       OnWritten on_written) {
  if constexpr (requires { socket.on_uring(); }) {
    if (socket.on_uring()) {
      // On io_uring the send is an entry of the turn's one enter, not a call of its own.
      ec.clear();
      socket.async_write_all(boost::asio::buffer(wire), std::move(on_written));
      return WriteStarted::pending;
    }
  }
  const std::size_t written = socket.write_some(boost::asio::buffer(wire), ec);
  if (ec && ec != boost::asio::error::would_block) return WriteStarted::failed;
  ec.clear();
  if (written == wire.size()) return WriteStarted::done;
  write_all(socket, boost::asio::buffer(wire.data() + written, wire.size() - written), std::move(on_written));
  return WriteStarted::pending;
}

}  // namespace surge
