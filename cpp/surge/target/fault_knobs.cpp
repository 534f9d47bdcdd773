#include "surge/target/fault_knobs.hpp"

#include <cmath>

namespace surge::target {

void FaultKnobs::set_latency(LatencyKind kind, double a_ms, double b_ms) noexcept {
  latency_a_ms_.store(a_ms, std::memory_order_relaxed);
  latency_b_ms_.store(b_ms, std::memory_order_relaxed);
  latency_kind_.store(static_cast<int>(kind), std::memory_order_release);
}

void FaultKnobs::set_stall(Nanos every, Nanos length) noexcept {
  stall_every_.store(0, std::memory_order_release);
  stall_length_.store(length, std::memory_order_relaxed);
  stall_origin_.store(now_ns(), std::memory_order_relaxed);
  stall_every_.store(every > 0 ? every : 0, std::memory_order_release);
}

Nanos FaultKnobs::added_latency(Rng& rng) const noexcept {
  const auto kind = static_cast<LatencyKind>(latency_kind_.load(std::memory_order_acquire));
  const double a = latency_a_ms_.load(std::memory_order_relaxed);
  const double b = latency_b_ms_.load(std::memory_order_relaxed);
  double ms = 0;
  switch (kind) {
    case LatencyKind::none:
      return 0;
    case LatencyKind::fixed:
      ms = a;
      break;
    case LatencyKind::uniform:
      ms = a + (b - a) * rng.uniform();
      break;
    case LatencyKind::lognormal: {
      const double u1 = 1.0 - rng.uniform();
      const double u2 = rng.uniform();
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      ms = a * std::exp(b * z);
      break;
    }
  }
  return static_cast<Nanos>(std::max(ms, 0.0) * 1e6);
}

Nanos FaultKnobs::release_time(Nanos ready) const noexcept {
  const Nanos every = stall_every_.load(std::memory_order_acquire);
  if (every <= 0) return ready;
  const Nanos origin = stall_origin_.load(std::memory_order_relaxed);
  const Nanos length = stall_length_.load(std::memory_order_relaxed);
  if (ready < origin + every) return ready;
  const Nanos since_window = (ready - origin) % every;  // windows start at origin + k*every, k >= 1
  return since_window < length ? ready - since_window + length : ready;
}

}  // namespace surge::target
