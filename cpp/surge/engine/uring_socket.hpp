// A TCP socket whose I/O goes through its worker's io_uring (engine/uring_loop.hpp), with the
// part of Asio's socket interface the connections use, so a connection and the TLS transport
// are written once for both transports (engine/stream_socket.hpp picks one per run).
//
// Once connected, one multishot receive stays armed for the socket's life: every segment the
// server sends completes into a provided buffer, which is copied into the buffer of the read
// the connection has posted (or kept until it posts one) and given back to the ring at once.
// So a response costs no system call of its own: its send and its receive are entries of the
// turn's single io_uring_enter. Closing cancels what the socket has in the kernel and closes
// the descriptor, both through the ring; the handlers still waiting complete with
// operation_aborted, as Asio's do.
#pragma once

#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "surge/core/inplace_function.hpp"
#include "surge/engine/uring_loop.hpp"

namespace surge {

class UringSocket {
 public:
  using Handler = InplaceFunction<void(const boost::system::error_code&, std::size_t), 96>;
  using ConnectHandler = InplaceFunction<void(const boost::system::error_code&), 96>;

  explicit UringSocket(UringLoop& loop);
  UringSocket(const UringSocket&) = delete;
  UringSocket& operator=(const UringSocket&) = delete;
  ~UringSocket();

  // Any stream endpoint of Asio's (TCP, or a generic one: a Unix socket's path).
  template <class Endpoint>
  void async_connect(const Endpoint& endpoint, ConnectHandler handler) {
    connect_to(endpoint.data(), static_cast<socklen_t>(endpoint.size()), endpoint.protocol().family(),
               std::move(handler));
  }
  // As Asio's: completes with what has arrived, up to the buffer's size.
  void async_read_some(boost::asio::mutable_buffer buffer, Handler handler);
  // Sends all of `data`, which must stay alive and unchanged until `handler` runs.
  void async_send(boost::asio::const_buffer data, Handler handler);
  // A send now, through the kernel's send(): for a TLS handshake's messages, which are few.
  std::size_t write_some(boost::asio::const_buffer data, boost::system::error_code& ec);
  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  // Whether a send is still in the kernel.
  [[nodiscard]] bool sending() const noexcept { return static_cast<bool>(send_handler_); }

  // The loop's side: a completion of this socket's (stale ones, of a closed descriptor, are
  // filtered out by the loop before they get here, except for their buffers).
  void connected(int result);
  void received(int result, const char* data, bool more);
  void sent(int result);
  [[nodiscard]] std::uint32_t generation() const noexcept { return generation_; }

 private:
  void connect_to(const sockaddr* address, socklen_t size, int family, ConnectHandler handler);
  void arm_receive();
  void queue_send(boost::asio::const_buffer rest);
  // After the descriptor is closed: nothing of the old one counts, and the handlers still
  // waiting complete with operation_aborted.
  void abandon_pending() noexcept;
  void deliver_read();
  void complete_later(Handler handler, boost::system::error_code ec);

  UringLoop& loop_;
  int slot_;
  int fd_ = -1;
  std::uint32_t generation_ = 0;
  bool receiving_ = false;  // the multishot receive is armed
  ConnectHandler connect_handler_;
  Handler read_handler_;
  boost::asio::mutable_buffer read_buffer_;
  Handler send_handler_;
  boost::asio::const_buffer send_rest_;  // what a short send left
  std::size_t send_total_ = 0;
  std::string early_;              // received while no read was posted, or past the posted read's buffer
  boost::system::error_code end_;  // the end of the stream (eof, reset) once `early_` is read
  sockaddr_storage address_{};
  socklen_t address_size_ = 0;
};

}  // namespace surge
