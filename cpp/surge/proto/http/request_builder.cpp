#include "surge/proto/http/request_builder.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace surge::http {

namespace {

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

RequestBuilder::RequestBuilder(const RequestSpec& spec, const std::string& host_header,
                               const std::vector<std::string>* user_names)
    : user_names_(user_names) {
  if (!is_token(spec.method))
    throw std::invalid_argument("bad HTTP method '" + spec.method + "': expected a token such as GET");
  if (spec.path.empty() || spec.path.front() != '/')
    throw std::invalid_argument("bad request path '" + spec.path + "': it must start with '/'");
  for (const auto& [name, generator] : spec.variables) variables_.declare(name, generator);

  method_ = spec.method;
  is_head_ = spec.method == "HEAD";
  for (const char* method : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
    is_idempotent_ = is_idempotent_ || spec.method == method;
  request_line_start_ = spec.method + " ";
  path_ = RequestTemplate::parse(spec.path, variables_, user_names);
  line_user_variables_ = path_.user_variables();
  // A line break in a path or header value would end it and inject what follows as a header,
  // or a whole request.
  if (path_.may_break_lines(variables_))
    throw std::invalid_argument("bad request path '" + spec.path +
                                "': it may hold a line break (CR, LF) or NUL, which would inject headers");
  bool has_host = false;
  for (const auto& [name, value] : spec.headers) {
    if (!is_token(name)) throw std::invalid_argument("bad header name '" + name + "'");
    if (iequals(name, "content-length"))
      throw std::invalid_argument("do not set Content-Length: surge computes it from the body");
    has_host = has_host || iequals(name, "host");
    headers_.emplace_back(name, RequestTemplate::parse(value, variables_, user_names));
    for (const int v : headers_.back().second.user_variables()) line_user_variables_.push_back(v);
    bool kept = true;
    for (const char* banned :
         {"host", "connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"})
      kept = kept && !iequals(name, banned);
    h2_header_kept_.push_back(kept);
    if (headers_.back().second.may_break_lines(variables_))
      throw std::invalid_argument(
          "bad header '" + name +
          "': its value may hold a line break (CR, LF) or NUL, which would inject headers");
  }
  fixed_headers_ = has_host ? "" : "Host: " + host_header + "\r\n";
  has_body_ = !spec.body.empty() || spec.method == "POST" || spec.method == "PUT" || spec.method == "PATCH";
  body_ = RequestTemplate::parse(spec.body, variables_, user_names);
  body_scratch_.reserve(spec.body.size() + 64);
}

void RequestBuilder::partition(std::int64_t index, std::int64_t count) noexcept {
  variables_.partition(index, count);
  path_.partition(index, count);
  for (auto& [name, value] : headers_) value.partition(index, count);
  body_.partition(index, count);
}

bool RequestBuilder::build(std::string& out, Rng& rng, const UserContext& user, std::string* bad) {
  if (user.values != nullptr) {
    for (const int v : line_user_variables_) {
      const auto& value = (*user.values)[static_cast<std::size_t>(v)];
      if (value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos) continue;
      if (bad != nullptr)
        *bad = "variable '" + (*user_names_)[static_cast<std::size_t>(v)] +
               "' holds a line break or NUL, and it goes in the path or a header";
      return false;
    }
  }
  if (!variables_.empty()) variables_.draw(rng);
  out.clear();
  out += request_line_start_;
  path_.render(out, variables_, rng, user.values);
  out += " HTTP/1.1\r\n";
  out += fixed_headers_;
  for (auto& [name, value] : headers_) {
    out += name;
    out += ": ";
    value.render(out, variables_, rng, user.values);
    out += "\r\n";
  }
  if (has_body_) {
    body_scratch_.clear();
    body_.render(body_scratch_, variables_, rng, user.values);
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), body_scratch_.size());
    out += "Content-Length: ";
    out.append(digits, end);
    out += "\r\n\r\n";
    out += body_scratch_;
  } else {
    out += "\r\n";
  }
  return true;
}

}  // namespace surge::http
