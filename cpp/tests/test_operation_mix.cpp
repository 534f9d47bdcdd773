// The weighted choice of operations: draws follow the weights, operations of weight 0 are
// never drawn, and unsent arrivals are shared out so that the shares add up exactly.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "surge/core/rng.hpp"
#include "surge/engine/operation_mix.hpp"

using namespace surge;

namespace {
struct Op {
  double weight;
};

std::vector<int> draws(const OperationMix& mix, std::size_t ops, int n) {
  std::vector<int> counts(ops, 0);
  Rng rng(42);
  for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(mix.pick(rng))];
  return counts;
}
}  // namespace

TEST_CASE("draws follow the weights") {
  const OperationMix mix(std::vector<Op>{{3.0}, {1.0}});
  const auto counts = draws(mix, 2, 100000);
  CHECK(counts[0] > 74000);
  CHECK(counts[0] < 76000);
  CHECK(counts[0] + counts[1] == 100000);
}

TEST_CASE("an operation of weight 0 is never drawn, before or after the others") {
  const OperationMix after(std::vector<Op>{{1.0}, {0.0}});
  CHECK(draws(after, 2, 10000)[1] == 0);
  const OperationMix before(std::vector<Op>{{0.0}, {2.0}, {0.0}});
  const auto counts = draws(before, 3, 10000);
  CHECK(counts[0] == 0);
  CHECK(counts[1] == 10000);
  CHECK(counts[2] == 0);
}

TEST_CASE("one operation is always drawn") {
  const OperationMix mix(std::vector<Op>{{5.0}});
  CHECK(draws(mix, 1, 100)[0] == 100);
}

TEST_CASE("shares add up exactly and follow the weights") {
  const OperationMix mix(std::vector<Op>{{1.0}, {1.0}, {1.0}});
  std::vector<std::int64_t> shares(3, 0);
  mix.share(10, [&](int op, std::int64_t n) { shares[static_cast<std::size_t>(op)] += n; });
  CHECK(shares[0] + shares[1] + shares[2] == 10);
  for (const auto s : shares) CHECK((s == 3 || s == 4));
  const OperationMix skewed(std::vector<Op>{{9.0}, {1.0}, {0.0}});
  std::vector<std::int64_t> more(3, 0);
  skewed.share(1001, [&](int op, std::int64_t n) { more[static_cast<std::size_t>(op)] += n; });
  CHECK(more[0] == 901);
  CHECK(more[1] == 100);
  CHECK(more[2] == 0);
}
