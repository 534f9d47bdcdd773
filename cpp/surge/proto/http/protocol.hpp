// HTTP/1.1 as a Protocol of the engine (engine/protocol.hpp): what a run resolves once (the
// endpoint), what each worker keeps (request builders), and how a complete response is judged.
// One keep-alive connection is one lane.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "surge/core/rng.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/proto/http/request_builder.hpp"
#include "surge/proto/http/response_checks.hpp"
#include "surge/proto/http/response_reader.hpp"
#include "surge/proto/http/spec.hpp"
#include "surge/proto/tls/tls_context.hpp"

namespace surge {

class HttpConnection;

struct HttpShared {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host_header;                        // HTTP/2 sends it as :authority
  std::shared_ptr<const tls::ClientContext> tls;  // null: plain HTTP (h2c for HTTP/2)
  std::string server_name;                        // SNI and the name the certificate must carry
};

// What a run resolves once, whichever HTTP it speaks: every template checked, the host
// resolved, and for https:// the TLS context offering `alpn`. Throws std::invalid_argument
// naming the operation or host.
HttpShared prepare_http(const HttpRunSpec& spec, const std::string& alpn);

class HttpProtocol {
 public:
  using Spec = HttpRunSpec;
  using Lane = HttpConnection;
  using Shared = HttpShared;

  // Once per run, before any load: checks every template and resolves the host. Throws
  // std::invalid_argument naming the operation or host.
  static Shared prepare(const Spec& spec);
  static int lanes_per_connection(const Spec& /*spec*/) noexcept { return 1; }

  HttpProtocol(const Spec& spec, const Shared& shared, int index, int worker_count);

  void build_request(int op, std::string& out, Rng& rng) {
    builders_[static_cast<std::size_t>(op)].build(out, rng);
  }
  [[nodiscard]] bool is_head(int op) const noexcept {
    return builders_[static_cast<std::size_t>(op)].is_head();
  }
  [[nodiscard]] bool is_idempotent(int op) const noexcept {
    return builders_[static_cast<std::size_t>(op)].is_idempotent();
  }
  [[nodiscard]] std::uint64_t body_limit(int op) const noexcept {
    return spec_.operations[static_cast<std::size_t>(op)].max_body_bytes;
  }
  [[nodiscard]] bool keeps_body(int op) const noexcept {
    return !spec_.operations[static_cast<std::size_t>(op)].expect_body.empty();
  }
  // Cache reads: counts a hit or a miss; returns true when the response was a miss, which is
  // then not an error.
  bool count_cache_read(int op, int status, OperationStats& stats) const noexcept {
    return http::count_cache_read(spec_.operations[static_cast<std::size_t>(op)], status, stats);
  }
  // Judges a complete response against the operation's checks; nullopt is a success.
  [[nodiscard]] std::optional<ErrorClass> classify(int op, const http::ResponseReader& reader) const;
  [[nodiscard]] const boost::asio::ip::tcp::endpoint& endpoint() const noexcept { return shared_.endpoint; }
  [[nodiscard]] const tls::ClientContext* tls() const noexcept { return shared_.tls.get(); }
  [[nodiscard]] const std::string& server_name() const noexcept { return shared_.server_name; }

 private:
  const Spec& spec_;
  const Shared& shared_;
  std::vector<http::RequestBuilder> builders_;
};

}  // namespace surge
