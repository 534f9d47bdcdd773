// The pause before a connection tries again after the server refused it or rejected its
// set-up: it doubles with each failure in a row, from 10 ms to 1 s, so a server that is down
// gets a bounded retry rate instead of a busy loop; a good reply starts it afresh. HTTP
// connections and pipelined connections (through LaneBackoff) both follow it.
#pragma once

#include <algorithm>

#include "surge/core/clock.hpp"

namespace surge {

class Backoff {
 public:
  static constexpr Nanos kFirst = 10 * kNanosPerMilli;
  static constexpr Nanos kMost = 1000 * kNanosPerMilli;

  // The pause for one more failure in a row.
  Nanos next() noexcept {
    pause_ = pause_ == 0 ? kFirst : std::min(pause_ * 2, kMost);
    return pause_;
  }
  void succeeded() noexcept { pause_ = 0; }

 private:
  Nanos pause_ = 0;  // the last pause; 0 after a success
};

}  // namespace surge
