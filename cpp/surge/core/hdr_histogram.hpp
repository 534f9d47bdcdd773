// HDR histogram: log-linear buckets with a fixed relative precision, the same layout as
// HdrHistogram (Gil Tene) so its V2 encoding can be written without re-bucketing.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace surge {

class HdrHistogram {
 public:
  // Values are nanoseconds by convention; 2^42 ns is about 73 minutes, above the 1 h floor.
  static constexpr std::int64_t kDefaultHighest = std::int64_t{1} << 42;
  // The most count slots a histogram may have (4 Mi: 32 MiB of counts). Surge's own have 23,552;
  // the cap keeps a hostile or corrupt blob from allocating gigabytes.
  static constexpr std::size_t kMostCounts = std::size_t{1} << 22;
  // The count slots a histogram of this range and precision needs. Throws
  // std::invalid_argument naming the field when the values are out of range or need more than
  // kMostCounts.
  static std::size_t counts_needed(std::int64_t lowest_discernible, std::int64_t highest_trackable,
                                   int significant_digits);

  explicit HdrHistogram(std::int64_t lowest_discernible = 1, std::int64_t highest_trackable = kDefaultHighest,
                        int significant_digits = 3);

  // Values outside [0, highest] are clamped, so one absurd sample never drops silently.
  void record(std::int64_t value) noexcept { record_n(value, 1); }
  void record_n(std::int64_t value, std::int64_t n) noexcept;

  // Adds other's counts to this one. Both must share one configuration.
  void add(const HdrHistogram& other);
  void reset() noexcept;

  [[nodiscard]] std::int64_t total_count() const noexcept { return total_count_; }
  [[nodiscard]] std::int64_t min() const noexcept;
  [[nodiscard]] std::int64_t max() const noexcept;
  [[nodiscard]] double mean() const noexcept;
  [[nodiscard]] double stdev() const noexcept;
  // Highest value equivalent to the one at `percentile` (0..100), as HdrHistogram reports it.
  [[nodiscard]] std::int64_t value_at_percentile(double percentile) const noexcept;

  [[nodiscard]] std::int64_t lowest_equivalent(std::int64_t value) const noexcept;
  [[nodiscard]] std::int64_t highest_equivalent(std::int64_t value) const noexcept;
  [[nodiscard]] std::int64_t value_at_index(std::int32_t index) const noexcept;

  [[nodiscard]] std::span<const std::int64_t> counts() const noexcept { return counts_; }
  [[nodiscard]] std::int64_t lowest_discernible() const noexcept { return lowest_; }
  [[nodiscard]] std::int64_t highest_trackable() const noexcept { return highest_; }
  [[nodiscard]] int significant_digits() const noexcept { return significant_digits_; }
  // Largest index with a non-zero count, or -1 when empty; bounds the encoded payload.
  [[nodiscard]] std::int32_t max_used_index() const noexcept;

  // Sets one bucket count directly; the decoder uses it to rebuild a histogram.
  void set_count_at_index(std::int32_t index, std::int64_t count);

 private:
  [[nodiscard]] std::int32_t bucket_index(std::int64_t value) const noexcept;
  [[nodiscard]] std::int32_t counts_index_for(std::int64_t value) const noexcept;
  [[nodiscard]] std::int64_t equivalent_range(std::int64_t value) const noexcept;

  std::int64_t lowest_;
  std::int64_t highest_;
  int significant_digits_;
  std::int32_t unit_magnitude_;
  std::int32_t sub_bucket_half_count_magnitude_;
  std::int32_t sub_bucket_count_;
  std::int32_t sub_bucket_half_count_;
  std::int64_t sub_bucket_mask_;
  std::vector<std::int64_t> counts_;
  std::int64_t total_count_ = 0;
  std::int64_t min_value_;
  std::int64_t max_value_ = 0;
};

}  // namespace surge
