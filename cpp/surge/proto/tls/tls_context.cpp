#include "surge/proto/tls/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace surge::tls {

std::string last_error(std::string_view fallback) {
  unsigned long code = 0;
  unsigned long newest = 0;
  while ((code = ERR_get_error()) != 0) newest = code;
  if (newest == 0) return std::string(fallback);
  const char* reason = ERR_reason_error_string(newest);
  return reason != nullptr ? reason : std::string(fallback);
}

ClientContext::ClientContext(const ClientOptions& options)
    : options_(options), context_(SSL_CTX_new(TLS_client_method())) {
  SSL_CTX* ctx = context_.get();
  if (ctx == nullptr) throw std::invalid_argument("TLS: " + last_error("cannot make a context"));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A load generator writes whole requests into memory BIOs: partial writes would only add
  // bookkeeping, and the buffers move as the request string grows.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (options.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    const int loaded = options.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(ctx)
                           : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
    if (loaded != 1) {
      throw std::invalid_argument(options.ca_file.empty()
                                      ? "TLS: cannot load the system's trust store: " + last_error("?")
                                      : "--ca " + options.ca_file +
                                            ": not a readable PEM file of certificates (" + last_error("?") +
                                            ")");
    }
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    if (options.cert_file.empty() || options.key_file.empty()) {
      throw std::invalid_argument("--cert and --key: a client certificate needs both");
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1) {
      throw std::invalid_argument("--cert " + options.cert_file + ": not a readable PEM certificate (" +
                                  last_error("?") + ")");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw std::invalid_argument("--key " + options.key_file + ": not a readable PEM private key (" +
                                  last_error("?") + ")");
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      throw std::invalid_argument("--key " + options.key_file + ": does not match the certificate of --cert");
    }
  }
  // Tickets are kept by each connection itself (Session::save), not in OpenSSL's cache.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (!options.alpn.empty()) {
    // "h2,http/1.1" -> ALPN's wire form: each name behind its length byte.
    std::string wire;
    std::string_view names = options.alpn;
    while (!names.empty()) {
      const std::size_t comma = names.find(',');
      const std::string_view name = names.substr(0, comma);
      wire += static_cast<char>(name.size());
      wire += name;
      names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
    }
    SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
  }
}

ServerContext::ServerContext(const std::string& certificate_pem, const std::string& key_pem)
    : context_(SSL_CTX_new(TLS_server_method())) {
  SSL_CTX* ctx = context_.get();
  if (ctx == nullptr) throw std::invalid_argument("TLS: " + last_error("cannot make a context"));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  const auto read_pem = [](const std::string& text, auto reader) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())),
                                                  BIO_free);
    return reader(bio.get());
  };
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      read_pem(certificate_pem, [](BIO* b) { return PEM_read_bio_X509(b, nullptr, nullptr, nullptr); }),
      X509_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      read_pem(key_pem, [](BIO* b) { return PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr); }),
      EVP_PKEY_free);
  if (!cert || !key || SSL_CTX_use_certificate(ctx, cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    throw std::invalid_argument("TLS: not a certificate and its key (" + last_error("?") + ")");
  }
  // ALPN: h2 when the client offers it, else http/1.1; a client that offers neither (or no
  // ALPN at all) is served HTTP/1.1.
  SSL_CTX_set_alpn_select_cb(
      ctx,
      [](SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in, unsigned in_len,
         void*) {
        static constexpr unsigned char kServed[] = "\x02h2\x08http/1.1";
        unsigned char* chosen = nullptr;
        if (SSL_select_next_proto(&chosen, out_len, kServed, sizeof(kServed) - 1, in, in_len) !=
            OPENSSL_NPN_NEGOTIATED)
          return SSL_TLSEXT_ERR_NOACK;
        *out = chosen;
        return SSL_TLSEXT_ERR_OK;
      },
      nullptr);
}

}  // namespace surge::tls
