// How a worker chooses among a spec's operations: by weight. Each draw is one integer compare
// per operation against cumulative thresholds, and arrivals that were never sent are shared out
// by the same weights with cumulative rounding, so the shares add up exactly.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "surge/core/rng.hpp"

namespace surge {

class OperationMix {
 public:
  // `operations` is a spec's operation list; anything with a `weight` will do.
  template <class Operations>
  explicit OperationMix(const Operations& operations) {
    for (const auto& op : operations) weights_.push_back(op.weight);
    double total = 0;
    for (const double w : weights_) total += w;
    double cumulative = 0;
    for (const double w : weights_) {
      cumulative += w;
      thresholds_.push_back(static_cast<std::uint64_t>(std::ldexp(std::min(cumulative / total, 1.0), 63)));
    }
    // The last operation that can be drawn takes every draw above the one before it;
    // operations of weight 0 after it (receivers such as NOTIFY listeners) are never reached.
    for (auto k = weights_.size(); k-- > 0;) {
      if (weights_[k] > 0) {
        thresholds_[k] = std::numeric_limits<std::uint64_t>::max();
        break;
      }
    }
  }

  // The index of the next operation to send.
  int pick(Rng& rng) const noexcept {
    if (thresholds_.size() == 1) return 0;
    const std::uint64_t draw = rng() >> 1;
    int op = 0;
    while (draw >= thresholds_[static_cast<std::size_t>(op)]) ++op;
    return op;
  }

  // Shares `n` between the operations by weight: calls add(op, count) for each, the counts
  // adding up to n.
  template <class Add>
  void share(std::int64_t n, Add add) const {
    double total = 0;
    for (const double w : weights_) total += w;
    double cumulative = 0;
    std::int64_t given = 0;
    for (std::size_t op = 0; op < weights_.size(); ++op) {
      cumulative += weights_[op];
      const auto upto = static_cast<std::int64_t>(std::llround(static_cast<double>(n) * cumulative / total));
      add(static_cast<int>(op), upto - given);
      given = upto;
    }
  }

 private:
  std::vector<double> weights_;
  std::vector<std::uint64_t> thresholds_;
};

}  // namespace surge
