// Sans-IO HTTP/1.1 request serialisation from templates: method, path, headers and body are
// rendered into one reused buffer per connection.
#pragma once

#include <string>
#include <string_view>
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

// What a journey's user adds to its requests: its variables (its cookies go in after).
struct UserContext {
  const std::vector<std::string>* values = nullptr;  // by the builder's user variable names
};

// The request target (path and query) of a serialised HTTP/1.1 request: its request line's
// second word.
inline std::string_view request_target(std::string_view request) noexcept {
  const auto start = request.find(' ') + 1;
  return request.substr(start, request.find(' ', start) - start);
}

class RequestBuilder {
 public:
  // Throws std::invalid_argument naming the bad field. `user_names`: the user variables its
  // templates may name (a journey's captures and feeder columns).
  RequestBuilder(const RequestSpec& spec, const std::string& host_header,
                 const std::vector<std::string>* user_names = nullptr);

  // Writes the next request into `out` (cleared first). False, with nothing built, when a user
  // variable in the path or a header holds a line break (it would inject headers): `bad` then
  // names it.
  bool build(std::string& out, Rng& rng, const UserContext& user = {}, std::string* bad = nullptr);
  // The next request as HTTP/2 wants it (http2::Stream): method, path, headers and body
  // rendered apart. Host and the connection-specific headers HTTP/2 forbids (Connection,
  // Keep-Alive, Transfer-Encoding, Upgrade, Proxy-Connection) are left out: the host goes in
  // :authority.
  template <class Stream>
  void build_fields(Stream& stream, Rng& rng) {
    if (!variables_.empty()) variables_.draw(rng);
    stream.clear();
    stream.method = method_;
    path_.render(stream.path, variables_, rng);
    for (std::size_t i = 0; i < headers_.size(); ++i) {
      if (!h2_header_kept_[i]) continue;
      body_scratch_.clear();
      headers_[i].second.render(body_scratch_, variables_, rng);
      stream.add_header(headers_[i].first, body_scratch_);
    }
    stream.has_body = has_body_;
    if (has_body_) body_.render(stream.body, variables_, rng);
  }
  void partition(std::int64_t index, std::int64_t count) noexcept;
  [[nodiscard]] bool is_head() const noexcept { return is_head_; }
  // GET, HEAD, PUT, DELETE, OPTIONS, TRACE: sending it twice does what sending it once does
  // (RFC 9110, 9.2.2), so it may go again when its connection died before any answer.
  [[nodiscard]] bool is_idempotent() const noexcept { return is_idempotent_; }

 private:
  VariableSet variables_;
  std::string method_;
  std::string request_line_start_;
  std::vector<bool> h2_header_kept_;
  RequestTemplate path_;
  std::string fixed_headers_;
  std::vector<std::pair<std::string, RequestTemplate>> headers_;
  RequestTemplate body_;
  bool has_body_ = false;
  bool is_head_ = false;
  bool is_idempotent_ = false;
  std::string body_scratch_;
  std::vector<int> line_user_variables_;  // user variables rendered into the path or a header
  const std::vector<std::string>* user_names_ = nullptr;
};

}  // namespace surge::http
