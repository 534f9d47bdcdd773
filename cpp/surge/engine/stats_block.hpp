// One worker's statistics for one interval. A worker fills its active block; at each tick the
// coordinator swaps it for the spare and merges it, so the request path never locks.
#pragma once

#include <cstdint>
#include <vector>

#include "surge/engine/operation_stats.hpp"

namespace surge {

struct StatsBlock {
  std::vector<OperationStats> ops;
  std::int64_t active_users = 0;  // closed model: users running when the block was handed over
  explicit StatsBlock(std::size_t n) : ops(n) {}
  void reset_all() noexcept {
    for (auto& op : ops) op.reset();
    active_users = 0;
  }
};

// Worker `index` of `count` takes this much of `total` (connections, users, requests).
inline std::int64_t worker_share(std::int64_t total, int index, int count) noexcept {
  return total / count + (index < total % count ? 1 : 0);
}

}  // namespace surge
