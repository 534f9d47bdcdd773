// A move-only callable held in a fixed buffer inside the object: what std::function is, minus
// its heap allocation. The io_uring transport keeps one per pending operation of a socket, and
// a handler there is a lambda of a few pointers; std::function would allocate for most of them
// (libstdc++ keeps 16 bytes in place), and the steady state must allocate nothing per request.
// A callable too large for `Capacity` fails to compile instead of allocating.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace surge {

template <class Signature, std::size_t Capacity = 64>
class InplaceFunction;

template <class R, class... Args, std::size_t Capacity>
class InplaceFunction<R(Args...), Capacity> {
 public:
  InplaceFunction() noexcept = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, InplaceFunction>>>
  InplaceFunction(F&& f) {  // NOLINT(google-explicit-constructor): stands in for a callable
    using Stored = std::decay_t<F>;
    static_assert(sizeof(Stored) <= Capacity, "the callable does not fit: raise Capacity");
    static_assert(alignof(Stored) <= alignof(std::max_align_t));
    ::new (static_cast<void*>(storage_)) Stored(std::forward<F>(f));
    call_ = [](void* self, Args... args) -> R {
      return (*static_cast<Stored*>(self))(std::forward<Args>(args)...);
    };
    manage_ = [](void* self, void* into) noexcept {
      auto* stored = static_cast<Stored*>(self);
      if (into != nullptr) ::new (into) Stored(std::move(*stored));
      stored->~Stored();
    };
  }
  InplaceFunction(InplaceFunction&& other) noexcept { take(other); }
  InplaceFunction& operator=(InplaceFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  InplaceFunction(const InplaceFunction&) = delete;
  InplaceFunction& operator=(const InplaceFunction&) = delete;
  ~InplaceFunction() { reset(); }

  explicit operator bool() const noexcept { return call_ != nullptr; }
  R operator()(Args... args) { return call_(storage_, std::forward<Args>(args)...); }
  void reset() noexcept {
    if (manage_ != nullptr) manage_(storage_, nullptr);
    call_ = nullptr;
    manage_ = nullptr;
  }

 private:
  void take(InplaceFunction& other) noexcept {
    if (other.manage_ == nullptr) return;
    other.manage_(other.storage_, storage_);
    call_ = other.call_;
    manage_ = other.manage_;
    other.call_ = nullptr;
    other.manage_ = nullptr;
  }

  alignas(std::max_align_t) std::byte storage_[Capacity];
  R (*call_)(void*, Args...) = nullptr;
  void (*manage_)(void*, void*) noexcept = nullptr;
};

}  // namespace surge
