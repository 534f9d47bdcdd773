// A deliberate memory leak of known size, so that a leak detector can be checked against the
// truth: every request served keeps `bytes_per_request` more bytes alive until the target
// stops. The bytes are written, so they count in the process's RSS at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace surge::target {

class Leak {
 public:
  // What one request keeps; 0 stops leaking (what was kept stays kept, as a leak's would).
  void set_bytes_per_request(std::size_t bytes) noexcept {
    per_request_.store(bytes, std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t bytes_per_request() const noexcept {
    return per_request_.load(std::memory_order_relaxed);
  }
  // Called once per request; a no-op unless the knob is set. Past kCeiling kept, leaking
  // stops, so that a forgotten knob cannot take the machine's memory.
  void on_request() {
    const std::size_t bytes = bytes_per_request();
    if (bytes == 0) return;
    const std::scoped_lock lock(mutex_);
    if (kept_ + bytes > kCeiling) return;
    kept_chunks_.emplace_back(bytes, '\xa5');
    kept_ += bytes;
  }
  [[nodiscard]] std::size_t kept() {
    const std::scoped_lock lock(mutex_);
    return kept_;
  }

  static constexpr std::size_t kCeiling = std::size_t{2} << 30;

 private:
  std::atomic<std::size_t> per_request_{0};
  std::mutex mutex_;
  std::vector<std::string> kept_chunks_;
  std::size_t kept_ = 0;
};

}  // namespace surge::target
