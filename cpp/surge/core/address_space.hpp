// Whether this process's address space can hold more threads. Under an RLIMIT_AS, each thread
// reserves its stack out of it; a thread that starts with too little left can fail inside
// glibc, allocating its thread-local data, which ends the whole process where nothing can
// catch it. Checked before threads start, so a run that cannot have them all ends cleanly.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <optional>

namespace surge {

// Bytes of address space left under RLIMIT_AS, or none when there is no limit.
inline std::optional<std::size_t> address_space_left() noexcept {
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
  std::size_t pages = 0;
  if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%zu", &pages) != 1) pages = 0;
    std::fclose(statm);
  }
  const std::size_t used = pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return used < limit.rlim_cur ? limit.rlim_cur - used : 0;
}

// What one more thread takes out of the address space, at least: its stack (glibc's default
// is RLIMIT_STACK's soft limit, 8 MiB when that is unlimited) and a margin for its guard page,
// thread-local data and first allocations.
inline std::size_t address_space_per_thread() noexcept {
  constexpr std::size_t kDefaultStack = std::size_t{8} << 20;
  constexpr std::size_t kMargin = std::size_t{1} << 20;
  rlimit stack{};
  const bool known = getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY;
  return (known ? static_cast<std::size_t>(stack.rlim_cur) : kDefaultStack) + kMargin;
}

}  // namespace surge
