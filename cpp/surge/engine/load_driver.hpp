// A load model as the worker runs it: when requests start and on which lane. The worker core
// owns the lanes, the quota, the statistics and the sends; a driver decides what each free
// lane does next. OpenArrivals paces intended starts from the arrival schedule; ClosedUsers
// runs users, each on its own lane, with think time. Adding a load model is a new driver
// (docs/architecture.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "surge/core/clock.hpp"
#include "surge/load/rate_curve.hpp"

namespace surge {

template <class Lane>
class LoadDriver {
 public:
  LoadDriver() = default;
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;
  virtual ~LoadDriver() = default;

  // The most lanes this worker may have at once (sizes per-lane tables once).
  [[nodiscard]] virtual std::size_t most_lanes() const noexcept = 0;
  // A warm start, before t0: open the connections the first requests will need.
  virtual void preconnect() = 0;
  // At t0, unless the worker has nothing to do.
  virtual void start() = 0;
  // A lane finished its request (or its back-off) and can take another.
  virtual void lane_free(Lane& lane, Nanos now) = 0;
  // Closed model: a user's think time is over.
  virtual void user_wakes(Lane& /*lane*/) {}
  // Stop issuing: the run's window is over.
  virtual void drain() = 0;
  // The run was stopped early at `until`: count what was due and never issued.
  virtual void abandon(Nanos /*until*/) {}
  // The worker has finished or is shutting down: cancel every timer.
  virtual void stop() = 0;
  // Requests are still queued, or users still running: the worker is not finished.
  [[nodiscard]] virtual bool holding() const noexcept = 0;
  // Nothing more will be issued.
  [[nodiscard]] virtual bool schedule_over() = 0;
  // Requests queued and never sent, for the run's `unfinished` count.
  [[nodiscard]] virtual std::int64_t queued() const noexcept { return 0; }
  // The run is over: count each queued request as unfinished in its operation's statistics.
  virtual void count_queued_as_unfinished() {}
  // The load changed while the run goes: from `at` on, follow `curve` (the rate in the open
  // model, the users in the closed one; equal to the old curve before `at`).
  virtual void follow(std::shared_ptr<const RateCurve> curve, Nanos at) = 0;
  // Closed model: users the load model runs now.
  [[nodiscard]] virtual std::int64_t active_users() const noexcept { return 0; }
};

}  // namespace surge
