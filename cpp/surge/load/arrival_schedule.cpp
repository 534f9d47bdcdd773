#include "surge/load/arrival_schedule.hpp"

#include <cmath>

namespace surge {

ArrivalSchedule::ArrivalSchedule(const RateCurve& rate, Nanos origin, int worker, int workers,
                                 Arrivals arrivals, std::uint64_t seed)
    : rate_(rate), origin_(origin), worker_(worker), workers_(workers), arrivals_(arrivals), rng_(seed) {}

Nanos ArrivalSchedule::next() noexcept {
  double n = 0;
  if (arrivals_ == Arrivals::uniform) {
    n = static_cast<double>(index_ * workers_ + worker_);
  } else {
    // Each worker runs a Poisson process at 1/T of the rate; their superposition is Poisson
    // at the full rate. On the integral's scale the gaps are exponential with mean T.
    position_ += -std::log(1.0 - rng_.uniform()) * static_cast<double>(workers_);
    n = position_;
  }
  ++index_;
  const double t = rate_.time_of_integral(n, hint_);
  if (!std::isfinite(t) || t > 1e7) return kNever;  // beyond ~115 days: treat as never
  return origin_ + static_cast<Nanos>(std::llround(t * 1e9));
}

}  // namespace surge
