// Fast per-worker PRNG (xoshiro256**, seeded by splitmix64). Not shared across threads.
#pragma once

#include <cstdint>
#include <limits>

namespace surge {

class Rng {
 public:
  using result_type = std::uint64_t;
  explicit Rng(std::uint64_t seed = 0x9E3779B97F4A7C15ULL) noexcept {
    for (auto& s : state_) s = splitmix(seed);
  }
  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  result_type operator()() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  // Uniform integer in [lo, hi]; the 128-bit multiply avoids modulo bias for practical spans.
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    // Unsigned throughout: hi - lo overflows int64 for a wide range. Widened before the + 1:
    // the full 64-bit span is 2^64, which a uint64_t cannot hold.
    const std::uint64_t last = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    const auto span = static_cast<unsigned __int128>(last) + 1;
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) +
                                     static_cast<std::uint64_t>((span * (*this)()) >> 64));
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_[4]{};
};

}  // namespace surge
