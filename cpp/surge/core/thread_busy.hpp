// How much of its life a thread wanted a core: the time it ran plus the time it waited on a
// run queue for one (Linux's /proc/thread-self/schedstat). A generator thread that wanted a
// core all the time had no idle moment, so what it measured holds its own queue, even when
// its pacer woke on time: with half a core (a busy neighbour, a cgroup quota) the pacer is
// late by a scheduler slice at most, while the requests behind it wait. On a virtual machine
// the time the hypervisor took from the thread's CPUs counts too (core/cpu_steal.hpp): the
// guest charges a running thread nothing for the time its CPU was stolen, so without it a
// starved generator on a busy host reads as idler than it was. Read twice per thread and run, on the stack:
// nothing per request, nothing allocated.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "surge/core/clock.hpp"
#include "surge/core/cpu_steal.hpp"

namespace surge {

class ThreadBusyMeter {
 public:
  // Shorter lives are not judged: a few scheduler slices say little.
  static constexpr Nanos kShortest = 300 * kNanosPerMilli;

  ThreadBusyMeter() noexcept : wall0_(now_ns()), wanted0_(wanted_ns()), stolen0_(stolen_ns_of_my_cpus()) {}

  // The share of the wall time since construction that the calling thread (the one that
  // constructed the meter) ran or waited for a core, 0..1; -1 where the kernel does not say or
  // the time was shorter than kShortest.
  [[nodiscard]] double share() const noexcept {
    const Nanos wall = now_ns() - wall0_;
    const std::int64_t wanted = wanted_ns();
    if (wanted0_ < 0 || wanted < 0 || wall < kShortest) return -1;
    // Stolen time is added where the kernel reports it. It is the CPUs', not the thread's: on a
    // CPU shared with others it can credit a thread with a neighbour's stolen slices, which
    // the clamp to 1 bounds.
    const std::int64_t stolen = stolen0_ < 0 ? -1 : stolen_ns_of_my_cpus();
    const std::int64_t extra = stolen < 0 ? 0 : stolen - stolen0_;
    const double share = static_cast<double>(wanted - wanted0_ + extra) / static_cast<double>(wall);
    return share < 0 ? 0 : (share > 1 ? 1 : share);
  }

  // The calling thread's nanoseconds run plus waited for a core so far; -1 where unknown.
  static std::int64_t wanted_ns() noexcept {
    const int fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[96];
    const ssize_t n = ::read(fd, text, sizeof text - 1);
    ::close(fd);
    if (n <= 0) return -1;
    text[n] = '\0';
    char* end = nullptr;
    const long long ran = std::strtoll(text, &end, 10);
    if (end == text) return -1;
    char* after = nullptr;
    const long long waited = std::strtoll(end, &after, 10);
    if (after == end) return -1;
    return ran + waited;
  }

 private:
  Nanos wall0_;
  std::int64_t wanted0_;
  std::int64_t stolen0_;
};

}  // namespace surge
