// The intended start times of one worker's share of an open-model run. Arrivals are the
// points where the integral of the rate curve crosses whole numbers (evenly spaced), or a
// Poisson process with the same rate curve (unit-rate exponential steps on that integral).
// Worker w of T takes every T-th arrival, so T workers together follow the curve exactly.
// Times are absolute and never derived from "now", so a late wake-up never shifts the plan.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>

#include "surge/core/clock.hpp"
#include "surge/core/rng.hpp"
#include "surge/load/rate_curve.hpp"

namespace surge {

enum class Arrivals { uniform, poisson };

class ArrivalSchedule {
 public:
  static constexpr Nanos kNever = std::numeric_limits<Nanos>::max();

  ArrivalSchedule(std::shared_ptr<const RateCurve> rate, Nanos origin, int worker, int workers,
                  Arrivals arrivals, std::uint64_t seed);

  // The next intended start, or kNever once the curve has no more arrivals.
  Nanos next() noexcept;
  // From now on the schedule follows `rate`, a curve equal to the old one up to the instant of
  // a change (RateCurve::spliced): arrivals keep their places on the integral, so those
  // before the change keep their times. Returns the last arrival next() gave, timed on the new
  // curve: the caller's pending arrival, if it falls after the change.
  Nanos follow(std::shared_ptr<const RateCurve> rate) noexcept;
  // How many of this worker's arrivals from the last one next() returned on (that one
  // included) are intended in [from, end): exact for uniform arrivals, the expected number for
  // Poisson ones. For a generator that fell behind: what it never got to send.
  [[nodiscard]] std::int64_t count_from_last(Nanos from, Nanos end) const noexcept;

 private:
  [[nodiscard]] Nanos time_of(double n) noexcept;

  std::shared_ptr<const RateCurve> rate_;
  Nanos origin_;
  int worker_;
  int workers_;
  Arrivals arrivals_;
  Rng rng_;
  std::int64_t index_ = 0;  // this worker's arrivals so far
  double position_ = 0;     // poisson: the integral value of the last arrival
  std::size_t hint_ = 0;
};

}  // namespace surge
