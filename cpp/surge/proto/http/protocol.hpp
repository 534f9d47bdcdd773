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
#include "surge/proto/http/feeder_cursor.hpp"
#include "surge/proto/http/request_builder.hpp"
#include "surge/proto/http/response_checks.hpp"
#include "surge/proto/http/response_reader.hpp"
#include "surge/proto/http/spec.hpp"
#include "surge/proto/http/step_judge.hpp"
#include "surge/proto/http/user_session.hpp"
#include "surge/proto/tls/tls_context.hpp"

namespace surge {

class HttpConnection;

struct HttpShared {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host_header;                        // HTTP/2 sends it as :authority
  std::shared_ptr<const tls::ClientContext> tls;  // null: plain HTTP (h2c for HTTP/2)
  std::string server_name;                        // SNI and the name the certificate must carry
  std::string host;                               // the server's name, which cookies' Domain must match
  // Journeys: every user variable (captures, then feeder columns), by name; empty without.
  std::vector<std::string> user_names;
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
  // Its connections' sockets can go through io_uring (engine/stream_socket.hpp).
  static constexpr bool kUringTransport = true;

  HttpProtocol(const Spec& spec, const Shared& shared, int index, int worker_count);

  void build_request(int op, std::string& out, Rng& rng) {
    builders_[static_cast<std::size_t>(op)].build(out, rng);
  }
  // A journey step's request, with its user's variables and cookies. False, with `bad` saying
  // why, when a variable cannot go where the template puts it.
  bool build_step_request(int op, std::string& out, Rng& rng, http::UserSession& user, std::string& bad);

  // Journeys (proto/http/journey.hpp).
  [[nodiscard]] bool has_journeys() const noexcept { return !spec_.journeys.empty(); }
  // The journey whose transaction row `op` is, or -1.
  [[nodiscard]] int journey_of(int op) const noexcept {
    return spec_.operations[static_cast<std::size_t>(op)].journey;
  }
  [[nodiscard]] const http::Journey& journey(int j) const noexcept {
    return spec_.journeys[static_cast<std::size_t>(j)];
  }
  [[nodiscard]] const HttpOperation& operation(int op) const noexcept {
    return spec_.operations[static_cast<std::size_t>(op)];
  }
  // A new user's session: its variables and cookie jar.
  [[nodiscard]] std::unique_ptr<http::UserSession> new_user() const {
    return std::make_unique<http::UserSession>(shared_.user_names.size(), shared_.host);
  }
  // A journey starts: its feeder's next row into the user's variables. False when a unique
  // feeder has no row left.
  bool start_journey(int j, http::UserSession& user, Rng& rng);
  // A step's response, after its status and body checks passed: captures into the user's
  // variables, checks, and its Set-Cookie headers into the jar. nullopt: it passed.
  std::optional<std::string> judge_step(int op, const http::ResponseReader& reader, http::UserSession& user);
  // Stores the response's cookies (also for a step that failed: a server may set one then).
  void keep_cookies(int op, std::string_view request_path, const http::ResponseReader& reader,
                    http::UserSession& user) const;
  // The step's think time before the next step.
  Nanos think_after(int op, Rng& rng) const noexcept;
  [[nodiscard]] bool keeps_headers(int op) const noexcept {
    return step_headers_[static_cast<std::size_t>(op)];
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
    return !spec_.operations[static_cast<std::size_t>(op)].expect_body.empty() ||
           step_body_[static_cast<std::size_t>(op)];
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
  std::optional<http::StepJudge> judge_;  // with journeys
  struct JourneyVariables {
    VariableSet set;
    std::vector<int> targets;  // each variable's user variable
  };
  std::vector<JourneyVariables> journey_variables_;  // by journey
  std::vector<http::FeederCursor> feeders_;
  std::vector<bool> step_headers_;  // by operation: the step reads header fields or cookies
  std::vector<bool> step_body_;     // by operation: the step reads the body
};

}  // namespace surge
