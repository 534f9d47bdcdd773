// Names the calling thread as the kernel shows it (/proc/self/task/*/comm, top -H, perf), so
// a profile tells surge's engine threads from the other threads of the same process: the
// Python interpreter's, or an in-process target's.
#pragma once

#if defined(__linux__)
#include <pthread.h>
#endif

namespace surge {

inline constexpr const char* kEngineThreadName = "surge-engine";
inline constexpr const char* kTargetThreadName = "surge-target";

// At most 15 characters reach the kernel; a longer name is refused and the thread keeps its own.
inline void name_this_thread(const char* name) noexcept {
#if defined(__linux__)
  (void)pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

}  // namespace surge
