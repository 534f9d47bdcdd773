// The demo target's endpoints, free of I/O: a request in, a response out. They emulate the
// services in surge's suites: health, model info, classify, a TTL cache and medications CRUD,
// and accounts (login, a token-only route, a cookie session: accounts.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "surge/core/clock.hpp"
#include "surge/target/accounts.hpp"

namespace surge::target {

struct ApiRequest {
  std::string method;
  std::string target;  // path and query
  std::string body;
  std::string content_type;
  std::string ttl_header;
  std::string authorization;
  std::string cookie;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string set_cookie;  // a Set-Cookie header's value; empty: none
};

class DemoApi {
 public:
  void handle(const ApiRequest& request, ApiResponse& response);
  // For tests and the pytest fixture: what the cache holds for `key`, if anything.
  std::optional<std::string> cache_get(const std::string& key);
  std::size_t cache_size();

  static constexpr std::size_t kMaxImageBytes = std::size_t{10} * 1024 * 1024;
  // Every other route takes at most this much body (cache values, medication records).
  static constexpr std::size_t kMaxBodyBytes = std::size_t{1} << 20;
  // The cache and the store are bounded: past these a new key gets 507 (Insufficient Storage).
  static constexpr std::size_t kMaxCacheEntries = 200'000;
  static constexpr std::size_t kMaxCacheBytes = std::size_t{256} << 20;
  static constexpr std::size_t kMaxMedications = 100'000;
  // The longest TTL a cache entry may ask for: ten years, far from the clock's overflow.
  static constexpr std::int64_t kMaxTtlSeconds = std::int64_t{10} * 365 * 24 * 3600;
  // The body limit of the route a request line names.
  static std::size_t body_limit_for(std::string_view target) noexcept;

 private:
  void classify(const ApiRequest& request, ApiResponse& response);
  void cache(const ApiRequest& request, std::string_view key, std::string_view query, ApiResponse& response);
  void medications(const ApiRequest& request, std::string_view rest, ApiResponse& response);

  struct CacheEntry {
    std::string value;
    Nanos expires_at = 0;  // 0: never
  };
  // Drops every expired entry; run when the cache is full, and every kPurgeEvery stores, so
  // keys that are written and never read again do not pile up.
  void purge_expired(Nanos now);
  static constexpr std::size_t kPurgeEvery = 4096;

  std::mutex mutex_;
  std::unordered_map<std::string, CacheEntry> cache_;
  std::size_t cache_bytes_ = 0;
  std::size_t stores_since_purge_ = 0;
  std::map<std::int64_t, std::string> medications_;
  std::int64_t next_medication_id_ = 1;
  Accounts accounts_;
};

}  // namespace surge::target
