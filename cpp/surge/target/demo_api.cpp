#include "surge/target/demo_api.hpp"

#include <charconv>

namespace surge::target {

namespace {

constexpr std::string_view kLabels[] = {"cat", "dog", "bird", "car", "tree"};

void json_error(ApiResponse& r, int status, std::string_view message) {
  r.status = status;
  r.body = R"({"error":")";
  r.body += message;
  r.body += "\"}";
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace

void DemoApi::handle(const ApiRequest& request, ApiResponse& response) {
  response.status = 200;
  response.content_type = "application/json";
  response.body.clear();
  response.set_cookie.clear();
  std::string_view target = request.target;
  std::string_view query;
  if (const auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  const bool get = request.method == "GET" || request.method == "HEAD";

  if (target == "/api/v1/health") {
    if (!get) return json_error(response, 405, "method not allowed");
    response.body = R"({"status":"healthy"})";
  } else if (target == "/api/v1/model/info") {
    if (!get) return json_error(response, 405, "method not allowed");
    response.body = R"({"name":"surge-demo-classifier","version":"1.0.0","input_size":[224,224],)"
                    R"("classes":["cat","dog","bird","car","tree"]})";
  } else if (target == "/api/v1/classify") {
    if (request.method != "POST") return json_error(response, 405, "method not allowed");
    classify(request, response);
  } else if (target.starts_with("/cache/")) {
    cache(request, target.substr(7), query, response);
  } else if (target == "/api/v1/medications" || target.starts_with("/api/v1/medications/")) {
    medications(request, target.substr(19), response);
  } else if (!accounts_.handle(target, request, response)) {
    json_error(response, 404, "not found");
  }
}

void DemoApi::classify(const ApiRequest& request, ApiResponse& response) {
  if (!request.content_type.empty() && !request.content_type.starts_with("image/") &&
      request.content_type != "application/octet-stream")
    return json_error(response, 415, "send the image as image/* or application/octet-stream");
  if (request.body.empty()) return json_error(response, 400, "missing image");
  if (request.body.size() > kMaxImageBytes) return json_error(response, 413, "image too large");
  // Work proportional to the image size stands in for inference: eight FNV-1a passes.
  std::uint64_t hash = 1469598103934665603ULL;
  for (int pass = 0; pass < 8; ++pass)
    for (const char c : request.body) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  const auto label = kLabels[hash % std::size(kLabels)];
  const int confidence = 500 + static_cast<int>((hash >> 8) % 500);
  response.body = R"({"label":")";
  response.body += label;
  response.body += R"(","confidence":0.)";
  response.body += std::to_string(confidence);
  response.body += "}";
}

std::size_t DemoApi::body_limit_for(std::string_view target) noexcept {
  return target.substr(0, target.find('?')) == "/api/v1/classify" ? kMaxImageBytes : kMaxBodyBytes;
}

void DemoApi::purge_expired(Nanos now) {
  stores_since_purge_ = 0;
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second.expires_at != 0 && it->second.expires_at <= now) {
      cache_bytes_ -= it->first.size() + it->second.value.size();
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
}

void DemoApi::cache(const ApiRequest& request, std::string_view key, std::string_view query,
                    ApiResponse& response) {
  if (key.empty()) return json_error(response, 400, "missing key");
  const Nanos now = now_ns();
  const std::lock_guard lock(mutex_);
  if (request.method == "GET" || request.method == "HEAD") {
    const auto it = cache_.find(std::string(key));
    if (it == cache_.end() || (it->second.expires_at != 0 && it->second.expires_at <= now)) {
      if (it != cache_.end()) {
        cache_bytes_ -= it->first.size() + it->second.value.size();
        cache_.erase(it);
      }
      return json_error(response, 404, "miss");
    }
    response.content_type = "application/octet-stream";
    response.body = it->second.value;
  } else if (request.method == "PUT" || request.method == "POST") {
    std::string_view ttl = query_value(query, "ttl");
    if (ttl.empty()) ttl = request.ttl_header;
    Nanos expires_at = 0;
    if (!ttl.empty()) {
      const auto seconds = parse_int(ttl);
      if (!seconds || *seconds < 0 || *seconds > kMaxTtlSeconds)
        return json_error(response, 400, "ttl must be whole seconds, at most ten years");
      if (*seconds > 0) expires_at = now + *seconds * kNanosPerSecond;
    }
    if (++stores_since_purge_ >= kPurgeEvery) purge_expired(now);
    auto it = cache_.find(std::string(key));
    std::size_t old_bytes = it == cache_.end() ? 0 : key.size() + it->second.value.size();
    const std::size_t new_bytes = key.size() + request.body.size();
    auto full = [&] {
      return (it == cache_.end() && cache_.size() >= kMaxCacheEntries) ||
             cache_bytes_ - old_bytes + new_bytes > kMaxCacheBytes;
    };
    if (full()) {
      purge_expired(now);
      it = cache_.find(std::string(key));
      old_bytes = it == cache_.end() ? 0 : key.size() + it->second.value.size();
      if (full()) return json_error(response, 507, "cache full");
    }
    cache_bytes_ = cache_bytes_ - old_bytes + new_bytes;
    const bool inserted = it == cache_.end();
    if (inserted) {
      cache_.emplace(std::string(key), CacheEntry{request.body, expires_at});
    } else {
      it->second = CacheEntry{request.body, expires_at};
    }
    response.status = inserted ? 201 : 200;
    response.body = R"({"stored":true})";
  } else if (request.method == "DELETE") {
    const auto it = cache_.find(std::string(key));
    const bool erased = it != cache_.end();
    if (erased) {
      cache_bytes_ -= it->first.size() + it->second.value.size();
      cache_.erase(it);
    }
    response.status = erased ? 204 : 404;
    if (!erased) response.body = R"({"error":"miss"})";
  } else {
    json_error(response, 405, "method not allowed");
  }
}

void DemoApi::medications(const ApiRequest& request, std::string_view rest, ApiResponse& response) {
  const std::lock_guard lock(mutex_);
  if (rest.empty()) {
    if (request.method == "GET") {
      response.body = "[";
      int shown = 0;
      for (const auto& [id, data] : medications_) {
        if (shown++ == 100) break;
        if (shown > 1) response.body += ",";
        response.body += "{\"id\":" + std::to_string(id) + ",\"data\":" + data + "}";
      }
      response.body += "]";
    } else if (request.method == "POST") {
      if (medications_.size() >= kMaxMedications) return json_error(response, 507, "store full");
      if (request.body.empty()) return json_error(response, 400, "missing body");
      const auto id = next_medication_id_++;
      medications_[id] = request.body;
      response.status = 201;
      response.body = "{\"id\":" + std::to_string(id) + "}";
    } else {
      json_error(response, 405, "method not allowed");
    }
    return;
  }
  const auto id = parse_int(rest.substr(1));
  if (!id) return json_error(response, 400, "medication id must be an integer");
  const auto it = medications_.find(*id);
  if (it == medications_.end()) return json_error(response, 404, "no such medication");
  if (request.method == "GET") {
    response.body = "{\"id\":" + std::to_string(*id) + ",\"data\":" + it->second + "}";
  } else if (request.method == "PUT") {
    it->second = request.body;
    response.body = "{\"id\":" + std::to_string(*id) + "}";
  } else if (request.method == "DELETE") {
    medications_.erase(it);
    response.status = 204;
  } else {
    json_error(response, 405, "method not allowed");
  }
}

std::optional<std::string> DemoApi::cache_get(const std::string& key) {
  const std::lock_guard lock(mutex_);
  const auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return it->second.value;
}

std::size_t DemoApi::cache_size() {
  const std::lock_guard lock(mutex_);
  return cache_.size();
}

}  // namespace surge::target
