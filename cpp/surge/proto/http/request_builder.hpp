// Sans-IO HTTP/1.1 request serialisation from templates: method, path, headers and body are
// rendered into one reused buffer per connection.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "surge/core/request_template.hpp"

namespace surge::http {

struct RequestSpec {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<std::pair<std::string, std::string>> variables;  // name -> generator spec
};

class RequestBuilder {
 public:
  // Throws std::invalid_argument naming the bad field.
  RequestBuilder(const RequestSpec& spec, const std::string& host_header);

  // Writes the next request into `out` (cleared first).
  void build(std::string& out, Rng& rng);
  void partition(std::int64_t index, std::int64_t count) noexcept;
  [[nodiscard]] bool is_head() const noexcept { return is_head_; }
  // GET, HEAD, PUT, DELETE, OPTIONS, TRACE: sending it twice does what sending it once does
  // (RFC 9110, 9.2.2), so it may go again when its connection died before any answer.
  [[nodiscard]] bool is_idempotent() const noexcept { return is_idempotent_; }

 private:
  VariableSet variables_;
  std::string request_line_start_;
  RequestTemplate path_;
  std::string fixed_headers_;
  std::vector<std::pair<std::string, RequestTemplate>> headers_;
  RequestTemplate body_;
  bool has_body_ = false;
  bool is_head_ = false;
  bool is_idempotent_ = false;
  std::string body_scratch_;
};

}  // namespace surge::http
