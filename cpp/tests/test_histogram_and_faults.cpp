// Histogram codec round trip and the target's stall arithmetic, without a server.
#include <doctest/doctest.h>

#include "surge/core/hdr_codec.hpp"
#include "surge/core/hdr_histogram.hpp"
#include "surge/target/fault_knobs.hpp"

TEST_CASE("codec round trip keeps every count") {
  surge::HdrHistogram h;
  for (std::int64_t v = 1; v < 5'000'000; v = v * 3 / 2 + 1) h.record_n(v, v % 7 + 1);
  const auto decoded = surge::decode_hdr_base64(surge::encode_hdr_base64(h));
  CHECK(decoded.total_count() == h.total_count());
  const auto a = h.counts();
  const auto b = decoded.counts();
  CHECK(a.size() == b.size());
  bool same = true;
  for (std::size_t i = 0; i < a.size(); ++i) same = same && a[i] == b[i];
  CHECK(same);
}

TEST_CASE("out of range values are clamped not lost") {
  surge::HdrHistogram h;
  h.record(-5);
  h.record(std::int64_t{1} << 50);
  CHECK(h.total_count() == 2);
  CHECK(h.min() == 0);
}

TEST_CASE("stall windows release at their end") {
  surge::target::FaultKnobs knobs;
  knobs.set_stall(100 * surge::kNanosPerMilli, 10 * surge::kNanosPerMilli);
  const surge::Nanos origin = knobs.stall_origin();
  const surge::Nanos ms = surge::kNanosPerMilli;
  CHECK(knobs.release_time(origin + 5 * ms) == origin + 5 * ms);      // before the first window
  CHECK(knobs.release_time(origin + 100 * ms) == origin + 110 * ms);  // a window's first instant
  CHECK(knobs.release_time(origin + 204 * ms) == origin + 210 * ms);  // inside the second
  CHECK(knobs.release_time(origin + 215 * ms) == origin + 215 * ms);  // after it
  knobs.set_stall(0, 0);
  CHECK(knobs.release_time(origin + 100 * ms) == origin + 100 * ms);
}
