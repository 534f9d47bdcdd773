// A worker's io_uring: the ring, its provided-buffer ring for receives, and the loop that runs
// the worker thread when the run's transport is io_uring (--io uring, or auto where the kernel
// allows it; engine/io_mode.hpp).
//
// The shape: the ring drives the thread, and Asio sits beside it for what it already does well
// here (timers, and the coordinator's messages). One io_uring_enter per loop turn submits every
// send, connect, receive and close queued since the last turn and waits for the next
// completion; the turn then handles every completion that is there. Asio's reactor is asked
// (one non-blocking epoll_wait, through io_context::poll) only in turns where it has something:
// the ring keeps a poll on Asio's epoll descriptor, which becomes readable when an Asio timer
// fires, and the coordinator writes an eventfd the ring reads when it posts. The other shape,
// the ring beside Asio (its completions waking Asio's epoll_wait through an eventfd), costs an
// epoll_wait, an eventfd read and an io_uring_enter per turn; this one costs the enter alone.
// docs/performance.md has the two side by side.
//
// Handlers of the worker's own (a lane that must not recurse) are deferred to the end of the
// turn instead of posted to Asio: a post from outside io_context::run() would sit unseen until
// the next poll, since Asio only wakes its reactor for posts while it waits inside run().
#pragma once

#include <liburing.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/inplace_function.hpp"

namespace surge {

class UringSocket;

class UringLoop {
 public:
  using Deferred = InplaceFunction<void(), 160>;
  // What a ring entry's completion belongs to, in the low byte of its user_data.
  enum class Op : std::uint8_t { none = 0, connect, receive, send, close, asio, wake };

  UringLoop();
  UringLoop(const UringLoop&) = delete;
  UringLoop& operator=(const UringLoop&) = delete;
  ~UringLoop();

  // On the worker thread, before anything is submitted: sets up the ring (a single issuer).
  // Throws std::runtime_error when the kernel refuses it.
  void open(boost::asio::io_context& context);
  // Runs turns until `context` has stopped (the worker shut down); then cancels what is left
  // in the kernel and closes the ring, so nothing in the kernel still refers to the lanes.
  void run(boost::asio::io_context& context);
  // From any thread: the coordinator posted into the worker's io_context.
  void wake() noexcept;
  // The worker is shutting down: sockets close with a plain close() from now on, and what they
  // still have armed is cancelled all at once when the ring closes. Cancelling each by its tag
  // and closing it through the ring costs three entries a socket, and with 100,000 connections
  // that ended the run a second after SIGTERM.
  void begin_shutdown() noexcept { shutting_down_ = true; }
  [[nodiscard]] bool shutting_down() const noexcept { return shutting_down_; }

  // A free submission entry, with `room` - 1 more free after it for a linked chain (queued
  // entries are submitted first when the ring is too full).
  io_uring_sqe* entry(unsigned room = 1);
  // A socket's slot in the completion table; `user_data` names the slot, a generation and the op.
  int add_socket(UringSocket* socket);
  void remove_socket(int slot) noexcept;
  static std::uint64_t tag(int slot, std::uint32_t generation, Op op) noexcept {
    return (static_cast<std::uint64_t>(slot) << 32) |
           (static_cast<std::uint64_t>(generation & 0xffffff) << 8) | static_cast<std::uint64_t>(op);
  }
  // The provided buffers a multishot receive draws from.
  [[nodiscard]] static constexpr std::uint16_t buffer_group() noexcept { return 0; }
  static constexpr unsigned kBufferCount = 512;  // a power of two
  static constexpr unsigned kBufferSize = 4096;
  // A worker handler that must run after the current one, on this thread.
  void defer(Deferred handler) { deferred_.push_back(std::move(handler)); }
  // The open model's pacer: `handler` runs once the clock reaches `when` (steady clock, ns).
  // The turn's own wait ends then, so a wake-up costs no timer call of its own (an Asio timer
  // costs a timerfd_settime and an epoll_wait each). One deadline: a new one replaces it.
  void wake_at(Nanos when, Deferred handler) {
    wake_at_ = when;
    wake_handler_ = std::move(handler);
  }
  void cancel_wake() noexcept { wake_handler_.reset(); }

 private:
  void handle(const io_uring_cqe& cqe);
  void give_back(unsigned buffer_id) noexcept;
  void arm_asio();
  void arm_wake();
  void run_deferred();
  void close_ring() noexcept;
  // One io_uring_enter: submits, then waits for a completion until `wait_ns` (-1: for as long
  // as it takes; 0: not at all), and handles every completion there is.
  void turn(Nanos wait_ns);
  // The pacer's deadline, if it has come: runs its handler. True when it ran.
  bool wake_if_due();

  io_uring ring_{};
  bool open_ = false;
  io_uring_buf_ring* buffers_ = nullptr;
  void* buffers_memory_ = nullptr;
  std::size_t buffers_memory_size_ = 0;
  std::vector<char> buffer_bytes_;
  unsigned buffer_count_ = 0;
  int asio_fd_ = -1;  // Asio's epoll descriptor
  int wake_fd_ = -1;  // an eventfd the coordinator writes (made with the loop)
  std::uint64_t wake_value_ = 0;
  bool asio_ready_ = true;  // poll Asio in this turn (the first turn does)
  // SURGE_URING_POLL_ASIO=every-turn: poll Asio in every turn, as the ring beside Asio would
  // have to (benchmarks/uring_shapes.py measures what that costs); a measurement switch only.
  bool poll_asio_every_turn_ = false;
  bool asio_armed_ = false;
  std::vector<UringSocket*> sockets_;
  std::vector<int> free_slots_;
  std::vector<Deferred> deferred_;
  std::vector<Deferred> running_;
  Nanos wake_at_ = 0;
  Deferred wake_handler_;
  int closing_ = 0;  // descriptors whose close is in the ring
  bool shutting_down_ = false;
  // Sends queued since the last enter. A small send completes within the enter that submits it,
  // and its completion alone would end the turn's wait: the turn waits for one completion more
  // than these, so a request costs one enter, not one for its send and one for its response.
  unsigned sends_queued_ = 0;

  friend class UringSocket;
};

}  // namespace surge
