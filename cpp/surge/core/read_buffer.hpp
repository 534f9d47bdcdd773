// A reusable receive buffer for one connection: bytes land at the tail, a parser consumes from
// the head, and room is made by compacting (or, for an oversized header, growing) so steady
// state never allocates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

namespace surge {

class ReadBuffer {
 public:
  explicit ReadBuffer(std::size_t capacity) : bytes_(capacity) {}

  [[nodiscard]] std::string_view unread() const noexcept { return {bytes_.data() + begin_, end_ - begin_}; }
  [[nodiscard]] bool empty() const noexcept { return begin_ == end_; }
  void consume(std::size_t n) noexcept { begin_ += n; }
  void commit(std::size_t n) noexcept { end_ += n; }
  void clear() noexcept { begin_ = end_ = 0; }

  // Free space at the tail, made by compacting and, up to `max_capacity`, growing. Empty when
  // the buffer is full of unread bytes at its largest.
  char* writable(std::size_t& size, std::size_t max_capacity) {
    if (begin_ == end_) clear();
    if (end_ == bytes_.size()) {
      if (begin_ > 0) {
        std::copy(bytes_.begin() + static_cast<std::ptrdiff_t>(begin_),
                  bytes_.begin() + static_cast<std::ptrdiff_t>(end_), bytes_.begin());
        end_ -= begin_;
        begin_ = 0;
      } else if (bytes_.size() < max_capacity) {
        bytes_.resize(std::min(bytes_.size() * 2, max_capacity));
      }
    }
    size = bytes_.size() - end_;
    return bytes_.data() + end_;
  }

 private:
  std::vector<char> bytes_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace surge
