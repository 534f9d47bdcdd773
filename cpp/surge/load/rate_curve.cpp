#include "surge/load/rate_curve.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace surge {

RateCurve::RateCurve(std::vector<CurveSegment> segments) : segments_(std::move(segments)) {
  double t = 0;
  double area = 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const auto& s = segments_[i];
    const std::string where = "stage " + std::to_string(i + 1);
    if (!(s.duration_s >= 0)) throw std::invalid_argument(where + ": duration must be >= 0");
    if (std::isinf(s.duration_s) && i + 1 != segments_.size())
      throw std::invalid_argument(where + ": only the last stage may be open-ended");
    if (!(s.from >= 0 && s.to >= 0 && std::isfinite(s.from) && std::isfinite(s.to)))
      throw std::invalid_argument(where + ": target must be a finite number >= 0");
    starts_.push_back(t);
    integrals_.push_back(area);
    if (std::isinf(s.duration_s)) {
      t = s.duration_s;
      break;
    }
    t += s.duration_s;
    area += 0.5 * (s.from + s.to) * s.duration_s;
  }
  end_ = t;
}

RateCurve RateCurve::scaled(double factor) const {
  std::vector<CurveSegment> segments = segments_;
  for (auto& s : segments) {
    s.from *= factor;
    s.to *= factor;
  }
  return RateCurve(std::move(segments));
}

RateCurve RateCurve::spliced(double at, std::vector<CurveSegment> after) const {
  at = std::max(at, 0.0);
  std::vector<CurveSegment> segments;
  for (std::size_t i = 0; i < segments_.size() && starts_[i] < at; ++i) {
    CurveSegment head = segments_[i];
    if (starts_[i] + head.duration_s > at) {  // the segment the change falls in: cut at `at`
      head.duration_s = at - starts_[i];
      head.to = value_at(at);
    }
    segments.push_back(head);
  }
  if (end_ < at) segments.push_back(CurveSegment{.duration_s = at - end_, .from = 0, .to = 0});
  segments.insert(segments.end(), after.begin(), after.end());
  return RateCurve(std::move(segments));
}

double RateCurve::value_at(double t) const noexcept {
  if (t < 0) return 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const auto& s = segments_[i];
    const double local = t - starts_[i];
    if (local < s.duration_s) {
      if (std::isinf(s.duration_s) || s.duration_s == 0) return s.from;
      return s.from + (s.to - s.from) * (local / s.duration_s);
    }
  }
  return 0;
}

double RateCurve::integral_to(double t) const noexcept {
  if (t <= 0 || segments_.empty()) return 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const auto& s = segments_[i];
    const double local = t - starts_[i];
    if (local < s.duration_s) {
      if (std::isinf(s.duration_s)) return integrals_[i] + s.from * local;
      const double slope = (s.to - s.from) / s.duration_s;
      return integrals_[i] + s.from * local + 0.5 * slope * local * local;
    }
  }
  const auto& last = segments_.back();
  return integrals_.back() + 0.5 * (last.from + last.to) * last.duration_s;
}

double RateCurve::time_of_integral(double n, std::size_t& hint) const noexcept {
  if (n <= 0) return 0;
  // Callers mostly move forward in n; anything before the hint starts over from the first segment.
  if (hint >= segments_.size() || n < integrals_[hint]) hint = 0;
  for (std::size_t i = hint; i < segments_.size(); ++i) {
    const auto& s = segments_[i];
    const double need = n - integrals_[i];
    if (std::isinf(s.duration_s)) {
      hint = i;
      if (need == 0) return starts_[i];
      return s.from > 0 ? starts_[i] + need / s.from : std::numeric_limits<double>::infinity();
    }
    const double area = 0.5 * (s.from + s.to) * s.duration_s;
    if (need <= area && area > 0) {
      hint = i;
      if (need == 0) return starts_[i];
      // Solve from*x + slope/2*x^2 = need. This form has no cancellation for either sign
      // of the slope, and reduces to need/from on a flat segment.
      const double slope = (s.to - s.from) / s.duration_s;
      const double root = std::sqrt(std::max(0.0, s.from * s.from + 2 * slope * need));
      const double x = 2 * need / (s.from + root);
      return starts_[i] + std::min(x, s.duration_s);
    }
  }
  hint = segments_.size();
  return std::numeric_limits<double>::infinity();
}

double RateCurve::max_until(double until) const noexcept {
  double best = 0;
  for (std::size_t i = 0; i < segments_.size() && starts_[i] < until; ++i) {
    best = std::max(best, segments_[i].from);
    const double end = starts_[i] + segments_[i].duration_s;
    best = std::max(best, end <= until ? segments_[i].to : value_at(until));
  }
  return best;
}

bool RateCurve::changes_after(double t) const noexcept {
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const auto& s = segments_[i];
    if (starts_[i] + s.duration_s <= t) continue;  // already over
    if (s.from != s.to) return true;
    if (i + 1 < segments_.size()) return true;        // a later stage may differ
    return std::isfinite(s.duration_s) && s.to != 0;  // falls to 0 after the last stage
  }
  return false;
}

double RateCurve::next_whole_change(double t) const noexcept {
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const auto& s = segments_[i];
    const double end = starts_[i] + s.duration_s;
    if (end <= t) continue;
    if (s.from == s.to || s.duration_s == 0) return end;  // flat: only the boundary matters
    const double slope = (s.to - s.from) / s.duration_s;
    const double v = s.from + slope * (std::max(t, starts_[i]) - starts_[i]);
    // Users are read as floor(value + 1e-9). Rising, that count goes up when the value reaches
    // the next whole number; falling, it goes down as soon as the value drops below the count.
    constexpr double kEps = 1e-9;
    const double count = std::floor(v + kEps);
    const double goal = slope > 0 ? count + 1 - kEps : count - kEps;
    const double at = starts_[i] + (goal - s.from) / slope;
    return std::min(std::max(at, t), end);
  }
  return std::numeric_limits<double>::infinity();
}

}  // namespace surge
