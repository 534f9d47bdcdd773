// What the fuzz targets share: the fuzzer's bytes read as a few small choices, then the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace surge::fuzz {

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : data_(reinterpret_cast<const char*>(data)), size_(size) {}

  // The next byte (0 once the input is used up).
  std::uint8_t byte() noexcept {
    if (used_ == size_) return 0;
    return static_cast<std::uint8_t>(data_[used_++]);
  }
  // The next `n` bytes, or what is left.
  std::string_view take(std::size_t n) noexcept {
    n = n < size_ - used_ ? n : size_ - used_;
    const std::string_view part(data_ + used_, n);
    used_ += n;
    return part;
  }
  std::string_view rest() noexcept { return take(size_ - used_); }
  [[nodiscard]] bool empty() const noexcept { return used_ == size_; }

 private:
  const char* data_;
  std::size_t size_;
  std::size_t used_ = 0;
};

}  // namespace surge::fuzz
