// The HTTP/2 client session needs no server: the server session (the embedded target's) talks
// to it through memory, so streams, limits, resets and GOAWAY are tested as bytes.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "surge/proto/http2/client_session.hpp"
#include "surge/proto/http2/server_session.hpp"

using namespace surge::http2;

namespace {

struct Client final : ClientSession::Listener {
  ClientSession session{*this, "localhost:8080", false};
  std::vector<Stream*> answered;
  std::vector<std::pair<Stream*, std::uint32_t>> failed;
  std::int32_t goaway_last = -1;
  std::vector<Stream*> sent;
  void on_request_sent(Stream& s) override { sent.push_back(&s); }
  void on_response(Stream& s) override { answered.push_back(&s); }
  void on_stream_failed(Stream& s, std::uint32_t code) override { failed.emplace_back(&s, code); }
  void on_goaway(std::int32_t last, std::uint32_t) override { goaway_last = last; }
};

struct Server final : ServerSession::Listener {
  explicit Server(std::uint32_t max_streams = 100) : session(*this, max_streams) {}
  ServerSession session;
  std::vector<std::pair<std::int32_t, ServerRequest>> requests;
  std::size_t most_open = 0;
  bool answer_at_once = true;
  std::size_t body_limit(std::string_view) override { return 1024; }
  void on_request(std::int32_t id, const ServerRequest& request) override {
    requests.emplace_back(id, request);
    most_open = std::max(most_open, session.open_streams());
    if (answer_at_once) {
      const int status = request.too_large ? 413 : 200;
      session.respond(id, status, "text/plain", request.method + " " + request.path + " " + request.body,
                      false);
    }
  }
};

// Carries bytes both ways until neither side has more to say.
void pump(Client& client, Server& server) {
  for (int round = 0; round < 100; ++round) {
    std::string up;
    std::string down;
    REQUIRE(client.session.drain(up));
    if (!up.empty()) REQUIRE(server.session.feed(up));
    REQUIRE(server.session.drain(down));
    if (!down.empty()) REQUIRE(client.session.feed(down));
    if (up.empty() && down.empty()) return;
  }
  FAIL("the sessions kept talking");
}

void get(Stream& s, const std::string& path) {
  s.clear();
  s.method = "GET";
  s.path = path;
  s.keep_body = true;
}

}  // namespace

TEST_CASE("an HTTP/2 request and its response") {
  Client client;
  Server server;
  Stream s;
  get(s, "/health");
  s.add_header("X-Trace", "abc");
  REQUIRE(client.session.submit(s));
  pump(client, server);
  REQUIRE(client.answered.size() == 1);
  CHECK(s.status == 200);
  CHECK(s.response_body == "GET /health ");
  REQUIRE(server.requests.size() == 1);
  CHECK(server.requests[0].second.header("x-trace") == "abc");  // names go lower-case
}

TEST_CASE("a body goes out as DATA") {
  Client client;
  Server server;
  Stream s;
  s.clear();
  s.method = "POST";
  s.path = "/items";
  s.body = "{\"a\":1}";
  s.has_body = true;
  s.keep_body = true;
  REQUIRE(client.session.submit(s));
  pump(client, server);
  CHECK(s.response_body == "POST /items {\"a\":1}");
}

TEST_CASE("streams are multiplexed and may be answered out of order") {
  Client client;
  Server server;
  server.answer_at_once = false;
  std::vector<Stream> streams(3);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    get(streams[i], "/" + std::to_string(i));
    REQUIRE(client.session.submit(streams[i]));
  }
  pump(client, server);
  REQUIRE(server.requests.size() == 3);
  for (auto it = server.requests.rbegin(); it != server.requests.rend(); ++it)
    server.session.respond(it->first, 200, "text/plain", "for " + it->second.path, false);
  pump(client, server);
  REQUIRE(client.answered.size() == 3);
  CHECK(client.answered[0] == &streams[2]);
  for (std::size_t i = 0; i < streams.size(); ++i)
    CHECK(streams[i].response_body == "for /" + std::to_string(i));
}

TEST_CASE("the server's MAX_CONCURRENT_STREAMS holds requests back inside the session") {
  Client client;
  Server server(2);
  pump(client, server);  // the SETTINGS exchange
  CHECK(client.session.max_concurrent_streams() == 2);
  std::vector<Stream> streams(6);
  for (auto& s : streams) {
    get(s, "/x");
    REQUIRE(client.session.submit(s));
  }
  pump(client, server);
  CHECK(client.answered.size() == 6);
  CHECK(server.most_open <= 2);
}

TEST_CASE("a request held back for a stream slot is sent when its HEADERS go out, not before") {
  Client client;
  Server server(1);
  server.answer_at_once = false;
  pump(client, server);  // the SETTINGS exchange
  std::vector<Stream> streams(3);
  for (auto& s : streams) {
    get(s, "/x");
    REQUIRE(client.session.submit(s));
  }
  pump(client, server);
  // One slot: the first request is on the wire, the other two wait inside the session.
  REQUIRE(client.sent.size() == 1);
  CHECK(client.sent[0] == &streams[0]);
  for (std::size_t answered = 1; answered <= 3; ++answered) {
    REQUIRE(server.requests.size() == answered);
    server.session.respond(server.requests.back().first, 200, "text/plain", "ok", false);
    pump(client, server);
    CHECK(client.answered.size() == answered);
    // The answer freed the slot: the next request went out then.
    CHECK(client.sent.size() == std::min<std::size_t>(answered + 1, 3));
  }
}

TEST_CASE("a reset stream fails with its error code; others go on") {
  Client client;
  Server server;
  server.answer_at_once = false;
  Stream a;
  Stream b;
  get(a, "/a");
  get(b, "/b");
  REQUIRE(client.session.submit(a));
  REQUIRE(client.session.submit(b));
  pump(client, server);
  server.session.reset(server.requests[0].first, NGHTTP2_INTERNAL_ERROR);
  server.session.respond(server.requests[1].first, 200, "text/plain", "ok", false);
  pump(client, server);
  REQUIRE(client.failed.size() == 1);
  CHECK(client.failed[0].first == &a);
  CHECK(client.failed[0].second == NGHTTP2_INTERNAL_ERROR);
  REQUIRE(client.answered.size() == 1);
  CHECK(client.answered[0] == &b);
}

TEST_CASE("GOAWAY: streams above the last id are refused, the rest are answered") {
  Client client;
  Server server;
  server.answer_at_once = false;
  Stream first;
  get(first, "/1");
  REQUIRE(client.session.submit(first));
  pump(client, server);
  server.session.go_away();  // covers stream 1 only
  Stream second;
  get(second, "/2");
  REQUIRE(client.session.submit(second));  // crosses the GOAWAY
  pump(client, server);
  CHECK(client.goaway_last == first.id);
  server.session.respond(server.requests[0].first, 200, "text/plain", "last", false);
  pump(client, server);
  REQUIRE(client.answered.size() == 1);
  CHECK(first.response_body == "last");
  REQUIRE(client.failed.size() == 1);
  CHECK(client.failed[0].first == &second);
  CHECK(client.failed[0].second == NGHTTP2_REFUSED_STREAM);
}

TEST_CASE("a body past the limit fails the stream as too long") {
  Client client;
  Server server;
  Stream s;
  get(s, "/a-long-path-for-a-long-body");
  s.body_limit = 8;
  REQUIRE(client.session.submit(s));
  pump(client, server);
  REQUIRE(client.failed.size() == 1);
  CHECK(s.too_long);
  CHECK(client.answered.empty());
}

TEST_CASE("an upload past the server's limit is answered 413") {
  Client client;
  Server server;
  Stream s;
  s.clear();
  s.method = "POST";
  s.path = "/upload";
  s.body.assign(4096, 'x');
  s.has_body = true;
  REQUIRE(client.session.submit(s));
  pump(client, server);
  CHECK(s.status == 413);
}

TEST_CASE("bytes that are not HTTP/2 break the session with a message") {
  Client client;
  std::string ignored;
  REQUIRE(client.session.drain(ignored));
  Stream s;
  get(s, "/");
  REQUIRE(client.session.submit(s));
  const bool fed = client.session.feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  std::string goaway;
  if (fed) REQUIRE(client.session.drain(goaway));
  CHECK(client.session.broken());
  CHECK(client.session.error().find("HTTP/2") == 0);
  MESSAGE(client.session.error());
}
