#include "surge/proto/http/cookie_jar.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <charconv>
#include <ctime>

namespace surge::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 6265 5.1.4: the directory of the request path.
std::string default_path(std::string_view request_path) {
  const auto query = request_path.find('?');
  if (query != std::string_view::npos) request_path = request_path.substr(0, query);
  const auto slash = request_path.rfind('/');
  if (request_path.empty() || request_path[0] != '/' || slash == 0 || slash == std::string_view::npos)
    return "/";
  return std::string(request_path.substr(0, slash));
}

// RFC 6265 5.1.4: path-match.
bool path_matches(std::string_view request_path, std::string_view cookie_path) {
  const auto query = request_path.find('?');
  if (query != std::string_view::npos) request_path = request_path.substr(0, query);
  if (!request_path.starts_with(cookie_path)) return false;
  return request_path.size() == cookie_path.size() || cookie_path.back() == '/' ||
         request_path[cookie_path.size()] == '/';
}

bool domain_matches(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

int month_index(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; ++i)
    if (boost::beast::iequals(m, kMonths[i])) return i;
  return -1;
}

}  // namespace

std::int64_t parse_http_date(std::string_view text) {
  // The time is the one hh:mm:ss; day, month and year are read from what is left, in whatever
  // order the form puts them.
  const auto colon = text.find(':');
  if (colon < 2 || colon + 6 > text.size() || text[colon + 3] != ':') return -1;
  const auto two = [&](std::size_t at) {
    int n = -1;
    std::from_chars(text.data() + at, text.data() + at + 2, n);
    return n;
  };
  const int hour = two(colon - 2), minute = two(colon + 1), second = two(colon + 4);
  std::string rest(text.substr(0, colon - 2));
  rest += ' ';
  rest += text.substr(colon + 6);
  int day = -1, month = -1, year = -1;
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && std::string_view(" ,-").find(rest[i]) != std::string_view::npos) ++i;
    const auto start = i;
    while (i < rest.size() && std::string_view(" ,-").find(rest[i]) == std::string_view::npos) ++i;
    if (i == start) continue;
    const std::string_view token(rest.data() + start, i - start);
    int number = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), number);
    if (ec != std::errc() || end != token.data() + token.size()) {
      if (month < 0) month = month_index(token);
    } else if (day < 0 && token.size() <= 2) {
      day = number;
    } else if (year < 0) {
      year = token.size() == 2 ? (number < 70 ? 2000 + number : 1900 + number) : number;
    }
  }
  if (day < 1 || day > 31 || month < 0 || year < 1601 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60)
    return -1;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm));
}

void CookieJar::store(std::string_view set_cookie, std::string_view request_path, std::int64_t now_unix) {
  const auto semicolon = set_cookie.find(';');
  const auto pair = trim(set_cookie.substr(0, semicolon));
  const auto equals = pair.find('=');
  if (equals == std::string_view::npos) return;
  Cookie cookie;
  cookie.name = std::string(trim(pair.substr(0, equals)));
  cookie.value = std::string(trim(pair.substr(equals + 1)));
  if (cookie.name.empty()) return;
  cookie.path = default_path(request_path);
  bool has_max_age = false;
  auto rest = semicolon == std::string_view::npos ? std::string_view{} : set_cookie.substr(semicolon + 1);
  while (!rest.empty()) {
    const auto end = rest.find(';');
    const auto attribute = trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    const auto eq = attribute.find('=');
    const auto name = trim(attribute.substr(0, eq));
    const auto value = eq == std::string_view::npos ? std::string_view{} : trim(attribute.substr(eq + 1));
    if (boost::beast::iequals(name, "path")) {
      if (!value.empty() && value[0] == '/') cookie.path = std::string(value);
    } else if (boost::beast::iequals(name, "domain")) {
      auto domain = value;
      if (!domain.empty() && domain[0] == '.') domain.remove_prefix(1);
      if (domain.empty()) continue;
      cookie.domain = lower(domain);
      if (!domain_matches(lower(host_), cookie.domain)) return;  // set for another site: rejected
    } else if (boost::beast::iequals(name, "max-age")) {
      std::int64_t seconds = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (ec != std::errc() || p != value.data() + value.size()) continue;
      has_max_age = true;
      cookie.expires_unix = seconds <= 0 ? 0 : now_unix + seconds;
    } else if (boost::beast::iequals(name, "expires") && !has_max_age) {
      const auto at = parse_http_date(value);
      if (at >= 0) cookie.expires_unix = at;
    } else if (boost::beast::iequals(name, "secure")) {
      cookie.secure = true;
    }
  }
  const auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& c) {
    return c.name == cookie.name && c.path == cookie.path && c.domain == cookie.domain;
  });
  const bool expired = cookie.expires_unix >= 0 && cookie.expires_unix <= now_unix;
  if (same != cookies_.end()) {
    if (expired) {
      cookies_.erase(same);  // how a server deletes a cookie
    } else {
      *same = std::move(cookie);
    }
  } else if (!expired && cookies_.size() < kMaxCookies) {
    cookies_.push_back(std::move(cookie));
  }
}

const std::string& CookieJar::header_for(std::string_view path, bool secure, std::int64_t now_unix) {
  header_.clear();
  std::erase_if(cookies_, [&](const Cookie& c) { return c.expires_unix >= 0 && c.expires_unix <= now_unix; });
  // RFC 6265 5.4: longer paths first; a stable sort keeps the order they were set in otherwise.
  std::stable_sort(cookies_.begin(), cookies_.end(),
                   [](const Cookie& a, const Cookie& b) { return a.path.size() > b.path.size(); });
  for (const auto& c : cookies_) {
    if (c.secure && !secure) continue;
    if (!path_matches(path, c.path)) continue;
    if (!header_.empty()) header_ += "; ";
    header_ += c.name;
    header_ += '=';
    header_ += c.value;
  }
  return header_;
}

}  // namespace surge::http
