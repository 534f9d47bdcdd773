// Rate curves, arrival schedules and think time: the intended start of every request.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "surge/load/arrival_schedule.hpp"
#include "surge/load/rate_curve.hpp"
#include "surge/load/think_time.hpp"

using namespace surge;

namespace {
bool near(double a, double b, double tolerance) {
  return std::fabs(a - b) <= tolerance;
}
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("constant curve spaces arrivals evenly") {
  const auto curve = RateCurve::constant(1000);
  std::size_t hint = 0;
  CHECK(curve.time_of_integral(0, hint) == 0);
  CHECK(near(curve.time_of_integral(1, hint), 0.001, 1e-12));
  CHECK(near(curve.time_of_integral(12345, hint), 12.345, 1e-9));
  CHECK(near(curve.integral_to(2.5), 2500, 1e-9));
  CHECK(curve.value_at(100) == 1000);
  CHECK(!curve.changes_after(0));
}

TEST_CASE("ramp integral and inverse agree") {
  // 0 -> 100/s over 10 s, hold 100/s for 5 s, down to 20/s over 4 s.
  const RateCurve curve({{10, 0, 100}, {5, 100, 100}, {4, 100, 20}});
  CHECK(near(curve.integral_to(10), 500, 1e-9));
  CHECK(near(curve.integral_to(15), 1000, 1e-9));
  CHECK(near(curve.integral_to(19), 1240, 1e-9));
  CHECK(near(curve.value_at(5), 50, 1e-12));
  CHECK(near(curve.value_at(17), 60, 1e-9));
  CHECK(curve.value_at(19.5) == 0);  // after the last stage
  CHECK(curve.end_s() == 19);
  std::size_t hint = 0;
  for (double n = 0; n <= 1240; n += 7.5) {
    const double t = curve.time_of_integral(n, hint);
    CHECK(near(curve.integral_to(t), n, 1e-6));
  }
  CHECK(std::isinf(curve.time_of_integral(1240.5, hint)));
  // Going back in n resets the hint rather than answering wrongly.
  CHECK(near(curve.time_of_integral(125, hint), 5, 1e-9));
  CHECK(near(curve.max_until(100), 100, 1e-12));
  CHECK(near(curve.max_until(5), 50, 1e-9));
}

TEST_CASE("zero length stage is a jump") {
  const RateCurve curve({{2, 10, 10}, {0, 10, 50}, {kInf, 50, 50}});
  CHECK(curve.value_at(1.999) == 10);
  CHECK(curve.value_at(2) == 50);
  std::size_t hint = 0;
  CHECK(near(curve.time_of_integral(20, hint), 2, 1e-12));
  CHECK(near(curve.time_of_integral(70, hint), 3, 1e-12));
}

TEST_CASE("curve rejects bad stages") {
  bool threw = false;
  try {
    RateCurve({{-1, 1, 1}});
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
  threw = false;
  try {
    RateCurve({{kInf, 1, 1}, {1, 1, 1}});
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

TEST_CASE("workers interleave to the full schedule") {
  const auto curve = std::make_shared<const RateCurve>(RateCurve::constant(100));
  const Nanos origin = 1'000'000'000;
  std::vector<Nanos> all;
  for (int w = 0; w < 3; ++w) {
    ArrivalSchedule schedule(curve, origin, w, 3, Arrivals::uniform, 1);
    for (int k = 0; k < 4; ++k) all.push_back(schedule.next());
  }
  // Worker w has global arrivals w, w+3, w+6, w+9: intended at origin + i * 10 ms.
  CHECK(all[0] == origin);
  CHECK(all[1] == origin + 30'000'000);
  CHECK(all[4] == origin + 10'000'000);
  CHECK(all[11] == origin + 110'000'000);
}

TEST_CASE("schedule ends with the curve") {
  const auto curve = std::make_shared<const RateCurve>(RateCurve({{1, 10, 10}}));
  ArrivalSchedule schedule(curve, 0, 0, 1, Arrivals::uniform, 1);
  int n = 0;
  while (schedule.next() != ArrivalSchedule::kNever && n < 100) ++n;
  CHECK(n == 11);  // arrivals at 0, 0.1, ..., 1.0 s: the integral reaches 10 at the end
}

TEST_CASE("poisson arrivals have the right rate and spread") {
  const auto curve = std::make_shared<const RateCurve>(RateCurve::constant(1000));
  ArrivalSchedule schedule(curve, 0, 0, 1, Arrivals::poisson, 42);
  const int n = 200000;
  Nanos last = 0;
  double sum = 0;
  double sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const Nanos t = schedule.next();
    const double gap = static_cast<double>(t - last) / 1e6;  // ms
    sum += gap;
    sum_sq += gap * gap;
    last = t;
  }
  const double mean = sum / n;
  const double variance = sum_sq / n - mean * mean;
  CHECK(near(mean, 1.0, 0.01));      // 1000/s: mean gap 1 ms
  CHECK(near(variance, 1.0, 0.03));  // exponential: variance = mean^2
}

TEST_CASE("think time kinds") {
  Rng rng(7);
  CHECK(ThinkTime{}.next_start(100, 500, rng) == 500);
  CHECK((ThinkTime{.kind = ThinkKind::constant, .a = 50}).next_start(100, 500, rng) == 550);
  const ThinkTime between{.kind = ThinkKind::uniform, .a = 10, .b = 20};
  for (int i = 0; i < 1000; ++i) {
    const Nanos t = between.next_start(0, 1000, rng);
    CHECK(t >= 1010);
    CHECK(t <= 1020);
  }
  // Pacing fixes the time between starts, whatever the response took.
  const ThinkTime pacing{.kind = ThinkKind::pacing, .a = 1000};
  CHECK(pacing.next_start(5000, 5300, rng) == 6000);
  CHECK(pacing.next_start(5000, 7000, rng) == 6000);  // already late: intended in the past
  const ThinkTime exponential{.kind = ThinkKind::exponential, .a = 1'000'000};
  double sum = 0;
  for (int i = 0; i < 100000; ++i) sum += static_cast<double>(exponential.next_start(0, 0, rng));
  CHECK(near(sum / 100000, 1e6, 2e4));
}

TEST_CASE("whole changes of a users ramp") {
  // 0 -> 10 users over 2 s, hold 1 s, 10 -> 0 over 1 s.
  const RateCurve users({{2, 0, 10}, {1, 10, 10}, {1, 10, 0}});
  CHECK(near(users.next_whole_change(0), 0.2, 1e-9));
  CHECK(near(users.next_whole_change(0.2), 0.4, 1e-9));
  CHECK(near(users.next_whole_change(1.9), 2.0, 1e-9));
  CHECK(near(users.next_whole_change(2.0), 3.0, 1e-12));  // the hold ends
  CHECK(near(users.next_whole_change(3.0), 3.0, 1e-9));   // falling: 10 -> 9 right after 3.0
  CHECK(near(users.next_whole_change(3.05), 3.1, 1e-9));
  CHECK(near(users.next_whole_change(3.95), 4.0, 1e-9));
  CHECK(std::isinf(users.next_whole_change(4.0)));
}

TEST_CASE("a spliced curve is the old one up to the change, the new one after") {
  const RateCurve ramp({{10, 0, 100}});  // 0 to 100/s over 10 s, then 0
  const RateCurve changed = ramp.spliced(4, {{CurveSegment{.from = 20, .to = 20}}});
  CHECK(near(changed.value_at(2), 20, 1e-9));
  CHECK(near(changed.value_at(3.999), 39.99, 1e-6));
  CHECK(near(changed.value_at(4.5), 20, 1e-9));
  CHECK(near(changed.integral_to(4), ramp.integral_to(4), 1e-9));
  CHECK(near(changed.integral_to(6), ramp.integral_to(4) + 40, 1e-9));
  CHECK(std::isinf(changed.end_s()));
  // A change after the curve ended: the gap holds 0, then the new curve starts.
  const RateCurve late = ramp.spliced(12, {{CurveSegment{.from = 5, .to = 5}}});
  CHECK(near(late.value_at(11), 0, 1e-12));
  CHECK(near(late.integral_to(13), ramp.integral_to(10) + 5, 1e-9));
}

TEST_CASE("a schedule that follows a changed rate keeps its past and has no burst or gap") {
  for (const int workers : {1, 3}) {
    const auto before = std::make_shared<const RateCurve>(RateCurve::constant(1000));
    const Nanos origin = 5'000'000'000;
    const double change_s = 0.25;
    const auto after = std::make_shared<const RateCurve>(
        before->spliced(change_s, {{CurveSegment{.from = 4000, .to = 4000}}}));
    std::vector<Nanos> all;
    for (int w = 0; w < workers; ++w) {
      ArrivalSchedule schedule(before, origin, w, workers, Arrivals::uniform, 1);
      Nanos next = schedule.next();
      // The worker has handed out what is due before the change, and holds the next arrival,
      // timed on the old curve, when the change reaches it.
      while (next < origin + 240'000'000) {
        all.push_back(next);
        next = schedule.next();
      }
      const Nanos retimed = schedule.follow(after);
      CHECK(retimed <= next);  // a faster rate brings the held arrival forward, or keeps it
      next = retimed;
      while (next < origin + 300'000'000) {
        all.push_back(next);
        next = schedule.next();
      }
    }
    std::sort(all.begin(), all.end());
    // 250 arrivals at 1 ms apart, then 0.25 ms apart: gaps of exactly one or the other.
    REQUIRE(all.size() == 250 + 200);
    for (std::size_t i = 1; i < all.size(); ++i) {
      const Nanos gap = all[i] - all[i - 1];
      const Nanos expected = all[i] <= origin + 250'000'000 ? 1'000'000 : 250'000;
      CHECK(std::llabs(gap - expected) <= 1);
    }
  }
}
