#include "surge/target/accounts.hpp"

#include <simdjson.h>

#include "surge/target/demo_api.hpp"

namespace surge::target {

namespace {

void reply(ApiResponse& r, int status, std::string body) {
  r.status = status;
  r.body = std::move(body);
}

// The value of cookie `name` in a Cookie header, or empty.
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    auto pair = header.substr(0, semicolon);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return {};
}

// A string a user sent, safe to put back in JSON: letters, digits, and - _ . @ only.
bool plain(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (const char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '@'))
      return false;
  return true;
}

}  // namespace

bool Accounts::handle(std::string_view path, const ApiRequest& request, ApiResponse& response) {
  if (path == "/api/v1/login") {
    if (request.method != "POST") return reply(response, 405, R"({"error":"method not allowed"})"), true;
    login(request, response);
  } else if (path == "/api/v1/me") {
    if (request.method != "GET") return reply(response, 405, R"({"error":"method not allowed"})"), true;
    me(request, response);
  } else if (path == "/api/v1/session") {
    session(request, response);
  } else {
    return false;
  }
  return true;
}

void Accounts::login(const ApiRequest& request, ApiResponse& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element body;
  std::string_view user, password;
  if (parser.parse(request.body).get(body) != simdjson::SUCCESS ||
      body["user"].get(user) != simdjson::SUCCESS || body["password"].get(password) != simdjson::SUCCESS)
    return reply(response, 400, R"({"error":"send {\"user\": ..., \"password\": ...}"})");
  if (!plain(user) || password != "pw-" + std::string(user))
    return reply(response, 401, R"({"error":"wrong user or password"})");
  const std::lock_guard lock(mutex_);
  if (tokens_.size() >= kMaxTokens) return reply(response, 507, R"({"error":"too many tokens"})");
  const std::string token =
      "tok" + std::to_string(next_++) + "-" + std::to_string(std::hash<std::string_view>{}(user) % 100000);
  tokens_[token] = std::string(user);
  reply(response, 200, R"({"token":")" + token + R"(","user":")" + std::string(user) + "\"}");
}

void Accounts::me(const ApiRequest& request, ApiResponse& response) {
  std::string_view auth = request.authorization;
  if (!auth.starts_with("Bearer "))
    return reply(response, 401, R"({"error":"send Authorization: Bearer TOKEN"})");
  auth.remove_prefix(7);
  const std::lock_guard lock(mutex_);
  const auto it = tokens_.find(std::string(auth));
  if (it == tokens_.end()) return reply(response, 401, R"({"error":"unknown token"})");
  reply(response, 200, R"({"user":")" + it->second + "\"}");
}

void Accounts::session(const ApiRequest& request, ApiResponse& response) {
  const std::lock_guard lock(mutex_);
  if (request.method == "POST") {
    if (sessions_.size() >= kMaxTokens) return reply(response, 507, R"({"error":"too many sessions"})");
    const std::string id = "s" + std::to_string(next_++);
    sessions_[id] = 0;
    response.set_cookie = "session=" + id + "; Path=/api/v1; HttpOnly";
    return reply(response, 201, R"({"session":")" + id + "\"}");
  }
  const auto it = sessions_.find(std::string(cookie_value(request.cookie, "session")));
  if (it == sessions_.end()) return reply(response, 401, R"({"error":"no session cookie"})");
  if (request.method == "GET") {
    reply(response, 200,
          R"({"session":")" + it->first + R"(","visits":)" + std::to_string(++it->second) + "}");
  } else if (request.method == "DELETE") {
    sessions_.erase(it);
    response.set_cookie = "session=; Path=/api/v1; Max-Age=0";
    reply(response, 204, "");
  } else {
    reply(response, 405, R"({"error":"method not allowed"})");
  }
}

}  // namespace surge::target
