// One worker's way through a feeder's rows (journey.hpp). Workers take disjoint rows: worker i
// of T takes rows i, i+T, i+2T, ... in order (circular: round again; unique: each once, then
// exhausted), or draws among all rows (random).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "surge/core/rng.hpp"
#include "surge/proto/http/journey.hpp"

namespace surge::http {

class FeederCursor {
 public:
  // `columns`: each column's user variable.
  FeederCursor(const Feeder& feeder, std::vector<int> columns, std::int64_t index, std::int64_t count)
      : feeder_(&feeder), columns_(std::move(columns)), next_(index), stride_(count) {}

  // The next row into `values`; false when a unique feeder's rows are all used (or it has none).
  bool take(std::vector<std::string>& values, Rng& rng) {
    const auto rows = static_cast<std::int64_t>(feeder_->rows.size());
    if (rows == 0) return false;
    std::int64_t row = 0;
    if (feeder_->mode == Feeder::Mode::random) {
      row = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(rows));
    } else {
      if (next_ >= rows) {
        if (feeder_->mode == Feeder::Mode::unique) return false;
        // Circular: start over, at this worker's first row (below `rows` when there are
        // fewer rows than workers: then they share rows).
        next_ %= std::min(rows, stride_);
      }
      row = next_;
      next_ += stride_;
    }
    const auto& cells = feeder_->rows[static_cast<std::size_t>(row)];
    for (std::size_t c = 0; c < columns_.size() && c < cells.size(); ++c)
      values[static_cast<std::size_t>(columns_[c])] = cells[c];
    ++taken_;
    return true;
  }
  [[nodiscard]] std::int64_t taken() const noexcept { return taken_; }

 private:
  const Feeder* feeder_;
  std::vector<int> columns_;
  std::int64_t next_;
  std::int64_t stride_;
  std::int64_t taken_ = 0;
};

}  // namespace surge::http
