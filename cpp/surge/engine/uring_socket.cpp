#include "surge/engine/uring_socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/error.hpp>
#include <cerrno>
#include <cstring>

namespace surge {

namespace {
using boost::system::error_code;

error_code system_error(int errno_value) {
  return {errno_value, boost::asio::error::get_system_category()};
}
}  // namespace

UringSocket::UringSocket(UringLoop& loop) : loop_(loop), slot_(loop.add_socket(this)) {}

UringSocket::~UringSocket() {
  // The loop has closed its ring by now (the worker's run is over): a plain close suffices.
  if (fd_ >= 0) ::close(fd_);
  loop_.remove_socket(slot_);
}

void UringSocket::connect_to(const sockaddr* address, socklen_t size, int family, ConnectHandler handler) {
  close();
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const error_code ec = system_error(errno);
    loop_.defer([h = std::move(handler), ec]() mutable { h(ec); });
    return;
  }
  fd_ = fd;
  // Before the connect, so the connection needs no call for it afterwards.
  if (family == AF_INET || family == AF_INET6) {
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  address_size_ = std::min<socklen_t>(size, sizeof address_);
  std::memcpy(&address_, address, address_size_);
  connect_handler_ = std::move(handler);
  io_uring_sqe* sqe = loop_.entry();
  io_uring_prep_connect(sqe, fd_, reinterpret_cast<const sockaddr*>(&address_), address_size_);
  io_uring_sqe_set_data64(sqe, UringLoop::tag(slot_, generation_, UringLoop::Op::connect));
}

void UringSocket::connected(int result) {
  auto handler = std::move(connect_handler_);
  if (result == 0) arm_receive();
  if (handler) handler(result == 0 ? error_code{} : system_error(-result));
}

void UringSocket::arm_receive() {
  receiving_ = true;
  io_uring_sqe* sqe = loop_.entry();
  io_uring_prep_recv_multishot(sqe, fd_, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = UringLoop::buffer_group();
  io_uring_sqe_set_data64(sqe, UringLoop::tag(slot_, generation_, UringLoop::Op::receive));
}

void UringSocket::async_read_some(boost::asio::mutable_buffer buffer, Handler handler) {
  if (fd_ < 0) {
    complete_later(std::move(handler), boost::asio::error::bad_descriptor);
    return;
  }
  read_handler_ = std::move(handler);
  read_buffer_ = buffer;
  // What came before the read: delivered after the current handler, never from inside it.
  if (!early_.empty() || end_) {
    loop_.defer([this, generation = generation_] {
      if (generation == generation_ && read_handler_ && (!early_.empty() || end_)) deliver_read();
    });
  }
}

void UringSocket::deliver_read() {
  auto handler = std::move(read_handler_);
  if (!early_.empty()) {
    const std::size_t n = std::min(early_.size(), read_buffer_.size());
    std::memcpy(read_buffer_.data(), early_.data(), n);
    early_.erase(0, n);
    handler(error_code{}, n);
    return;
  }
  handler(end_, 0);
}

void UringSocket::received(int result, const char* data, bool more) {
  if (result <= 0) {
    receiving_ = false;
    if (result == -ENOBUFS) {
      // Every provided buffer was in use for a moment: nothing is lost, the kernel kept the
      // bytes. Armed again, the receive takes them.
      if (fd_ >= 0) arm_receive();
      return;
    }
    end_ = result == 0 ? error_code(boost::asio::error::eof) : system_error(-result);
    if (read_handler_) deliver_read();
    return;
  }
  // Bytes: the multishot receive stays armed unless the kernel ended it (a full buffer ring).
  if (!more) {
    receiving_ = false;
    if (fd_ >= 0) arm_receive();
  }
  const auto n = static_cast<std::size_t>(result);
  if (!read_handler_ || !early_.empty()) {
    early_.append(data, n);
    if (read_handler_) deliver_read();
    return;
  }
  // The common case: straight into the waiting read's buffer, what does not fit kept.
  const std::size_t fits = std::min(n, read_buffer_.size());
  std::memcpy(read_buffer_.data(), data, fits);
  early_.append(data + fits, n - fits);
  auto handler = std::move(read_handler_);
  handler(error_code{}, fits);
}

void UringSocket::async_send(boost::asio::const_buffer data, Handler handler) {
  if (fd_ < 0) {
    complete_later(std::move(handler), boost::asio::error::bad_descriptor);
    return;
  }
  send_handler_ = std::move(handler);
  send_total_ = data.size();
  queue_send(data);
}

void UringSocket::queue_send(boost::asio::const_buffer rest) {
  send_rest_ = rest;
  io_uring_sqe* sqe = loop_.entry();
  // MSG_WAITALL: the kernel sends it all before it completes, however small the socket buffer.
  io_uring_prep_send(sqe, fd_, rest.data(), rest.size(), MSG_NOSIGNAL | MSG_WAITALL);
  io_uring_sqe_set_data64(sqe, UringLoop::tag(slot_, generation_, UringLoop::Op::send));
  ++loop_.sends_queued_;
}

void UringSocket::sent(int result) {
  if (result >= 0 && static_cast<std::size_t>(result) < send_rest_.size()) {
    queue_send(send_rest_ + static_cast<std::size_t>(result));  // a short send: the rest
    return;
  }
  auto handler = std::move(send_handler_);
  if (!handler) return;
  if (result < 0) {
    handler(system_error(-result), 0);
  } else {
    handler(error_code{}, send_total_);
  }
}

std::size_t UringSocket::write_some(boost::asio::const_buffer data, error_code& ec) {
  ec.clear();
  if (fd_ < 0) {
    ec = boost::asio::error::bad_descriptor;
    return 0;
  }
  const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n >= 0) return static_cast<std::size_t>(n);
  if (errno == EAGAIN) {
    ec = boost::asio::error::would_block;
  } else {
    ec = system_error(errno);
  }
  return 0;
}

void UringSocket::complete_later(Handler handler, error_code ec) {
  loop_.defer([h = std::move(handler), ec]() mutable { h(ec, 0); });
}

void UringSocket::close() noexcept {
  if (fd_ < 0) return;
  if (loop_.shutting_down()) {
    // The ring's end cancels what is armed on it, and the socket goes with the last of it.
    ::close(fd_);
    fd_ = -1;
    abandon_pending();
    return;
  }
  // Cancel first: the kernel holds the socket for as long as a receive is armed on it, so a
  // close alone would leave it open. Each operation still in the kernel is cancelled by its
  // own tag, a hash lookup: cancelling by descriptor walks every armed request, and 100,000
  // connections closing at the end of a run took seconds that way. Hard-linked, the close
  // follows whether or not there was anything left to cancel.
  std::array<UringLoop::Op, 3> pending{};
  std::size_t count = 0;
  if (receiving_) pending[count++] = UringLoop::Op::receive;
  if (connect_handler_) pending[count++] = UringLoop::Op::connect;
  if (send_handler_) pending[count++] = UringLoop::Op::send;
  io_uring_sqe* sqe = loop_.entry(static_cast<unsigned>(count) + 1);
  for (std::size_t i = 0; i < count; ++i) {
    io_uring_prep_cancel64(sqe, UringLoop::tag(slot_, generation_, pending[i]), 0);
    sqe->flags |= IOSQE_IO_HARDLINK;
    io_uring_sqe_set_data64(sqe, UringLoop::tag(slot_, generation_, UringLoop::Op::none));
    sqe = io_uring_get_sqe(&loop_.ring_);  // room was made for the whole chain
  }
  io_uring_prep_close(sqe, fd_);
  io_uring_sqe_set_data64(sqe, UringLoop::tag(slot_, generation_, UringLoop::Op::close));
  ++loop_.closing_;
  fd_ = -1;
  abandon_pending();
}

void UringSocket::abandon_pending() noexcept {
  ++generation_;
  receiving_ = false;
  early_.clear();
  end_.clear();
  const error_code aborted = boost::asio::error::operation_aborted;
  if (connect_handler_) {
    loop_.defer([h = std::move(connect_handler_), aborted]() mutable { h(aborted); });
    connect_handler_.reset();
  }
  if (read_handler_) {
    complete_later(std::move(read_handler_), aborted);
    read_handler_.reset();
  }
  if (send_handler_) {
    complete_later(std::move(send_handler_), aborted);
    send_handler_.reset();
  }
}

}  // namespace surge
