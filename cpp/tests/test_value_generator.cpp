// Value generators without a server: every kind's values, their ranges, the partition of seq
// between workers, and the messages bad specs get.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "surge/core/value_generator.hpp"

using namespace surge;

namespace {
std::vector<std::string> draw(const std::string& spec, int n, std::uint64_t seed = 7) {
  auto g = ValueGenerator::parse(spec);
  Rng rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string value;
    g.append(value, rng);
    out.push_back(value);
  }
  return out;
}

std::string message_of(const std::string& spec) {
  try {
    (void)ValueGenerator::parse(spec);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("seq counts up, from a start, and cycles between bounds") {
  CHECK(draw("seq", 3) == std::vector<std::string>{"0", "1", "2"});
  CHECK(draw("seq(10)", 2) == std::vector<std::string>{"10", "11"});
  CHECK(draw("seq(1,3)", 7) == std::vector<std::string>{"1", "2", "3", "1", "2", "3", "1"});
}

TEST_CASE("seq partitions give workers disjoint values that cover the range together") {
  std::set<std::int64_t> seen;
  Rng rng(1);
  for (int worker = 0; worker < 3; ++worker) {
    auto g = ValueGenerator::parse("seq(100)");
    g.partition(worker, 3);
    for (int i = 0; i < 10; ++i) CHECK(seen.insert(g.next_int(rng)).second);
  }
  CHECK(seen.size() == 30);
  CHECK(*seen.begin() == 100);
  CHECK(*seen.rbegin() == 129);
}

TEST_CASE("uniform, zipf and gaussian stay in their ranges") {
  for (const auto& v : draw("uniform(5,9)", 500)) {
    const auto n = std::stoll(v);
    CHECK(n >= 5);
    CHECK(n <= 9);
  }
  std::vector<std::int64_t> zipf;
  for (const auto& v : draw("zipf(1,1000,0.99)", 5000)) zipf.push_back(std::stoll(v));
  CHECK(*std::min_element(zipf.begin(), zipf.end()) >= 1);
  CHECK(*std::max_element(zipf.begin(), zipf.end()) <= 1000);
  // Skewed: the first rank is drawn far more often than a uniform draw would (5 in 5000).
  CHECK(std::count(zipf.begin(), zipf.end(), 1) > 300);
  auto g = ValueGenerator::parse("gaussian(100,0)");
  Rng rng(3);
  CHECK(g.next_int(rng) == 100);
}

TEST_CASE("exponential and truncated_gaussian draw as pgbench's random_exponential and random_gaussian") {
  constexpr int kDraws = 200'000;
  Rng rng(11);
  // exponential(1,10,5): P(k) = (exp(-5 (k-1)/10) - exp(-5 k/10)) / (1 - exp(-5)); P(1) = 0.396.
  auto exponential = ValueGenerator::parse("exponential(1,10,5)");
  std::vector<int> counts(11, 0);
  for (int i = 0; i < kDraws; ++i) {
    const auto v = exponential.next_int(rng);
    REQUIRE(v >= 1);
    REQUIRE(v <= 10);
    ++counts[static_cast<std::size_t>(v)];
  }
  const auto share = [](int n) { return static_cast<double>(n) / kDraws; };
  CHECK(share(counts[1]) > 0.386);
  CHECK(share(counts[1]) < 0.406);
  // The top value holds its own share only (0.0044), not the tail past max (0.0111 if it did).
  CHECK(share(counts[10]) > 0.0037);
  CHECK(share(counts[10]) < 0.0051);
  // pgbench's documentation: with parameter 4, 67% of the draws fall in the middle quarter of
  // the range and 95% in the middle half (a normal within +-1 and +-2 of its +-4 deviations).
  auto gaussian = ValueGenerator::parse("truncated_gaussian(1,1000,4)");
  int quarter = 0;
  int half = 0;
  for (int i = 0; i < kDraws; ++i) {
    const auto v = gaussian.next_int(rng);
    REQUIRE(v >= 1);
    REQUIRE(v <= 1000);
    quarter += v > 375 && v <= 625;
    half += v > 250 && v <= 750;
  }
  CHECK(share(quarter) > 0.673);
  CHECK(share(quarter) < 0.693);
  CHECK(share(half) > 0.948);
  CHECK(share(half) < 0.961);
  CHECK(message_of("exponential(1,10,0)").find("shape must be > 0") != std::string::npos);
  CHECK(message_of("truncated_gaussian(1,10,1.5)").find("shape must be >= 2") != std::string::npos);
  CHECK(message_of("exponential(1,10)").find("exponential(min,max,shape)") != std::string::npos);
}

TEST_CASE("choice, uuid and bytes have the shape asked for") {
  for (const auto& v : draw("choice(a,b,c)", 50)) CHECK((v == "a" || v == "b" || v == "c"));
  const auto ids = draw("uuid", 20);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 20);
  for (const auto& id : ids) {
    CHECK(id.size() == 36);
    CHECK(id[14] == '4');  // version 4
  }
  for (const auto& v : draw("bytes(16)", 5)) CHECK(v.size() == 16);
  for (const auto& v : draw("bytes(2,4)", 50)) {
    CHECK(v.size() >= 2);
    CHECK(v.size() <= 4);
  }
  for (const auto& v : draw("bytes(3:1,7:1)", 50)) CHECK((v.size() == 3 || v.size() == 7));
}

TEST_CASE("the same seed draws the same values") {
  CHECK(draw("uniform(1,1000000)", 20, 42) == draw("uniform(1,1000000)", 20, 42));
  CHECK(draw("uniform(1,1000000)", 20, 42) != draw("uniform(1,1000000)", 20, 43));
}

TEST_CASE("bad specs name the spec and the form expected") {
  CHECK(message_of("uniform(9,5)").find("max must be >= min") != std::string::npos);
  CHECK(message_of("uniform(1)").find("uniform(min,max)") != std::string::npos);
  CHECK(message_of("zipf(1,10,0)").find("exponent must be > 0") != std::string::npos);
  CHECK(message_of("bytes(2000000)").find("between 0 and 1048576") != std::string::npos);
  CHECK(message_of("nonsense").find("unknown generator") != std::string::npos);
  CHECK(message_of("seq(1").find("missing ')'") != std::string::npos);
  CHECK(message_of("uuid(3)").find("uuid takes no arguments") != std::string::npos);
}

TEST_CASE("any int64 bounds work, the whole range and its ends included") {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  Rng rng(5);
  // The whole range as a cycle: its length overflowed to 0 and a partition divided by it.
  auto full = ValueGenerator::parse("seq(-9223372036854775808,9223372036854775807)");
  full.partition(1, 2);
  CHECK(full.next_int(rng) == kMin + 1);
  CHECK(full.next_int(rng) == kMin + 3);
  // seq(start) counts up to the largest int64, then starts over.
  auto top = ValueGenerator::parse("seq(9223372036854775806)");
  CHECK(top.next_int(rng) == kMax - 1);
  CHECK(top.next_int(rng) == kMax);
  CHECK(top.next_int(rng) == kMax - 1);
  auto wide = ValueGenerator::parse("uniform(-9223372036854775808,9223372036854775807)");
  bool negative = false;
  bool positive = false;
  for (int i = 0; i < 64; ++i) {
    const auto v = wide.next_int(rng);
    negative = negative || v < 0;
    positive = positive || v > 0;
  }
  CHECK(negative);
  CHECK(positive);
  auto zipf = ValueGenerator::parse("zipf(-9223372036854775808,9223372036854775807,0.99)");
  // In range by type (UBSan checks the math); the draws must still be Zipf's: the most frequent
  // value is the lowest, and nearly all fall in the lower half of the range.
  int lowest = 0;
  int lower_half = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto v = zipf.next_int(rng);
    lowest += v == kMin ? 1 : 0;
    lower_half += v < 0 ? 1 : 0;
  }
  CHECK(lowest > 0);
  CHECK(lower_half > 900);
  auto huge = ValueGenerator::parse("gaussian(1e300,1)");
  CHECK(huge.next_int(rng) == kMax);
  auto tiny = ValueGenerator::parse("gaussian(-1e300,1)");
  CHECK(tiny.next_int(rng) == kMin);
}
