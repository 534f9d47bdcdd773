#include "surge/proto/tls/self_signed.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>
#include <stdexcept>

#include "surge/proto/tls/tls_context.hpp"

namespace surge::tls {

namespace {

template <class T, void (*F)(T*)>
struct Freer {
  void operator()(T* p) const noexcept { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Freer<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Freer<BIO, BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Freer<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("self-signed certificate: ") + what + ": " + last_error("?"));
}

std::string pem(const std::function<int(BIO*)>& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr && write(bio.get()) == 1, "PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  check(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "extension");
}

}  // namespace

SelfSigned make_self_signed(const std::string& common_name, bool expired) {
  KeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "key");
  CertPtr cert(X509_new());
  check(cert != nullptr, "certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  constexpr long kDay = 24L * 3600;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), expired ? -2 * kDay : -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), expired ? -kDay : kDay);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  const std::string names = "DNS:" + common_name + ",IP:127.0.0.1,IP:::1";
  add_extension(cert.get(), NID_subject_alt_name, names.c_str());
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signature");
  return {
      pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }),
      pem([&](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
      }),
  };
}

}  // namespace surge::tls
