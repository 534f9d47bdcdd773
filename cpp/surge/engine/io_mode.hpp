// Which transport a run's sockets use: epoll through Asio, or io_uring (engine/uring_loop.hpp).
// `automatic` takes io_uring where this process may use it and the protocol has it, and epoll
// otherwise. Docker's default seccomp profile, kernels before 6.0 (no multishot receive) and
// SURGE_IO_URING=off all leave epoll.
#pragma once

#include <string>
#include <string_view>

namespace surge {

enum class IoMode { automatic, uring, epoll };

// Why this process cannot use io_uring as surge needs it (a ring, a provided-buffer ring and a
// multishot receive that works on a socket pair), or empty when it can. The kernel is probed
// once; SURGE_IO_URING=off is read each time.
std::string uring_refusal();
// The kernel's part of it, probed now (not cached): for tests that change what it allows.
std::string probe_uring();

// Whether a run in `mode` of a protocol that has (`protocol_has_uring`) an io_uring transport
// uses it. Throws std::invalid_argument for `uring` where it cannot be used.
bool use_uring(IoMode mode, bool protocol_has_uring);

}  // namespace surge
