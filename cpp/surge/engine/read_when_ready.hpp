// Waits until a socket is readable, then reads once without blocking. Asio's async_read_some
// tries a read at once, and right after a request went out that read finds nothing: one wasted
// syscall per request (measured: 40,049 recvfrom calls for 20,000 Redis commands, half EAGAIN).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <cstddef>
#include <utility>

namespace surge {

// `still_wanted()` runs after the wait and before the read: a handler left over from a closed
// or reopened connection must not read from the socket. `on_read(ec, n)` gets the outcome.
template <class Socket, class StillWanted, class OnRead>
void read_when_ready(Socket& socket, boost::asio::mutable_buffer buffer, StillWanted still_wanted,
                     OnRead on_read) {
  socket.async_wait(boost::asio::socket_base::wait_read, [&socket, buffer, still_wanted, on_read](
                                                             const boost::system::error_code& ec) mutable {
    if (!still_wanted()) return;
    if (ec) {
      on_read(ec, std::size_t{0});
      return;
    }
    boost::system::error_code read_ec;
    const std::size_t n = socket.read_some(buffer, read_ec);
    if (read_ec == boost::asio::error::would_block || read_ec == boost::asio::error::try_again) {
      read_when_ready(socket, buffer, std::move(still_wanted), std::move(on_read));  // spurious
      return;
    }
    on_read(read_ec, n);
  });
}

}  // namespace surge
