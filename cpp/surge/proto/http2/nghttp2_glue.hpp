// What the client and the server session share of nghttp2: the session's ownership, moving its
// bytes in and out, and the callbacks table. nghttp2's session is sans-IO (bytes in through
// mem_recv, bytes out of mem_send, events by callbacks), so neither side touches a socket.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace surge::http2 {

struct SessionFree {
  void operator()(nghttp2_session* s) const noexcept { nghttp2_session_del(s); }
};
using SessionPtr = std::unique_ptr<nghttp2_session, SessionFree>;

struct CallbacksFree {
  void operator()(nghttp2_session_callbacks* c) const noexcept { nghttp2_session_callbacks_del(c); }
};
using CallbacksPtr = std::unique_ptr<nghttp2_session_callbacks, CallbacksFree>;

CallbacksPtr new_callbacks();

// Appends every byte the session wants to send to `out`. False on a fatal session error, which
// `error` then names.
bool drain(nghttp2_session* session, std::string& out, std::string& error);

// Hands bytes from the peer to the session. False when they break the protocol (garbage, a
// bad frame): the connection is over, and `error` says why.
bool feed(nghttp2_session* session, std::string_view bytes, std::string& error);

// The name of an HTTP/2 error code (RFC 9113, 7), for an error's example.
std::string_view error_code_name(std::uint32_t code) noexcept;

// The client connection preface's first bytes: how a cleartext server tells h2c with prior
// knowledge from HTTP/1.1.
inline constexpr std::string_view kClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace surge::http2
