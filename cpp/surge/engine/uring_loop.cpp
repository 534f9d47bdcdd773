#include "surge/engine/uring_loop.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/detail/epoll_reactor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "surge/engine/uring_socket.hpp"

namespace surge {

namespace {

// Asio's epoll descriptor, which Asio keeps private: the ring polls it to learn that a timer
// fired. The member pointer is taken through an explicit instantiation, where the language
// does not check access ([temp.spec.general]); it is the one place surge reaches into Asio,
// and tests/test_io.py runs every timer-driven path (think time, back-off, the open model's
// pacer, the deadline sweep) on this loop.
using EpollFdMember = int boost::asio::detail::epoll_reactor::*;
EpollFdMember epoll_fd_member();
template <EpollFdMember Member>
struct EpollFdAccess {
  friend EpollFdMember epoll_fd_member() { return Member; }
};
template struct EpollFdAccess<&boost::asio::detail::epoll_reactor::epoll_fd_>;

int asio_epoll_fd(boost::asio::io_context& context) {
  auto& reactor = boost::asio::use_service<boost::asio::detail::epoll_reactor>(context);
  return reactor.*epoll_fd_member();
}

std::runtime_error refused(const char* what, int error) {
  return std::runtime_error(std::string("io_uring: ") + what + ": " + std::strerror(error));
}

}  // namespace

// The eventfd now, on the coordinator's thread: it may wake the loop before its thread opens
// the ring, and the ring's first read then finds the count waiting.
UringLoop::UringLoop() : wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) throw refused("creating an eventfd", errno);
  const char* shape = std::getenv("SURGE_URING_POLL_ASIO");
  poll_asio_every_turn_ = shape != nullptr && std::string_view(shape) == "every-turn";
}

UringLoop::~UringLoop() {
  close_ring();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void UringLoop::open(boost::asio::io_context& context) {
  io_uring_params params{};
  // One thread submits, and completions are handled only when it asks for them: the kernel
  // then runs no task work between turns, which interrupts the thread less.
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
  params.cq_entries = 16384;
  int r = io_uring_queue_init_params(4096, &ring_, &params);
  if (r == -EINVAL) {  // a kernel before 6.1
    params = {};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = 16384;
    r = io_uring_queue_init_params(4096, &ring_, &params);
  }
  if (r < 0) throw refused("setting up a ring", -r);
  open_ = true;
  // The turn's wait times the open model's arrivals: no slack added to it (50 us by default).
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  buffers_memory_size_ = sizeof(io_uring_buf) * kBufferCount;
  buffers_memory_ =
      ::mmap(nullptr, buffers_memory_size_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (buffers_memory_ == MAP_FAILED) {
    buffers_memory_ = nullptr;
    throw refused("mapping the buffer ring", errno);
  }
  buffers_ = static_cast<io_uring_buf_ring*>(buffers_memory_);
  io_uring_buf_ring_init(buffers_);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uint64_t>(buffers_memory_);
  registration.ring_entries = kBufferCount;
  registration.bgid = buffer_group();
  if (r = io_uring_register_buf_ring(&ring_, &registration, 0); r < 0)
    throw refused("registering buffers", -r);
  buffer_bytes_.resize(std::size_t{kBufferCount} * kBufferSize);
  for (unsigned id = 0; id < kBufferCount; ++id) {
    io_uring_buf_ring_add(buffers_, buffer_bytes_.data() + std::size_t{id} * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(id), io_uring_buf_ring_mask(kBufferCount),
                          static_cast<int>(id));
  }
  io_uring_buf_ring_advance(buffers_, static_cast<int>(kBufferCount));

  asio_fd_ = asio_epoll_fd(context);
  arm_wake();
  arm_asio();
}

void UringLoop::wake() noexcept {
  const std::uint64_t one = 1;
  if (wake_fd_ >= 0) [[maybe_unused]]
    auto written = ::write(wake_fd_, &one, sizeof one);
}

io_uring_sqe* UringLoop::entry(unsigned room) {
  if (io_uring_sq_space_left(&ring_) < room) io_uring_submit(&ring_);
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  // The submission queue has 4096 entries and was just submitted: it has room.
  if (sqe == nullptr) throw std::runtime_error("io_uring: no submission entry free after a submit");
  return sqe;
}

int UringLoop::add_socket(UringSocket* socket) {
  if (!free_slots_.empty()) {
    const int slot = free_slots_.back();
    free_slots_.pop_back();
    sockets_[static_cast<std::size_t>(slot)] = socket;
    return slot;
  }
  sockets_.push_back(socket);
  return static_cast<int>(sockets_.size() - 1);
}

void UringLoop::remove_socket(int slot) noexcept {
  sockets_[static_cast<std::size_t>(slot)] = nullptr;
  free_slots_.push_back(slot);
}

void UringLoop::arm_asio() {
  asio_armed_ = true;
  io_uring_sqe* sqe = entry();
  io_uring_prep_poll_add(sqe, asio_fd_, POLLIN);
  io_uring_sqe_set_data64(sqe, tag(0, 0, Op::asio));
}

void UringLoop::arm_wake() {
  io_uring_sqe* sqe = entry();
  io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
  io_uring_sqe_set_data64(sqe, tag(0, 0, Op::wake));
}

void UringLoop::run(boost::asio::io_context& context) {
  while (true) {
    if (asio_ready_ || poll_asio_every_turn_) {
      // Timers that fired, and what the coordinator posted. (An Asio timer armed or cancelled
      // from a ring handler needs no poll: the reactor sets its timerfd at once.)
      asio_ready_ = false;
      context.poll();
      if (context.stopped()) break;
      if (!asio_armed_) arm_asio();
    }
    run_deferred();
    if (wake_if_due()) continue;  // it may have deferred handlers, or a deadline due already
    Nanos wait = -1;
    if (!deferred_.empty()) {
      wait = 0;  // handlers are waiting to run: take what has completed, wait for nothing more
    } else if (wake_handler_) {
      wait = std::max<Nanos>(wake_at_ - now_ns(), 0);
    }
    turn(wait);
  }
  close_ring();
}

bool UringLoop::wake_if_due() {
  if (!wake_handler_ || now_ns() < wake_at_) return false;
  auto handler = std::move(wake_handler_);
  handler();
  return true;
}

void UringLoop::turn(Nanos wait_ns) {
  const unsigned wait_for = wait_ns == 0 ? 1 : 1 + sends_queued_;
  sends_queued_ = 0;
  if (wait_ns < 0) {
    io_uring_submit_and_wait(&ring_, wait_for);
  } else {
    // The timeout goes with the enter itself (IORING_FEAT_EXT_ARG), not as an entry.
    __kernel_timespec timeout{wait_ns / kNanosPerSecond, wait_ns % kNanosPerSecond};
    io_uring_cqe* first = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &first, wait_for, &timeout, nullptr);
  }
  unsigned head = 0;
  unsigned seen = 0;
  io_uring_cqe* cqe = nullptr;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    handle(*cqe);
  }
  io_uring_cq_advance(&ring_, seen);
}

void UringLoop::run_deferred() {
  // Handlers deferred by these run in the next round; bounded, so completions are not starved
  // by a lane that keeps deferring.
  for (int round = 0; round < 4 && !deferred_.empty(); ++round) {
    running_.swap(deferred_);
    for (auto& handler : running_) handler();
    running_.clear();
  }
}

void UringLoop::handle(const io_uring_cqe& cqe) {
  const std::uint64_t data = cqe.user_data;
  const auto op = static_cast<Op>(data & 0xff);
  const auto generation = static_cast<std::uint32_t>((data >> 8) & 0xffffff);
  const auto slot = static_cast<std::size_t>(data >> 32);
  switch (op) {
    case Op::none:
      return;
    case Op::asio:
      asio_armed_ = false;
      asio_ready_ = true;
      return;
    case Op::wake:
      asio_ready_ = true;
      if (open_) arm_wake();
      return;
    case Op::close:
      --closing_;
      return;
    default:
      break;
  }
  UringSocket* socket = slot < sockets_.size() ? sockets_[slot] : nullptr;
  const bool current = socket != nullptr && (socket->generation() & 0xffffff) == generation;
  switch (op) {
    case Op::connect:
      if (current) socket->connected(cqe.res);
      return;
    case Op::send:
      if (current) socket->sent(cqe.res);
      return;
    case Op::receive: {
      const bool has_buffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
      const unsigned id = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
      const char* bytes = has_buffer ? buffer_bytes_.data() + std::size_t{id} * kBufferSize : nullptr;
      if (current) socket->received(cqe.res, bytes, (cqe.flags & IORING_CQE_F_MORE) != 0);
      if (has_buffer) give_back(id);
      return;
    }
    default:
      return;
  }
}

void UringLoop::give_back(unsigned buffer_id) noexcept {
  io_uring_buf_ring_add(buffers_, buffer_bytes_.data() + std::size_t{buffer_id} * kBufferSize, kBufferSize,
                        static_cast<unsigned short>(buffer_id), io_uring_buf_ring_mask(kBufferCount), 0);
  io_uring_buf_ring_advance(buffers_, 1);
}

void UringLoop::close_ring() noexcept {
  if (!open_) return;
  // The sockets closed at shutdown close through the ring: see those closes done, so no
  // descriptor is left open, then let the ring's end cancel whatever else is armed.
  io_uring_submit(&ring_);
  for (int waited = 0; closing_ > 0 && waited < 100; ++waited) {
    __kernel_timespec ten_ms{0, 10'000'000};
    io_uring_cqe* first = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &first, 1, &ten_ms, nullptr);
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      if (static_cast<Op>(cqe->user_data & 0xff) == Op::close) --closing_;
    }
    io_uring_cq_advance(&ring_, seen);
  }
  open_ = false;
  io_uring_queue_exit(&ring_);
  if (buffers_memory_ != nullptr) ::munmap(buffers_memory_, buffers_memory_size_);
  buffers_memory_ = nullptr;
}

}  // namespace surge
