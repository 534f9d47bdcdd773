// Fault knobs of the embedded target. Written rarely (from Python, any time), read per request
// by the server threads, hence atomics.
#pragma once

#include <atomic>
#include <cstdint>

#include "surge/core/clock.hpp"
#include "surge/core/rng.hpp"

namespace surge::target {

enum class LatencyKind : int { none = 0, fixed = 1, uniform = 2, lognormal = 3 };

class FaultKnobs {
 public:
  // fixed: a ms; uniform: a..b ms; lognormal: median a ms, shape sigma b.
  void set_latency(LatencyKind kind, double a_ms, double b_ms) noexcept;
  // Every `every` after now, hold all responses for `length`; every <= 0 switches it off.
  void set_stall(Nanos every, Nanos length) noexcept;
  void set_error_ratio(double r) noexcept { error_ratio_.store(r, std::memory_order_relaxed); }
  void set_drop_ratio(double r) noexcept { drop_ratio_.store(r, std::memory_order_relaxed); }
  // CPU time each request costs its server thread (a busy loop), so that a target of known
  // capacity exists: one thread serves at most about 1 / work requests per second.
  void set_cpu_work(Nanos work) noexcept { cpu_work_.store(work > 0 ? work : 0, std::memory_order_relaxed); }
  [[nodiscard]] Nanos cpu_work() const noexcept { return cpu_work_.load(std::memory_order_relaxed); }

  [[nodiscard]] Nanos added_latency(Rng& rng) const noexcept;
  // When a response ready at `ready` may leave: the end of a stall window if it falls in one.
  [[nodiscard]] Nanos release_time(Nanos ready) const noexcept;
  [[nodiscard]] bool inject_error(Rng& rng) const noexcept { return roll(rng, error_ratio_); }
  [[nodiscard]] bool drop_connection(Rng& rng) const noexcept { return roll(rng, drop_ratio_); }
  [[nodiscard]] Nanos stall_origin() const noexcept { return stall_origin_.load(std::memory_order_acquire); }

 private:
  static bool roll(Rng& rng, const std::atomic<double>& ratio) noexcept {
    const double r = ratio.load(std::memory_order_relaxed);
    return r > 0 && rng.uniform() < r;
  }
  std::atomic<int> latency_kind_{0};
  std::atomic<double> latency_a_ms_{0};
  std::atomic<double> latency_b_ms_{0};
  std::atomic<Nanos> stall_origin_{0};
  std::atomic<Nanos> stall_every_{0};
  std::atomic<Nanos> stall_length_{0};
  std::atomic<double> error_ratio_{0};
  std::atomic<double> drop_ratio_{0};
  std::atomic<Nanos> cpu_work_{0};
};

}  // namespace surge::target
