#include "surge/proto/http2/nghttp2_glue.hpp"

#include <new>

namespace surge::http2 {

CallbacksPtr new_callbacks() {
  nghttp2_session_callbacks* made = nullptr;
  if (nghttp2_session_callbacks_new(&made) != 0) throw std::bad_alloc();
  return CallbacksPtr(made);
}

bool drain(nghttp2_session* session, std::string& out, std::string& error) {
  for (;;) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session, &data);
    if (n < 0) {
      error = std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(n));
      return false;
    }
    if (n == 0) return true;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
}

bool feed(nghttp2_session* session, std::string_view bytes, std::string& error) {
  const ssize_t n =
      nghttp2_session_mem_recv(session, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (n < 0) {
    error = std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(n));
    return false;
  }
  return true;
}

std::string_view error_code_name(std::uint32_t code) noexcept {
  switch (code) {
    case NGHTTP2_NO_ERROR:
      return "NO_ERROR";
    case NGHTTP2_PROTOCOL_ERROR:
      return "PROTOCOL_ERROR";
    case NGHTTP2_INTERNAL_ERROR:
      return "INTERNAL_ERROR";
    case NGHTTP2_FLOW_CONTROL_ERROR:
      return "FLOW_CONTROL_ERROR";
    case NGHTTP2_SETTINGS_TIMEOUT:
      return "SETTINGS_TIMEOUT";
    case NGHTTP2_STREAM_CLOSED:
      return "STREAM_CLOSED";
    case NGHTTP2_FRAME_SIZE_ERROR:
      return "FRAME_SIZE_ERROR";
    case NGHTTP2_REFUSED_STREAM:
      return "REFUSED_STREAM";
    case NGHTTP2_CANCEL:
      return "CANCEL";
    case NGHTTP2_COMPRESSION_ERROR:
      return "COMPRESSION_ERROR";
    case NGHTTP2_CONNECT_ERROR:
      return "CONNECT_ERROR";
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return "ENHANCE_YOUR_CALM";
    case NGHTTP2_INADEQUATE_SECURITY:
      return "INADEQUATE_SECURITY";
    case NGHTTP2_HTTP_1_1_REQUIRED:
      return "HTTP_1_1_REQUIRED";
    default:
      return "an unknown error code";
  }
}

}  // namespace surge::http2
