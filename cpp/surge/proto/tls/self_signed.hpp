// A self-signed certificate made in memory at start: what `surge serve --tls` presents, and
// what the TLS tests trust, so that neither needs files or the openssl command. Valid for
// "localhost", 127.0.0.1 and ::1, for a day; an EC P-256 key.
#pragma once

#include <string>

namespace surge::tls {

struct SelfSigned {
  std::string certificate_pem;
  std::string key_pem;
};

// Throws std::runtime_error when OpenSSL cannot make one. `expired`: valid only from two days
// ago until yesterday, for the tests of a certificate past its date.
SelfSigned make_self_signed(const std::string& common_name = "localhost", bool expired = false);

}  // namespace surge::tls
