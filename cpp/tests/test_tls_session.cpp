// The TLS client session needs no server either: a server SSL in this test talks to it
// through memory, with a certificate made at start (tls/self_signed.hpp).
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "surge/engine/operation_stats.hpp"
#include "surge/proto/tls/self_signed.hpp"
#include "surge/proto/tls/tls_context.hpp"
#include "surge/proto/tls/tls_session.hpp"

using namespace surge::tls;

namespace {

const SelfSigned& certificate() {
  static const SelfSigned made = make_self_signed("localhost");
  return made;
}

// The certificate as a CA file the client may trust.
std::string ca_file() {
  static const std::string path = [] {
    std::string p = "/tmp/surge-tls-test-ca-" + std::to_string(::getpid()) + ".pem";
    std::ofstream(p) << certificate().certificate_pem;
    return p;
  }();
  return path;
}

// The server side is the same sans-IO session, accepting (as `surge serve --tls` does).
ServerContext& server_context() {
  static ServerContext made(certificate().certificate_pem, certificate().key_pem);
  return made;
}

// One server connection, and the pump that carries bytes both ways through memory.
struct Server {
  Session tls;
  Server() { tls.accept(server_context()); }
  // Client -> server, server steps, server -> client.
  void pump(Session& client) {
    std::string wire;
    client.drain(wire);
    if (!wire.empty()) tls.feed(wire.data(), wire.size());
    tls.handshake();
    std::string back;
    tls.drain(back);
    if (!back.empty()) client.feed(back.data(), back.size());
  }
  void send(const std::string& text) { REQUIRE(tls.write(text) == Step::done); }
  std::string receive(Session& client) {
    std::string wire;
    client.drain(wire);
    tls.feed(wire.data(), wire.size());
    char buffer[1024];
    std::size_t n = 0;
    return tls.read(buffer, sizeof buffer, n) == Step::done ? std::string(buffer, n) : std::string();
  }
};

Step handshake(Session& client, Server& server) {
  for (int round = 0; round < 10; ++round) {
    const Step step = client.handshake();
    server.pump(client);
    if (step != Step::want_read) return step;
  }
  return Step::want_read;
}

ClientOptions trusting(std::string ca) {
  ClientOptions options;
  options.ca_file = std::move(ca);
  return options;
}

}  // namespace

TEST_CASE("a trusted certificate: handshake, request and response through memory") {
  Server server;
  const ClientContext context(trusting(ca_file()));
  Session client;
  client.start(context, "localhost", nullptr);
  REQUIRE(handshake(client, server) == Step::done);
  CHECK_FALSE(client.resumed());

  REQUIRE(client.write("GET / HTTP/1.1\r\n\r\n") == Step::done);
  CHECK(server.receive(client) == "GET / HTTP/1.1\r\n\r\n");
  server.send("HTTP/1.1 200 OK\r\n\r\n");
  server.pump(client);
  char buffer[256];
  std::size_t n = 0;
  std::string got;
  // The first reads may only consume the server's session tickets (TLS 1.3).
  for (int i = 0; i < 4 && got.empty(); ++i) {
    if (client.read(buffer, sizeof buffer, n) == Step::done) got.assign(buffer, n);
  }
  CHECK(got == "HTTP/1.1 200 OK\r\n\r\n");
  CHECK(client.read(buffer, sizeof buffer, n) == Step::want_read);
}

TEST_CASE("an address is verified against the certificate's IP names") {
  Server server;
  const ClientContext context(trusting(ca_file()));
  Session client;
  client.start(context, "127.0.0.1", nullptr);
  CHECK(handshake(client, server) == Step::done);
}

TEST_CASE("an untrusted certificate and a wrong name fail as verify, naming why") {
  {
    Server server;
    const ClientContext system_store(ClientOptions{});
    Session client;
    client.start(system_store, "localhost", nullptr);
    REQUIRE(handshake(client, server) == Step::failed);
    CHECK(client.failure() == Failure::verify);
    CHECK(client.error().find("self-signed") != std::string::npos);
  }
  {
    Server server;
    const ClientContext context(trusting(ca_file()));
    Session client;
    client.start(context, "other.example", nullptr);
    REQUIRE(handshake(client, server) == Step::failed);
    CHECK(client.failure() == Failure::verify);
    CHECK(client.error().find("hostname mismatch") != std::string::npos);
  }
}

TEST_CASE("insecure skips verification") {
  Server server;
  ClientOptions options;
  options.verify = false;
  const ClientContext context(options);
  Session client;
  client.start(context, "other.example", nullptr);
  CHECK(handshake(client, server) == Step::done);
}

TEST_CASE("a server that speaks no TLS fails the handshake") {
  const ClientContext context(trusting(ca_file()));
  Session client;
  client.start(context, "localhost", nullptr);
  REQUIRE(client.handshake() == Step::want_read);
  const std::string plain = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  client.feed(plain.data(), plain.size());
  CHECK(client.handshake() == Step::failed);
  CHECK(client.failure() == Failure::handshake);
  CHECK(client.error().find("TLS handshake failed") != std::string::npos);
}

TEST_CASE("a saved session resumes on the next connection, unless resumption is off") {
  for (const bool resume : {true, false}) {
    ClientOptions options = trusting(ca_file());
    options.resume = resume;
    const ClientContext context(options);
    SavedSession saved;
    {
      Server server;
      Session first;
      first.start(context, "localhost", nullptr);
      REQUIRE(handshake(first, server) == Step::done);
      char buffer[64];
      std::size_t n = 0;
      CHECK(first.read(buffer, sizeof buffer, n) == Step::want_read);  // takes in the tickets
      saved = first.save();
      REQUIRE(saved != nullptr);
      CHECK(SSL_SESSION_get_protocol_version(saved.get()) == TLS1_3_VERSION);
      first.reset();  // as a connection closes: the session must stay resumable
    }
    Server server;
    Session second;
    second.start(context, "localhost", saved.get());
    REQUIRE(handshake(second, server) == Step::done);
    CHECK(second.resumed() == resume);
  }
}

TEST_CASE("bad files are one line naming the flag") {
  ClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS_WITH_AS(ClientContext{options}, doctest::Contains("--ca /nonexistent/ca.pem"),
                       std::invalid_argument);
  ClientOptions half;
  half.cert_file = ca_file();
  CHECK_THROWS_WITH_AS(ClientContext{half}, doctest::Contains("needs both"), std::invalid_argument);
}

TEST_CASE("libpq's TLS failures are classified as TLS, not as refusals") {
  using surge::connect_failure;
  using surge::ErrorClass;
  CHECK(connect_failure("SSL error: certificate verify failed") == ErrorClass::tls_verify);
  CHECK(connect_failure("server certificate for \"x\" does not match host name \"y\"") ==
        ErrorClass::tls_verify);
  CHECK(connect_failure("server does not support SSL, but SSL was required") == ErrorClass::tls_handshake);
  CHECK(connect_failure("SSL SYSCALL error: EOF detected") == ErrorClass::tls_handshake);
  CHECK(connect_failure("connection refused") == ErrorClass::refused);
  CHECK(connect_failure("could not create socket: Too many open files") == ErrorClass::client_fd_limit);
}
