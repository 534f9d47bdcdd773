// Sans-IO HTTP/1.1 response reader: bytes in, one final response out. Wraps Beast's
// basic_parser without storing headers, so reading a response allocates nothing. Interim 1xx
// responses (100 Continue, 103 Early Hints) are skipped: they precede the final response to
// the same request. Headers may take up to kMaxHeaderBytes (large Set-Cookie and CSP headers
// are common).
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace surge::http {

class ResponseReader {
 public:
  enum class State { need_more, complete, malformed };
  struct Step {
    State state;
    std::size_t consumed;
  };

  // Starts a new response. keep_body makes the body available for checks (capped);
  // a body longer than `body_limit` bytes (0: no limit) is malformed. keep_headers keeps the
  // final response's header fields (a journey's captures and cookies read them).
  void start(bool head_request, bool keep_body, std::uint64_t body_limit = 0, bool keep_headers = false);
  // Parses from `data`; unconsumed bytes must be offered again, with more appended.
  Step feed(std::string_view data);
  // The peer closed the connection: completes a read-until-close body, else malformed.
  State finish_on_eof();

  [[nodiscard]] int status() const noexcept { return status_; }
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
  [[nodiscard]] bool started() const noexcept { return bytes_seen_ > 0; }
  [[nodiscard]] std::string_view body() const noexcept { return body_; }
  // With keep_headers: the final response's fields, names as sent. Storage is reused.
  [[nodiscard]] std::span<const std::pair<std::string, std::string>> headers() const noexcept {
    return {headers_.data(), header_count_};
  }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

  static constexpr std::size_t kMaxKeptBody = 1 << 20;
  static constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
  static constexpr std::size_t kMaxKeptHeaders = 256;

 private:
  class Parser final : public boost::beast::http::basic_parser<false> {
   public:
    explicit Parser(ResponseReader& owner) : owner_(owner) {}

   private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override { owner_.status_ = code; }
    void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override {
      owner_.keep_header(name, value);
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(boost::optional<std::uint64_t> const&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code&) override;
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
    void on_finish_impl(error_code&) override {}
    ResponseReader& owner_;
  };

  void keep(std::string_view chunk);
  void keep_header(std::string_view name, std::string_view value);
  void restart_parser();

  std::optional<Parser> parser_;
  bool head_request_ = false;
  std::uint64_t body_limit_ = 0;
  bool keep_body_ = false;
  bool keep_alive_ = false;
  int status_ = 0;
  std::size_t bytes_seen_ = 0;
  std::string body_;
  std::string error_;
  bool keep_headers_ = false;
  // Kept fields: the first header_count_ entries; their strings keep their capacity.
  std::vector<std::pair<std::string, std::string>> headers_;
  std::size_t header_count_ = 0;
};

}  // namespace surge::http
