// Think time of closed-model users: the pause between one request and the next.
// Pacing (Locust's constant_pacing / constant_throughput) is different in kind: it fixes the
// time between request *starts*, so it defines an intended start and a late user shows lag.
#pragma once

#include <cmath>

#include "surge/core/clock.hpp"
#include "surge/core/rng.hpp"

namespace surge {

enum class ThinkKind { none, constant, uniform, exponential, pacing };

struct ThinkTime {
  ThinkKind kind = ThinkKind::none;
  Nanos a = 0;  // constant: the pause; uniform: low end; exponential: mean; pacing: period
  Nanos b = 0;  // uniform: high end

  [[nodiscard]] bool is_pacing() const noexcept { return kind == ThinkKind::pacing; }

  // When a user whose last request started at `last_start` and ended at `now` should start
  // the next one. For pacing this is an intended start that may already be in the past.
  [[nodiscard]] Nanos next_start(Nanos last_start, Nanos now, Rng& rng) const noexcept {
    switch (kind) {
      case ThinkKind::none:
        return now;
      case ThinkKind::constant:
        return now + a;
      case ThinkKind::uniform:
        return now + a + static_cast<Nanos>(static_cast<double>(b - a) * rng.uniform());
      case ThinkKind::exponential:
        return now + static_cast<Nanos>(-std::log(1.0 - rng.uniform()) * static_cast<double>(a));
      case ThinkKind::pacing:
        return last_start + a;
    }
    return now;
  }
};

}  // namespace surge
