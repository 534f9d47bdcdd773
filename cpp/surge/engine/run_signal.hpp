// The coordinator's wake-up: workers report "done" through it once per run, never per request.
#pragma once

#include <condition_variable>
#include <mutex>

#include "surge/core/clock.hpp"

namespace surge {

struct RunSignal {
  std::mutex mutex;
  std::condition_variable cv;
  int workers_done = 0;

  void worker_done() {
    {
      const std::lock_guard lock(mutex);
      ++workers_done;
    }
    cv.notify_all();
  }
};

// Absolute times of one run, shared read-only by every worker.
struct RunClock {
  Nanos t0 = 0;             // schedule origin; warm-up starts here
  Nanos measure_start = 0;  // statistics are kept for requests intended from here on
  Nanos measure_end = 0;    // no request intended at or after this is issued
};

}  // namespace surge
