#include "surge/core/hdr_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace surge {

namespace {

std::int32_t buckets_needed(std::int64_t highest, std::int32_t sub_bucket_count,
                            std::int32_t unit_magnitude) {
  std::int64_t smallest_untrackable = std::int64_t{sub_bucket_count} << unit_magnitude;
  std::int32_t needed = 1;
  while (smallest_untrackable <= highest) {
    if (smallest_untrackable > std::numeric_limits<std::int64_t>::max() / 2) return needed + 1;
    smallest_untrackable <<= 1;
    ++needed;
  }
  return needed;
}

}  // namespace

namespace {

struct Layout {
  std::int32_t sub_bucket_half_count_magnitude;
  std::int32_t unit_magnitude;
  std::int32_t sub_bucket_count;
  std::size_t counts;
};

Layout layout_for(std::int64_t lowest, std::int64_t highest, int digits) {
  if (lowest < 1) throw std::invalid_argument("histogram lowest value must be >= 1");
  if (highest / 2 < lowest) throw std::invalid_argument("histogram highest must be >= 2*lowest");
  if (digits < 1 || digits > 5) throw std::invalid_argument("histogram significant digits must be 1..5");
  Layout layout{};
  const double largest_single_unit = 2.0 * std::pow(10.0, digits);
  const auto sub_bucket_count_magnitude =
      static_cast<std::int32_t>(std::ceil(std::log2(largest_single_unit)));
  layout.sub_bucket_half_count_magnitude = std::max(sub_bucket_count_magnitude, 1) - 1;
  layout.unit_magnitude = static_cast<std::int32_t>(std::floor(std::log2(static_cast<double>(lowest))));
  // Every value's bucket shift must stay inside 63 bits.
  if (layout.unit_magnitude + layout.sub_bucket_half_count_magnitude + 1 > 62)
    throw std::invalid_argument("histogram lowest value is too large for its precision");
  layout.sub_bucket_count = std::int32_t{1} << (layout.sub_bucket_half_count_magnitude + 1);
  const std::int32_t bucket_count = buckets_needed(highest, layout.sub_bucket_count, layout.unit_magnitude);
  layout.counts =
      static_cast<std::size_t>(bucket_count + 1) * static_cast<std::size_t>(layout.sub_bucket_count / 2);
  if (layout.counts > HdrHistogram::kMostCounts)
    throw std::invalid_argument("histogram range and precision need more than 4 Mi counts");
  return layout;
}

}  // namespace

std::size_t HdrHistogram::counts_needed(std::int64_t lowest_discernible, std::int64_t highest_trackable,
                                        int significant_digits) {
  return layout_for(lowest_discernible, highest_trackable, significant_digits).counts;
}

HdrHistogram::HdrHistogram(std::int64_t lowest_discernible, std::int64_t highest_trackable,
                           int significant_digits)
    : lowest_(lowest_discernible),
      highest_(highest_trackable),
      significant_digits_(significant_digits),
      min_value_(std::numeric_limits<std::int64_t>::max()) {
  const Layout layout = layout_for(lowest_, highest_, significant_digits_);
  sub_bucket_half_count_magnitude_ = layout.sub_bucket_half_count_magnitude;
  unit_magnitude_ = layout.unit_magnitude;
  sub_bucket_count_ = layout.sub_bucket_count;
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = (std::int64_t{sub_bucket_count_} - 1) << unit_magnitude_;
  counts_.assign(layout.counts, 0);
}

std::int32_t HdrHistogram::bucket_index(std::int64_t value) const noexcept {
  const auto pow2_ceiling = 64 - std::countl_zero(static_cast<std::uint64_t>(value | sub_bucket_mask_));
  return pow2_ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
}

std::int32_t HdrHistogram::counts_index_for(std::int64_t value) const noexcept {
  const std::int32_t bucket = bucket_index(value);
  const auto sub_bucket = static_cast<std::int32_t>(value >> (bucket + unit_magnitude_));
  return ((bucket + 1) << sub_bucket_half_count_magnitude_) + (sub_bucket - sub_bucket_half_count_);
}

std::int64_t HdrHistogram::value_at_index(std::int32_t index) const noexcept {
  std::int32_t bucket = (index >> sub_bucket_half_count_magnitude_) - 1;
  std::int32_t sub_bucket = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return std::int64_t{sub_bucket} << (bucket + unit_magnitude_);
}

std::int64_t HdrHistogram::equivalent_range(std::int64_t value) const noexcept {
  const std::int32_t bucket = bucket_index(value);
  const auto sub_bucket = static_cast<std::int32_t>(value >> (bucket + unit_magnitude_));
  const std::int32_t adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return std::int64_t{1} << (unit_magnitude_ + adjusted);
}

std::int64_t HdrHistogram::lowest_equivalent(std::int64_t value) const noexcept {
  const std::int32_t bucket = bucket_index(value);
  const auto sub_bucket = static_cast<std::int32_t>(value >> (bucket + unit_magnitude_));
  return std::int64_t{sub_bucket} << (bucket + unit_magnitude_);
}

std::int64_t HdrHistogram::highest_equivalent(std::int64_t value) const noexcept {
  // In the top bucket of a histogram that tracks values up to 2^63 - 1 (a decoded blob may say
  // so), the range reaches past the largest int64: added unsigned, and capped there.
  const auto highest = static_cast<std::uint64_t>(lowest_equivalent(value)) +
                       static_cast<std::uint64_t>(equivalent_range(value)) - 1;
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(highest, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
}

void HdrHistogram::record_n(std::int64_t value, std::int64_t n) noexcept {
  value = std::clamp<std::int64_t>(value, 0, highest_);
  const std::int32_t index = counts_index_for(value);
  counts_[static_cast<std::size_t>(index)] += n;
  total_count_ += n;
  min_value_ = std::min(min_value_, value);
  max_value_ = std::max(max_value_, value);
}

void HdrHistogram::set_count_at_index(std::int32_t index, std::int64_t count) {
  if (index < 0 || static_cast<std::size_t>(index) >= counts_.size())
    throw std::out_of_range("histogram index out of range");
  auto& slot = counts_[static_cast<std::size_t>(index)];
  total_count_ += count - slot;
  slot = count;
  if (count > 0) {
    min_value_ = std::min(min_value_, value_at_index(index));
    max_value_ = std::max(max_value_, value_at_index(index));
  }
}

void HdrHistogram::add(const HdrHistogram& other) {
  if (other.counts_.size() != counts_.size() || other.unit_magnitude_ != unit_magnitude_ ||
      other.sub_bucket_count_ != sub_bucket_count_)
    throw std::invalid_argument("cannot add histograms of different configurations");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_count_ += other.total_count_;
  min_value_ = std::min(min_value_, other.min_value_);
  max_value_ = std::max(max_value_, other.max_value_);
}

void HdrHistogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_count_ = 0;
  min_value_ = std::numeric_limits<std::int64_t>::max();
  max_value_ = 0;
}

std::int64_t HdrHistogram::min() const noexcept {
  return total_count_ == 0 ? 0 : lowest_equivalent(min_value_);
}

std::int64_t HdrHistogram::max() const noexcept {
  return total_count_ == 0 ? 0 : highest_equivalent(max_value_);
}

std::int32_t HdrHistogram::max_used_index() const noexcept {
  for (auto i = static_cast<std::int32_t>(counts_.size()) - 1; i >= 0; --i)
    if (counts_[static_cast<std::size_t>(i)] != 0) return i;
  return -1;
}

double HdrHistogram::mean() const noexcept {
  if (total_count_ == 0) return 0.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const auto v = value_at_index(static_cast<std::int32_t>(i));
    const auto median_equivalent = static_cast<double>(v + (equivalent_range(v) >> 1));
    sum += median_equivalent * static_cast<double>(counts_[i]);
  }
  return sum / static_cast<double>(total_count_);
}

double HdrHistogram::stdev() const noexcept {
  if (total_count_ == 0) return 0.0;
  const double m = mean();
  double squares = 0.0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const auto v = value_at_index(static_cast<std::int32_t>(i));
    const double dev = static_cast<double>(v + (equivalent_range(v) >> 1)) - m;
    squares += dev * dev * static_cast<double>(counts_[i]);
  }
  return std::sqrt(squares / static_cast<double>(total_count_));
}

std::int64_t HdrHistogram::value_at_percentile(double percentile) const noexcept {
  if (total_count_ == 0) return 0;
  const double requested = std::clamp(percentile, 0.0, 100.0);
  auto target =
      static_cast<std::int64_t>(std::llround(requested / 100.0 * static_cast<double>(total_count_)));
  target = std::max<std::int64_t>(target, 1);
  std::int64_t running = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    running += counts_[i];
    if (running >= target) {
      const auto v = value_at_index(static_cast<std::int32_t>(i));
      return requested == 0.0 ? lowest_equivalent(v) : highest_equivalent(v);
    }
  }
  return max();
}

}  // namespace surge
