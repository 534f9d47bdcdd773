// One TLS client connection as a sans-IO state machine over OpenSSL with memory BIOs: the
// caller moves ciphertext between the socket and the session (feed, drain), and plaintext in
// and out (write, read). No socket, no event loop, so its unit tests need no server, and one
// connection class serves plain and TLS alike by putting it between its buffers and its socket.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "surge/proto/tls/tls_context.hpp"

namespace surge::tls {

enum class Step {
  done,       // the handshake finished, or plaintext was read
  want_read,  // more ciphertext from the peer is needed
  closed,     // the peer sent close_notify
  failed,     // see failure() and error()
};

enum class Failure { none, handshake, verify, protocol };

// The session a connection offers again when it reconnects (a ticket), or none.
struct SessionFree {
  void operator()(SSL_SESSION* s) const noexcept { SSL_SESSION_free(s); }
};
using SavedSession = std::unique_ptr<SSL_SESSION, SessionFree>;

class Session {
 public:
  // Starts a client handshake to `server_name` (sent as SNI unless it is an IP address, and
  // checked against the certificate when the context verifies); `resume` may be null.
  void start(const ClientContext& context, const std::string& server_name, SSL_SESSION* resume);
  // Starts the server side of a handshake (the embedded target's `surge serve --tls`).
  void accept(const ServerContext& context);
  // Ends the session. One that did not fail stays resumable: OpenSSL would otherwise mark a
  // session freed without a close_notify as not to be resumed, and a load generator closes
  // the TCP connection without one.
  void reset() noexcept;
  [[nodiscard]] bool active() const noexcept { return ssl_ != nullptr; }

  Step handshake();
  // Ciphertext that arrived from the peer.
  void feed(const char* data, std::size_t size);
  // Appends the ciphertext waiting to go to the peer to `out`; returns how much.
  std::size_t drain(std::string& out);
  // Encrypts all of `plain` (memory BIOs always take it whole); failed only on a broken session.
  Step write(std::string_view plain);
  // Decrypts into `into`; `n` is how much. want_read: nothing decrypted yet.
  Step read(char* into, std::size_t room, std::size_t& n);

  [[nodiscard]] bool resumed() const noexcept;
  [[nodiscard]] Failure failure() const noexcept { return failure_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::string_view alpn() const noexcept;
  // The session to offer on the next connect (a resumable one), or null.
  [[nodiscard]] SavedSession save() const;

 private:
  Step fail(Failure failure, std::string message);
  void begin(SSL_CTX* context);  // a new SSL over two memory BIOs
  struct Free {
    void operator()(SSL* s) const noexcept { SSL_free(s); }
  };
  std::unique_ptr<SSL, Free> ssl_;
  BIO* from_peer_ = nullptr;  // owned by ssl_
  BIO* to_peer_ = nullptr;    // owned by ssl_
  Failure failure_ = Failure::none;
  std::string error_;
};

}  // namespace surge::tls
