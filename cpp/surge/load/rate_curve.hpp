// A piecewise-linear function of time, starting at the schedule origin (t0, the start of
// warm-up). It describes an open-model arrival rate (requests/s) or the number of users of a
// closed-model run. Ramps, jumps (zero-length segments) and holds are all segments; the
// value is 0 after the last finite segment.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

namespace surge {

struct CurveSegment {
  double duration_s = std::numeric_limits<double>::infinity();
  double from = 0;  // value at the start of the segment
  double to = 0;    // value at its end; linear in between
};

class RateCurve {
 public:
  RateCurve() = default;
  // Throws std::invalid_argument naming the segment for negative values or durations.
  explicit RateCurve(std::vector<CurveSegment> segments);
  static RateCurve constant(double value) { return RateCurve({CurveSegment{.from = value, .to = value}}); }

  [[nodiscard]] bool empty() const noexcept { return segments_.empty(); }
  // The same shape with every value multiplied by `factor`.
  [[nodiscard]] RateCurve scaled(double factor) const;
  // This curve up to `at` seconds, then `after` from there: a load changed while it runs. The
  // integral up to `at` is this curve's, so an arrival schedule that follows the result keeps
  // every arrival before `at` where it was, and goes on from there with no burst and no gap.
  [[nodiscard]] RateCurve spliced(double at, std::vector<CurveSegment> after) const;
  [[nodiscard]] double value_at(double t) const noexcept;
  // Integral from 0 to t: for a rate, the expected number of arrivals by time t.
  [[nodiscard]] double integral_to(double t) const noexcept;
  // The earliest time at which the integral reaches n; +inf if it never does. `hint` is a
  // segment index that callers walking forward in n keep between calls (O(1) amortised).
  [[nodiscard]] double time_of_integral(double n, std::size_t& hint) const noexcept;
  // Largest value the curve takes before `until` seconds.
  [[nodiscard]] double max_until(double until) const noexcept;
  // Sum of the segment durations; +inf when the last one is open-ended.
  [[nodiscard]] double end_s() const noexcept { return end_; }
  // Whether the value can change strictly after t (false on a final hold).
  [[nodiscard]] bool changes_after(double t) const noexcept;
  // The next time after t at which floor(value) may change: an integer crossing or a segment
  // boundary; +inf if there is none. Used to start and stop users exactly on time.
  [[nodiscard]] double next_whole_change(double t) const noexcept;

 private:
  std::vector<CurveSegment> segments_;
  std::vector<double> starts_;     // start time of each segment
  std::vector<double> integrals_;  // integral up to the start of each segment
  double end_ = 0;
};

}  // namespace surge
