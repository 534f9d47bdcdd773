// The demo target's endpoints, free of I/O: a request in, a response out. They emulate the
// services in surge's suites: health, model info, classify, a TTL cache and medications CRUD.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "surge/core/clock.hpp"

namespace surge::target {

struct ApiRequest {
  std::string method;
  std::string target;  // path and query
  std::string body;
  std::string content_type;
  std::string ttl_header;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class DemoApi {
 public:
  void handle(const ApiRequest& request, ApiResponse& response);
  // For tests and the pytest fixture: what the cache holds for `key`, if anything.
  std::optional<std::string> cache_get(const std::string& key);
  std::size_t cache_size();

  static constexpr std::size_t kMaxImageBytes = std::size_t{10} * 1024 * 1024;

 private:
  void classify(const ApiRequest& request, ApiResponse& response);
  void cache(const ApiRequest& request, std::string_view key, std::string_view query, ApiResponse& response);
  void medications(const ApiRequest& request, std::string_view rest, ApiResponse& response);

  struct CacheEntry {
    std::string value;
    Nanos expires_at = 0;  // 0: never
  };
  std::mutex mutex_;
  std::unordered_map<std::string, CacheEntry> cache_;
  std::map<std::int64_t, std::string> medications_;
  std::int64_t next_medication_id_ = 1;
};

}  // namespace surge::target
