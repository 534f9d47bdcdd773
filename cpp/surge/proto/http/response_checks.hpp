// How a complete HTTP response is judged against its operation, whatever the version that
// carried it (HTTP/1.1 or HTTP/2): the expected statuses and body, and cache reads' misses.
#pragma once

#include <optional>
#include <string_view>

#include "surge/engine/operation_stats.hpp"
#include "surge/proto/http/spec.hpp"

namespace surge::http {

// nullopt is a success.
std::optional<ErrorClass> judge_response(const HttpOperation& operation, int status, std::string_view body);

// Cache reads: counts a hit or a miss; returns true when the response was a miss, which is then
// not an error.
inline bool count_cache_read(const HttpOperation& operation, int status, OperationStats& stats) noexcept {
  if (operation.miss_status == 0) return false;
  if (status == operation.miss_status) {
    ++stats.misses;
    return true;
  }
  if (status < 400) ++stats.hits;
  return false;
}

}  // namespace surge::http
