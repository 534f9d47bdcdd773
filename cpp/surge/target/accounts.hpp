// The demo target's accounts, free of I/O: a login that hands out a bearer token, a route that
// requires one, and a cookie session. Journeys' tests need them: a journey that logs in the
// feeder's users, keeps the token and the cookie, and cannot pass without all three.
//
//   POST   /api/v1/login    {"user": U, "password": P} -> 200 {"token": T, "user": U}; P must
//                           be "pw-" followed by U, else 401
//   GET    /api/v1/me       Authorization: Bearer T -> 200 {"user": U}; else 401
//   POST   /api/v1/session  -> 201 {"session": S}, Set-Cookie: session=S; Path=/api/v1; HttpOnly
//   GET    /api/v1/session  Cookie: session=S -> 200 {"session": S, "visits": n}; else 401
//   DELETE /api/v1/session  Cookie: session=S -> 204, and the cookie is expired
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace surge::target {

struct ApiRequest;
struct ApiResponse;

class Accounts {
 public:
  // Whether `path` is one of its routes; if so, `response` is its answer.
  bool handle(std::string_view path, const ApiRequest& request, ApiResponse& response);

  // Tokens and sessions are bounded: past this a new one gets 507.
  static constexpr std::size_t kMaxTokens = 200'000;

 private:
  void login(const ApiRequest& request, ApiResponse& response);
  void me(const ApiRequest& request, ApiResponse& response);
  void session(const ApiRequest& request, ApiResponse& response);

  std::mutex mutex_;
  std::unordered_map<std::string, std::string> tokens_;     // token -> user
  std::unordered_map<std::string, std::int64_t> sessions_;  // session -> visits
  std::uint64_t next_ = 1;
};

}  // namespace surge::target
