// TLS: the client options a run takes, and the self-signed certificate `surge serve --tls` and
// the tests make at start.
#include <pybind11/stl.h>

#include "register.hpp"
#include "surge/proto/tls/self_signed.hpp"
#include "surge/proto/tls/tls_context.hpp"

namespace py = pybind11;

namespace surge::bindings {

void register_tls(py::module_& m) {
  py::class_<tls::ClientOptions>(m, "TlsClientOptions")
      .def(py::init<>())
      .def_readwrite("verify", &tls::ClientOptions::verify)
      .def_readwrite("ca_file", &tls::ClientOptions::ca_file)
      .def_readwrite("cert_file", &tls::ClientOptions::cert_file)
      .def_readwrite("key_file", &tls::ClientOptions::key_file)
      .def_readwrite("resume", &tls::ClientOptions::resume);

  m.def(
      "tls_self_signed",
      [](const std::string& common_name, bool expired) {
        const tls::SelfSigned made = tls::make_self_signed(common_name, expired);
        return py::make_tuple(made.certificate_pem, made.key_pem);
      },
      py::arg("common_name") = "localhost", py::arg("expired") = false,
      "A self-signed certificate for common_name, 127.0.0.1 and ::1, valid a day (expired: until "
      "yesterday): (cert PEM, key PEM).");
}

}  // namespace surge::bindings
