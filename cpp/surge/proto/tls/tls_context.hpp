// The client side of TLS for a run: one OpenSSL SSL_CTX, made once before any load and shared
// by every worker's connections (OpenSSL locks what it shares). It holds what all connections
// agree on: TLS 1.2 or 1.3, the trust store (the system's, or a CA file), the verification
// switch, a client certificate for mutual TLS, and the ALPN protocol offered.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace surge::tls {

struct ClientOptions {
  bool verify = true;     // check the chain and the host name; false: --insecure
  std::string ca_file;    // empty: the system's trust store
  std::string cert_file;  // with key_file: a client certificate (mutual TLS)
  std::string key_file;
  bool resume = true;  // offer the previous session's ticket on reconnect
  std::string alpn;    // the protocols offered, in order of preference: "h2,http/1.1"; empty: none
};

class ClientContext {
 public:
  // Throws std::invalid_argument with one line naming the file and what is wrong with it.
  explicit ClientContext(const ClientOptions& options);
  [[nodiscard]] SSL_CTX* get() const noexcept { return context_.get(); }
  [[nodiscard]] const ClientOptions& options() const noexcept { return options_; }

 private:
  struct Free {
    void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
  };
  ClientOptions options_;
  std::unique_ptr<SSL_CTX, Free> context_;
};

// The server side, for the embedded target's `surge serve --tls`: a certificate and its key,
// from PEM text (tls/self_signed.hpp makes one at start), TLS 1.2 and 1.3, session tickets.
class ServerContext {
 public:
  // Throws std::invalid_argument when the PEM text is not a certificate and its key.
  ServerContext(const std::string& certificate_pem, const std::string& key_pem);
  [[nodiscard]] SSL_CTX* get() const noexcept { return context_.get(); }

 private:
  struct Free {
    void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
  };
  std::unique_ptr<SSL_CTX, Free> context_;
};

// The newest OpenSSL error on this thread, as one line, and the queue emptied.
std::string last_error(std::string_view fallback);

}  // namespace surge::tls
