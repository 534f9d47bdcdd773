#include "surge/load/arrival_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace surge {

ArrivalSchedule::ArrivalSchedule(std::shared_ptr<const RateCurve> rate, Nanos origin, int worker, int workers,
                                 Arrivals arrivals, std::uint64_t seed)
    : rate_(std::move(rate)),
      origin_(origin),
      worker_(worker),
      workers_(workers),
      arrivals_(arrivals),
      rng_(seed) {}

Nanos ArrivalSchedule::time_of(double n) noexcept {
  const double t = rate_->time_of_integral(n, hint_);
  if (!std::isfinite(t) || t > 1e7) return kNever;  // beyond ~115 days: treat as never
  return origin_ + static_cast<Nanos>(std::llround(t * 1e9));
}

Nanos ArrivalSchedule::follow(std::shared_ptr<const RateCurve> rate) noexcept {
  rate_ = std::move(rate);
  hint_ = 0;  // a segment index of the old curve
  if (index_ == 0) return kNever;
  if (arrivals_ == Arrivals::uniform) return time_of(static_cast<double>((index_ - 1) * workers_ + worker_));
  return time_of(position_);
}

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
  return time_of(n);
}

std::int64_t ArrivalSchedule::count_from_last(Nanos from, Nanos end) const noexcept {
  if (index_ == 0 || end <= from) return 0;
  auto integral_at = [this](Nanos t) { return rate_->integral_to(static_cast<double>(t - origin_) / 1e9); };
  const auto workers = static_cast<double>(workers_);
  const double lo = integral_at(from);
  const double hi = integral_at(end);
  if (arrivals_ == Arrivals::uniform) {
    // This worker's arrivals are at integral values j*T + worker; those before time x number
    // ceil((I(x) - worker) / T).
    auto before = [&](double integral) {
      return integral > worker_ ? static_cast<std::int64_t>(std::ceil((integral - worker_) / workers)) : 0;
    };
    const std::int64_t first = std::max(index_ - 1, before(lo));
    return std::max<std::int64_t>(0, before(hi) - first);
  }
  const double start = std::max(position_, lo);
  const double pending = position_ >= lo && position_ < hi ? 1.0 : 0.0;
  return static_cast<std::int64_t>(std::llround(pending + std::max(0.0, hi - start) / workers));
}

}  // namespace surge
