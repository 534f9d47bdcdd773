// A double-ended queue of fixed capacity over one preallocated vector: what a pipelined
// connection keeps of the requests it has in flight, in order, and the open model's backlog of
// requests waiting for a lane. Nothing is allocated after construction; the owner sizes it for
// the most it can hold.
#pragma once

#include <cstddef>
#include <vector>

namespace surge {

template <class T>
class FixedRing {
 public:
  explicit FixedRing(std::size_t capacity) : slots_(capacity) {}

  void push_back(const T& value) {
    slots_[(head_ + size_) % slots_.size()] = value;
    ++size_;
  }
  void push_front(const T& value) {
    head_ = (head_ + slots_.size() - 1) % slots_.size();
    slots_[head_] = value;
    ++size_;
  }
  T pop_front() {
    const T value = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --size_;
    return value;
  }
  // The i-th oldest (0 = front).
  [[nodiscard]] T& operator[](std::size_t i) noexcept { return slots_[(head_ + i) % slots_.size()]; }
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept {
    return slots_[(head_ + i) % slots_.size()];
  }
  [[nodiscard]] T& back() noexcept { return (*this)[size_ - 1]; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] bool full() const noexcept { return size_ == slots_.size(); }

 private:
  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace surge
