#include "surge/proto/http2/server_session.hpp"

#include <algorithm>
#include <new>

namespace surge::http2 {

std::string_view ServerRequest::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

ServerSession::ServerSession(Listener& listener, std::uint32_t max_streams) : listener_(listener) {
  const CallbacksPtr callbacks = new_callbacks();
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks.get(), &on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks.get(), &on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks.get(), &on_data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks.get(), &on_frame_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks.get(), &on_stream_close);
  nghttp2_session* made = nullptr;
  if (nghttp2_session_server_new(&made, callbacks.get(), this) != 0) throw std::bad_alloc();
  session_.reset(made);
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_streams}};
  nghttp2_submit_settings(session_.get(), NGHTTP2_FLAG_NONE, settings, std::size(settings));
}

ServerSession::Exchange* ServerSession::exchange(std::int32_t id) noexcept {
  const auto found = streams_.find(id);
  return found == streams_.end() ? nullptr : found->second.get();
}

void ServerSession::respond(std::int32_t stream_id, int status, std::string_view content_type,
                            std::string body, bool head_request) {
  Exchange* ex = exchange(stream_id);
  if (ex == nullptr || ex->answered) return;
  ex->answered = true;
  ex->response_body = std::move(body);
  const std::string status_text = std::to_string(status);
  const std::string length = std::to_string(ex->response_body.size());
  const auto nv = [](std::string_view name, std::string_view value) {
    return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                      value.size(), NGHTTP2_NV_FLAG_NONE};
  };
  const nghttp2_nv headers[] = {nv(":status", status_text), nv("server", "surge-target"),
                                nv("content-type", content_type), nv("content-length", length)};
  const bool has_body = !head_request && status != 204 && !ex->response_body.empty();
  nghttp2_data_provider provider{};
  provider.source.ptr = ex;
  provider.read_callback = &read_body;
  nghttp2_submit_response(session_.get(), stream_id, headers, std::size(headers),
                          has_body ? &provider : nullptr);
}

void ServerSession::reset(std::int32_t stream_id, std::uint32_t error_code) {
  Exchange* ex = exchange(stream_id);
  if (ex == nullptr || ex->answered) return;
  ex->answered = true;
  nghttp2_submit_rst_stream(session_.get(), NGHTTP2_FLAG_NONE, stream_id, error_code);
}

void ServerSession::go_away() {
  nghttp2_submit_goaway(session_.get(), NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_.get()), NGHTTP2_NO_ERROR, nullptr,
                        0);
}

int ServerSession::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  static_cast<ServerSession*>(self)->streams_[frame->hd.stream_id] = std::make_unique<Exchange>();
  return 0;
}

int ServerSession::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                             std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                             std::uint8_t, void* self) {
  auto& me = *static_cast<ServerSession*>(self);
  Exchange* ex = me.exchange(frame->hd.stream_id);
  if (ex == nullptr) return 0;
  const std::string_view n(reinterpret_cast<const char*>(name), namelen);
  const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":method") {
    ex->request.method.assign(v);
  } else if (n == ":path") {
    ex->request.path.assign(v);
    ex->body_limit = me.listener_.body_limit(v);
  } else if (n.empty() || n.front() != ':') {
    ex->request.headers.emplace_back(n, v);
  }
  return 0;
}

int ServerSession::on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                                 const std::uint8_t* data, std::size_t len, void* self) {
  Exchange* ex = static_cast<ServerSession*>(self)->exchange(stream_id);
  if (ex == nullptr) return 0;
  if (ex->request.body.size() + len > ex->body_limit) {
    ex->request.too_large = true;  // answered 413 when the request ends; the rest is dropped
    return 0;
  }
  ex->request.body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int ServerSession::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0)
    return 0;
  auto& me = *static_cast<ServerSession*>(self);
  if (Exchange* ex = me.exchange(frame->hd.stream_id))
    me.listener_.on_request(frame->hd.stream_id, ex->request);
  return 0;
}

int ServerSession::on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* self) {
  static_cast<ServerSession*>(self)->streams_.erase(stream_id);
  return 0;
}

ssize_t ServerSession::read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                                 std::uint32_t* data_flags, nghttp2_data_source* source, void*) {
  auto& ex = *static_cast<Exchange*>(source->ptr);
  const std::size_t n = std::min(length, ex.response_body.size() - ex.response_sent);
  std::copy_n(ex.response_body.data() + ex.response_sent, n, buf);
  ex.response_sent += n;
  if (ex.response_sent == ex.response_body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

}  // namespace surge::http2
