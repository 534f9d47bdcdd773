#include "surge/load/load_spec.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace surge {

double LoadSpec::run_length_s() const noexcept {
  if (duration == 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(warmup + duration) / 1e9;
}

int LoadSpec::peak_users() const noexcept {
  const double peak = users.max_until(run_length_s());
  return std::max(most_users, static_cast<int>(std::min(std::floor(peak + 1e-9), 1e6)));
}

LoadSpec LoadSpec::in_lanes(int per_connection) const {
  LoadSpec lanes = *this;
  if (per_connection <= 1) return lanes;
  lanes.connections *= per_connection;
  lanes.max_connections *= per_connection;
  lanes.most_users *= per_connection;
  if (!users.empty()) lanes.users = users.scaled(per_connection);
  return lanes;
}

}  // namespace surge
