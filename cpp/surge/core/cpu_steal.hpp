// The time a hypervisor took from the CPUs a thread may run on ("steal" in /proc/stat).
// A thread that runs while its virtual CPU is stolen is charged neither run time nor run-queue
// time by the guest's scheduler, so a generator on a busy cloud VM looks idler than it was.
// ThreadBusyMeter adds this back. Read twice per thread and run, into a stack buffer.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace surge {

// Sums the steal ticks of the `cpuN` lines of /proc/stat text for the CPUs `allowed` says
// yes to, and counts them. The text may stop mid-line (a short read): that line is ignored.
struct StealTicks {
  std::int64_t ticks = 0;
  int cpus = 0;
};

template <typename Allowed>
StealTicks steal_ticks_in(std::string_view text, Allowed&& allowed) {
  StealTicks total;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    if (eol == std::string_view::npos) break;  // a cut line says nothing certain
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    if (!line.starts_with("cpu")) break;  // the cpu lines come first, then the rest
    if (line.size() < 4 || line[3] < '0' || line[3] > '9') continue;  // "cpu " is the sum
    // cpuN user nice system idle iowait irq softirq steal ...: the 8th number is steal.
    char buffer[192];
    if (line.size() >= sizeof buffer) continue;
    std::memcpy(buffer, line.data(), line.size());
    buffer[line.size()] = '\0';
    char* cursor = buffer + 3;
    const long cpu = std::strtol(cursor, &cursor, 10);
    std::int64_t steal = -1;
    for (int field = 1; field <= 8; ++field) {
      char* next = nullptr;
      const long long value = std::strtoll(cursor, &next, 10);
      if (next == cursor) break;
      cursor = next;
      if (field == 8) steal = value;
    }
    if (steal < 0 || !allowed(static_cast<int>(cpu))) continue;
    total.ticks += steal;
    ++total.cpus;
  }
  return total;
}

// Nanoseconds stolen so far from the CPUs the calling thread may run on, averaged over them
// (for a thread pinned to one CPU, that CPU's); -1 where the kernel does not say.
inline std::int64_t stolen_ns_of_my_cpus() noexcept {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (::sched_getaffinity(0, sizeof mask, &mask) != 0) return -1;
  const int fd = ::open("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  // The cpu lines lead the file, about 60 bytes each: 16 KiB holds a few hundred CPUs.
  char text[16384];
  std::size_t size = 0;
  while (size < sizeof text) {
    const ssize_t n = ::read(fd, text + size, sizeof text - size);
    if (n <= 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const StealTicks steal = steal_ticks_in(std::string_view(text, size), [&mask](int cpu) {
    return cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &mask);
  });
  const long hz = ::sysconf(_SC_CLK_TCK);
  if (steal.cpus == 0 || hz <= 0) return -1;
  return steal.ticks * (1'000'000'000 / hz) / steal.cpus;
}

}  // namespace surge
