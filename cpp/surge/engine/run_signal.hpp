// The coordinator's wake-up: workers report "ready" (their first connections are up) and
// "done" through it once per run each, never per request.
#pragma once

#include <condition_variable>
#include <mutex>

#include "surge/core/clock.hpp"

namespace surge {

struct RunSignal {
  std::mutex mutex;
  std::condition_variable cv;
  int workers_ready = 0;
  int workers_done = 0;

  void worker_ready() {
    {
      const std::lock_guard lock(mutex);
      ++workers_ready;
    }
    cv.notify_all();
  }

  void worker_done() {
    {
      const std::lock_guard lock(mutex);
      ++workers_done;
    }
    cv.notify_all();
  }
};

// Absolute times of one run, shared read-only by every worker. The coordinator sets them once
// every worker is ready, before it posts begin() to them; workers read them only after that.
struct RunClock {
  Nanos t0 = 0;             // schedule origin; warm-up starts here
  Nanos measure_start = 0;  // statistics are kept for requests intended from here on
  Nanos measure_end = 0;    // no request intended at or after this is issued
};

}  // namespace surge
