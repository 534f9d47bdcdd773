#include <doctest/doctest.h>

#include "surge/core/cpu_steal.hpp"
#include "surge/core/thread_busy.hpp"

using surge::steal_ticks_in;

namespace {
constexpr std::string_view kStat =
    "cpu  3423680 3772 743367 4823264 576299 0 240336 43120 0 0\n"
    "cpu0 1714346 1403 332637 2547032 206092 0 114965 22146 0 0\n"
    "cpu1 1709333 2369 410729 2276231 370206 0 125370 20973 0 0\n"
    "intr 123 4 5\n"
    "cpu7 1 1 1 1 1 1 1 999 0 0\n";
}  // namespace

TEST_CASE("steal is summed over the allowed CPUs' lines, not the total line") {
  const auto both = steal_ticks_in(kStat, [](int) { return true; });
  CHECK(both.ticks == 22146 + 20973);
  CHECK(both.cpus == 2);  // a "cpu" line after the others is not a CPU's
  const auto one = steal_ticks_in(kStat, [](int cpu) { return cpu == 1; });
  CHECK(one.ticks == 20973);
  CHECK(one.cpus == 1);
}

TEST_CASE("a line cut by a short read, or without a steal column, counts for nothing") {
  const auto cut =
      steal_ticks_in("cpu0 1 2 3 4 5 6 7 8 9 10\ncpu1 1 2 3 4 5 6 7 8", [](int) { return true; });
  CHECK(cut.ticks == 8);
  CHECK(cut.cpus == 1);
  const auto old_kernel = steal_ticks_in("cpu0 1 2 3 4\n", [](int) { return true; });
  CHECK(old_kernel.cpus == 0);
}

TEST_CASE("this machine's steal reads as a count that does not go backwards") {
  const auto first = surge::stolen_ns_of_my_cpus();
  const auto second = surge::stolen_ns_of_my_cpus();
  CHECK(first >= 0);  // Linux has reported steal since 2.6.11
  CHECK(second >= first);
}
