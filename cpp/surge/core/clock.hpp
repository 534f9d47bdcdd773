// The engine's one clock: monotonic nanoseconds. Every timestamp in a run comes from here.
#pragma once

#include <chrono>
#include <cstdint>

namespace surge {

using Nanos = std::int64_t;

inline Nanos now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr Nanos kNanosPerSecond = 1'000'000'000;
constexpr Nanos kNanosPerMilli = 1'000'000;
constexpr Nanos kNanosPerMicro = 1'000;

}  // namespace surge
