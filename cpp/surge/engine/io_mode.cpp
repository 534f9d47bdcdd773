#include "surge/engine/io_mode.hpp"

#include <liburing.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace surge {

namespace {

std::string why(const char* step, int error) {
  return std::string(step) + ": " + std::strerror(error);
}

// The whole path once, on a socket pair: a ring, a buffer ring, and a multishot receive that
// delivers a byte and stays armed. Anything short of that is a refusal, with the step named.
}  // namespace

std::string probe_uring() {
  io_uring ring{};
  if (const int r = io_uring_queue_init(8, &ring, 0); r < 0) return why("io_uring_setup refused", -r);
  std::string refusal;
  int pair[2] = {-1, -1};
  constexpr unsigned kEntries = 8;
  constexpr std::size_t kBufferSize = 64;
  std::vector<char> bytes(std::size_t{kEntries} * kBufferSize);
  const std::size_t ring_size = sizeof(io_uring_buf) * kEntries;
  void* memory = ::mmap(nullptr, ring_size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  auto* buffers = memory == MAP_FAILED ? nullptr : static_cast<io_uring_buf_ring*>(memory);
  int r = 0;
  if (buffers != nullptr) {
    io_uring_buf_ring_init(buffers);
    io_uring_buf_reg registration{};
    registration.ring_addr = reinterpret_cast<std::uint64_t>(memory);
    registration.ring_entries = kEntries;
    registration.bgid = 0;
    r = io_uring_register_buf_ring(&ring, &registration, 0);
  }
  if (buffers == nullptr) {
    refusal = why("mapping a buffer ring", errno);
  } else if (r < 0) {
    refusal = why("registering a provided-buffer ring", -r);
  } else if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
    refusal = why("socketpair", errno);
  } else {
    for (unsigned i = 0; i < kEntries; ++i) {
      io_uring_buf_ring_add(buffers, bytes.data() + std::size_t{i} * kBufferSize, kBufferSize,
                            static_cast<unsigned short>(i), io_uring_buf_ring_mask(kEntries),
                            static_cast<int>(i));
    }
    io_uring_buf_ring_advance(buffers, kEntries);
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_recv_multishot(sqe, pair[0], nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    const char byte = 'x';
    if (::write(pair[1], &byte, 1) != 1) {
      refusal = why("writing to a socketpair", errno);
    } else if (r = io_uring_submit_and_wait(&ring, 1); r < 0) {
      refusal = why("io_uring_enter", -r);
    } else {
      io_uring_cqe* cqe = nullptr;
      io_uring_peek_cqe(&ring, &cqe);
      if (cqe == nullptr) {
        refusal = "a multishot receive completed nothing";
      } else if (cqe->res < 0) {
        refusal = why("multishot receive", -cqe->res);
      } else if ((cqe->flags & IORING_CQE_F_MORE) == 0) {
        refusal = "a multishot receive did not stay armed (a kernel before 6.0)";
      }
    }
  }
  if (pair[0] >= 0) ::close(pair[0]);
  if (pair[1] >= 0) ::close(pair[1]);
  io_uring_queue_exit(&ring);
  if (buffers != nullptr) ::munmap(memory, ring_size);
  return refusal;
}

std::string uring_refusal() {
  // Read at every run, so a process (a test) can turn it off and on again.
  if (const char* env = std::getenv("SURGE_IO_URING")) {
    const std::string value(env);
    if (value == "off" || value == "0" || value == "no") return "SURGE_IO_URING=" + value + " turns it off";
  }
  static const std::string kernel_refusal = probe_uring();
  return kernel_refusal;
}

bool use_uring(IoMode mode, bool protocol_has_uring) {
  switch (mode) {
    case IoMode::epoll:
      return false;
    case IoMode::automatic:
      return protocol_has_uring && uring_refusal().empty();
    case IoMode::uring:
      if (!protocol_has_uring) {
        throw std::invalid_argument(
            "io: PostgreSQL's connections are libpq's own, which waits on them through epoll; "
            "give io='auto' or 'epoll'");
      }
      if (!uring_refusal().empty()) {
        throw std::invalid_argument("io: io_uring cannot be used here (" + uring_refusal() +
                                    "); give io='auto' or 'epoll'");
      }
      return true;
  }
  return false;
}

}  // namespace surge
