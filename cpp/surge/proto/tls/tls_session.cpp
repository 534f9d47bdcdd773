#include "surge/proto/tls/tls_session.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <stdexcept>

namespace surge::tls {

void Session::begin(SSL_CTX* context) {
  ERR_clear_error();
  failure_ = Failure::none;
  error_.clear();
  ssl_.reset(SSL_new(context));
  if (!ssl_) throw std::runtime_error("TLS: " + last_error("cannot make a session"));
  from_peer_ = BIO_new(BIO_s_mem());
  to_peer_ = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl_.get(), from_peer_, to_peer_);  // ssl_ owns both now
}

void Session::start(const ClientContext& context, const std::string& server_name, SSL_SESSION* resume) {
  begin(context.get());
  SSL_set_connect_state(ssl_.get());
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(server_name, not_an_address);
  if (not_an_address) SSL_set_tlsext_host_name(ssl_.get(), server_name.c_str());  // SNI takes names only
  if (context.options().verify) {
    // Names are matched against the certificate's DNS names, addresses against its IP ones.
    if (not_an_address) {
      SSL_set1_host(ssl_.get(), server_name.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), server_name.c_str());
    }
  }
  if (resume != nullptr && context.options().resume) SSL_set_session(ssl_.get(), resume);
}

void Session::accept(const ServerContext& context) {
  begin(context.get());
  SSL_set_accept_state(ssl_.get());
}

void Session::reset() noexcept {
  if (ssl_ && failure_ == Failure::none && SSL_is_init_finished(ssl_.get()) == 1) {
    SSL_set_shutdown(ssl_.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  ssl_.reset();
}

Step Session::fail(Failure failure, std::string message) {
  failure_ = failure;
  error_ = std::move(message);
  return Step::failed;
}

Step Session::handshake() {
  const int r = SSL_do_handshake(ssl_.get());
  if (r == 1) return Step::done;
  const int why = SSL_get_error(ssl_.get(), r);
  if (why == SSL_ERROR_WANT_READ) return Step::want_read;
  const long verified = SSL_get_verify_result(ssl_.get());
  if (verified != X509_V_OK) {
    ERR_clear_error();
    return fail(Failure::verify,
                std::string("certificate not trusted: ") + X509_verify_cert_error_string(verified));
  }
  if (why == SSL_ERROR_ZERO_RETURN) return fail(Failure::handshake, "the server closed the TLS handshake");
  return fail(Failure::handshake, "TLS handshake failed: " + last_error("the connection broke"));
}

void Session::feed(const char* data, std::size_t size) {
  BIO_write(from_peer_, data, static_cast<int>(size));
}

std::size_t Session::drain(std::string& out) {
  const std::size_t before = out.size();
  std::array<char, 16384> chunk{};
  int n = 0;
  while ((n = BIO_read(to_peer_, chunk.data(), static_cast<int>(chunk.size()))) > 0) {
    out.append(chunk.data(), static_cast<std::size_t>(n));
  }
  return out.size() - before;
}

Step Session::write(std::string_view plain) {
  std::size_t total = 0;
  while (total < plain.size()) {
    std::size_t n = 0;
    if (SSL_write_ex(ssl_.get(), plain.data() + total, plain.size() - total, &n) != 1) {
      return fail(Failure::protocol, "TLS write failed: " + last_error("the session broke"));
    }
    total += n;
  }
  return Step::done;
}

Step Session::read(char* into, std::size_t room, std::size_t& n) {
  n = 0;
  if (SSL_read_ex(ssl_.get(), into, room, &n) == 1) return Step::done;
  switch (SSL_get_error(ssl_.get(), 0)) {
    case SSL_ERROR_WANT_READ:
      return Step::want_read;  // a whole record has not arrived, or it held no data (a ticket)
    case SSL_ERROR_ZERO_RETURN:
      return Step::closed;
    default:
      return fail(Failure::protocol, "TLS: " + last_error("a record could not be read"));
  }
}

bool Session::resumed() const noexcept {
  return ssl_ && SSL_session_reused(ssl_.get()) == 1;
}

std::string_view Session::alpn() const noexcept {
  const unsigned char* data = nullptr;
  unsigned size = 0;
  if (ssl_) SSL_get0_alpn_selected(ssl_.get(), &data, &size);
  return {reinterpret_cast<const char*>(data), size};
}

SavedSession Session::save() const {
  if (!ssl_) return nullptr;
  SavedSession session(SSL_get1_session(ssl_.get()));
  if (session && SSL_SESSION_is_resumable(session.get()) != 1) session.reset();
  return session;
}

}  // namespace surge::tls
