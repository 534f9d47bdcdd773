// A user's cookies, sans-IO: Set-Cookie in, the Cookie header out. The common subset of
// RFC 6265 (docs/journeys.md): name=value, Path (default: the request path's directory),
// Domain (must match the host; sent to it and its subdomains), Max-Age (wins over Expires),
// Expires (an IMF-fixdate), Secure (https only). HttpOnly and SameSite change nothing for a
// client without scripts or cross-site navigation, and are ignored. A journey talks to one host,
// so the jar holds few cookies and a linear search is fastest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "surge/core/clock.hpp"

namespace surge::http {

class CookieJar {
 public:
  // `host`: the server's name, as cookies' Domain must match it.
  explicit CookieJar(std::string host = {}) : host_(std::move(host)) {}

  // One Set-Cookie header's value, answering a request for `request_path`. `now_unix`: seconds
  // since the epoch (Expires is a date). A malformed header is ignored, as browsers do.
  void store(std::string_view set_cookie, std::string_view request_path, std::int64_t now_unix);
  // The Cookie header's value for a request to `path` (cookies with longer paths first), or an
  // empty string. Expired cookies are dropped.
  const std::string& header_for(std::string_view path, bool secure, std::int64_t now_unix);
  void clear() noexcept { cookies_.clear(); }
  [[nodiscard]] std::size_t size() const noexcept { return cookies_.size(); }

  static constexpr std::size_t kMaxCookies = 64;

 private:
  struct Cookie {
    std::string name;
    std::string value;
    std::string path;
    std::string domain;              // empty: host-only
    std::int64_t expires_unix = -1;  // -1: a session cookie
    bool secure = false;
  };

  std::string host_;
  std::vector<Cookie> cookies_;
  std::string header_;
};

// Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and the two obsolete forms RFC 9110
// still asks a recipient to accept; -1 when it is none of them.
std::int64_t parse_http_date(std::string_view text);

}  // namespace surge::http
