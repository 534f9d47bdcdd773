#include "surge/engine/operation_stats.hpp"

#include <algorithm>
#include <cerrno>

namespace surge {

std::string_view error_class_name(ErrorClass c) noexcept {
  switch (c) {
    case ErrorClass::refused:
      return "refused";
    case ErrorClass::connect_timeout:
      return "connect_timeout";
    case ErrorClass::request_timeout:
      return "request_timeout";
    case ErrorClass::reset:
      return "reset";
    case ErrorClass::malformed:
      return "malformed";
    case ErrorClass::http_4xx:
      return "http_4xx";
    case ErrorClass::http_5xx:
      return "http_5xx";
    case ErrorClass::check_failed:
      return "check_failed";
    case ErrorClass::error_reply:
      return "error_reply";
    case ErrorClass::client_fd_limit:
      return "client_fd_limit";
    case ErrorClass::tls_handshake:
      return "tls_handshake";
    case ErrorClass::tls_verify:
      return "tls_verify";
    case ErrorClass::stream_reset:
      return "stream_reset";
    case ErrorClass::feeder_exhausted:
      return "feeder_exhausted";
  }
  return "unknown";
}

ErrorClass connect_failure(const boost::system::error_code& ec) noexcept {
  if (ec.category() != boost::system::system_category()) return ErrorClass::refused;
  switch (ec.value()) {
    case EMFILE:
    case ENFILE:
      return ErrorClass::client_fd_limit;
    case ECONNRESET:  // the server accepted, then reset: not a refusal
    case ECONNABORTED:
    case EPIPE:
      return ErrorClass::reset;
    default:
      return ErrorClass::refused;
  }
}

ErrorClass connect_failure(std::string_view message) noexcept {
  const auto has = [message](std::string_view text) { return message.find(text) != std::string_view::npos; };
  if (has("Too many open files")) return ErrorClass::client_fd_limit;
  // libpq's words for a certificate it does not trust, or one naming another host.
  if (has("certificate verify failed") || has("does not match host name")) return ErrorClass::tls_verify;
  if (has("SSL")) return ErrorClass::tls_handshake;  // "server does not support SSL", "SSL error"
  return ErrorClass::refused;
}

void OperationStats::record_error(ErrorClass c, std::string_view example) {
  const auto i = static_cast<std::size_t>(c);
  ++errors[i];
  // Examples are only built for the first few errors, so a failing run allocates little.
  if (examples[i].size() < kExamplesPerClass && !example.empty()) examples[i].emplace_back(example);
}

void OperationStats::count_error_code(std::string_view code, std::int64_t n) {
  ErrorCodeCount key;
  key.length = static_cast<std::uint8_t>(std::min(code.size(), ErrorCodeCount::kMaxLength));
  std::copy_n(code.begin(), key.length, key.code.begin());
  for (auto& c : error_codes) {
    if (c.text() == key.text()) {
      c.count += n;
      return;
    }
  }
  key.count = n;
  error_codes.push_back(key);
}

std::int64_t OperationStats::error_total() const noexcept {
  std::int64_t total = 0;
  for (const auto e : errors) total += e;
  return total;
}

void OperationStats::add(const OperationStats& other) {
  response.add(other.response);
  service.add(other.service);
  lag.add(other.lag);
  failed.add(other.failed);
  count += other.count;
  dropped += other.dropped;
  unfinished += other.unfinished;
  late += other.late;
  hits += other.hits;
  misses += other.misses;
  retries += other.retries;
  reconnects += other.reconnects;
  redirects += other.redirects;
  for (const auto& c : other.error_codes) count_error_code(c.text(), c.count);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    errors[i] += other.errors[i];
    for (const auto& e : other.examples[i])
      if (examples[i].size() < kExamplesPerClass) examples[i].push_back(e);
  }
}

void OperationStats::reset() noexcept {
  response.reset();
  service.reset();
  lag.reset();
  failed.reset();
  count = 0;
  dropped = 0;
  unfinished = 0;
  late = 0;
  hits = 0;
  misses = 0;
  retries = 0;
  reconnects = 0;
  redirects = 0;
  error_codes.clear();  // keeps its capacity: a steady error stream allocates nothing
  errors.fill(0);
  for (auto& e : examples) e.clear();
}

}  // namespace surge
