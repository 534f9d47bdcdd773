// Value generators shared by every protocol's templates:
//   seq | seq(start) | seq(a,b) | uniform(a,b) | zipf(a,b,s) | gaussian(mean,sd) | choice(x,y,...) |
//   uuid | bytes(n) | bytes(min,max) | bytes(size:weight,...)
// seq(a,b) cycles a..b; seq and seq(start) count up to 2^63-1 and start over. Any int64 bounds
// work, the whole range included: the arithmetic is unsigned and cannot overflow or divide by 0;
// gaussian draws past the int64 range are clamped to it. bytes(min,max) draws a length uniformly;
// bytes(32:8,1024:2) draws 32 bytes 80% of the time and 1024 bytes 20% (memtier's --data-size-list). A
// generator appends its next value to a caller-owned buffer, so steady state allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "surge/core/rng.hpp"

namespace surge {

class ValueGenerator {
 public:
  // now_ns: CLOCK_MONOTONIC in nanoseconds when the value is rendered, for one-way timings
  // such as NOTIFY fan-out (sender and receiver on the same host).
  enum class Kind {
    seq,
    uniform,
    zipf,
    gaussian,
    exponential,
    truncated_gaussian,
    choice,
    uuid,
    bytes,
    now_ns
  };

  // Throws std::invalid_argument with a message that names the spec and the expected form.
  static ValueGenerator parse(std::string_view spec);
  // True when `name` is a generator that needs no arguments or `spec` looks like a call.
  static bool looks_like_generator(std::string_view spec);

  void append(std::string& out, Rng& rng);
  // Numeric draw for generators that have one (seq, uniform, zipf, gaussian, exponential,
  // truncated_gaussian).
  std::int64_t next_int(Rng& rng);
  // Lets T workers draw disjoint sequences: worker i yields start+i, start+i+T, ...
  void partition(std::int64_t index, std::int64_t count) noexcept;

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  // Whether a value may hold CR, LF or NUL: only choice() values can (every other kind emits
  // digits, hex, '-' or letters). A path or header must not, or it injects a header.
  [[nodiscard]] bool may_break_lines() const noexcept;

 private:
  std::uint64_t zipf_rank(Rng& rng) const noexcept;
  // lo_ + floor(t x the span's width), for t in [0, 1): never past hi_.
  [[nodiscard]] std::int64_t in_span(double t) const noexcept;
  [[nodiscard]] std::uint64_t advance(std::uint64_t offset, std::uint64_t by) const noexcept;

  Kind kind_ = Kind::seq;
  std::int64_t lo_ = 0;
  std::int64_t hi_ = 0;
  double mean_ = 0;
  double sd_ = 0;
  double shape_ = 0;  // exponential's rate, truncated_gaussian's cut-off in standard deviations
  // seq: the next value is lo_ + offset_, in a cycle of span_ values (0 stands for all 2^64).
  std::uint64_t offset_ = 0;
  std::uint64_t span_ = 0;
  std::uint64_t stride_ = 1;
  // Zipf rejection-inversion constants (Hörmann & Derflinger), computed once at parse.
  double exponent_ = 0;
  double h_integral_x1_ = 0;
  double h_integral_n_ = 0;
  double zipf_s_ = 0;
  std::vector<std::string> choices_;
  std::vector<std::pair<std::int64_t, double>> sizes_;  // bytes(size:weight,...): cumulative
  // A shared pool of random printable bytes; bytes(n) copies a random window of it.
  std::shared_ptr<const std::string> pool_;
};

}  // namespace surge
