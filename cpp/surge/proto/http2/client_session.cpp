#include "surge/proto/http2/client_session.hpp"

#include <algorithm>
#include <charconv>
#include <new>
#include <utility>

namespace surge::http2 {

namespace {

// The receive windows a client advertises, as h2load's defaults (-w 30, -W 30): the server's
// sending is then paced by the network, not by the generator's WINDOW_UPDATEs.
constexpr std::int32_t kReceiveWindow = (1 << 30) - 1;

nghttp2_nv header(std::string_view name, std::string_view value) {
  // nghttp2_submit_request copies the list, so pointers to the caller's strings are safe.
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

void Stream::clear() noexcept {
  method.clear();
  path.clear();
  header_count = 0;
  body.clear();
  has_body = false;
  rewind();
}

void Stream::rewind() noexcept {
  status = 0;
  response_body.clear();
  body_bytes = 0;
  too_long = false;
  started = false;
  id = 0;
  body_sent = 0;
  done = false;
}

void Stream::add_header(std::string_view name, std::string_view value) {
  if (header_count == headers.size()) headers.emplace_back();
  auto& [n, v] = headers[header_count++];
  n.assign(name);
  std::transform(n.begin(), n.end(), n.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  v.assign(value);
}

ClientSession::ClientSession(Listener& listener, std::string authority, bool tls)
    : listener_(listener), authority_(std::move(authority)), scheme_(tls ? "https" : "http") {
  const CallbacksPtr callbacks = new_callbacks();
  nghttp2_session_callbacks_set_on_header_callback(callbacks.get(), &on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks.get(), &on_data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks.get(), &on_frame_recv);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks.get(), &on_frame_not_sent);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks.get(), &on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks.get(), &on_frame_sent);
  nghttp2_session_callbacks_set_error_callback2(callbacks.get(), &on_error);
  nghttp2_session* made = nullptr;
  if (nghttp2_session_client_new(&made, callbacks.get(), this) != 0) throw std::bad_alloc();
  session_.reset(made);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(kReceiveWindow)},
  };
  nghttp2_submit_settings(session_.get(), NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_.get(), NGHTTP2_FLAG_NONE, 0, kReceiveWindow);
  nv_.reserve(16);
}

bool ClientSession::submit(Stream& stream) {
  stream.id = 0;
  stream.body_sent = 0;
  stream.done = false;
  nv_.clear();
  nv_.push_back(header(":method", stream.method));
  nv_.push_back(header(":scheme", scheme_));
  nv_.push_back(header(":authority", authority_));
  nv_.push_back(header(":path", stream.path));
  for (std::size_t i = 0; i < stream.header_count; ++i)
    nv_.push_back(header(stream.headers[i].first, stream.headers[i].second));
  nghttp2_data_provider body{};
  body.source.ptr = &stream;
  body.read_callback = &read_body;
  const std::int32_t id = nghttp2_submit_request(session_.get(), nullptr, nv_.data(), nv_.size(),
                                                 stream.has_body ? &body : nullptr, &stream);
  if (id < 0) {
    error_ = std::string("HTTP/2: ") + nghttp2_strerror(id);
    return false;
  }
  stream.id = id;
  return true;
}

void ClientSession::cancel(Stream& stream) {
  if (stream.id <= 0 || stream.done) return;
  finish(stream);  // the close that follows reports nothing
  nghttp2_submit_rst_stream(session_.get(), NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_CANCEL);
}

std::uint32_t ClientSession::max_concurrent_streams() const noexcept {
  return nghttp2_session_get_remote_settings(session_.get(), NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

Stream* ClientSession::stream_of(std::int32_t id) const noexcept {
  return static_cast<Stream*>(nghttp2_session_get_stream_user_data(session_.get(), id));
}

void ClientSession::finish(Stream& stream) {
  // Reported once; what still arrives for its id (the rest of a cancelled response) then finds
  // no stream, so the lane may reuse the Stream for its next request at once.
  stream.done = true;
  nghttp2_session_set_stream_user_data(session_.get(), stream.id, nullptr);
}

int ClientSession::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                             std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                             std::uint8_t, void* self) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  Stream* stream = static_cast<ClientSession*>(self)->stream_of(frame->hd.stream_id);
  if (stream == nullptr) return 0;
  stream->started = true;
  if (std::string_view(reinterpret_cast<const char*>(name), namelen) != ":status") return 0;
  int status = 0;
  const char* text = reinterpret_cast<const char*>(value);
  std::from_chars(text, text + valuelen, status);
  if (status >= 200) stream->status = status;  // 103 Early Hints and the like come first
  return 0;
}

int ClientSession::on_data_chunk(nghttp2_session* session, std::uint8_t, std::int32_t stream_id,
                                 const std::uint8_t* data, std::size_t len, void* self) {
  Stream* stream = static_cast<ClientSession*>(self)->stream_of(stream_id);
  if (stream == nullptr || stream->done) return 0;
  stream->started = true;
  stream->body_bytes += len;
  if (stream->body_limit != 0 && stream->body_bytes > stream->body_limit) {
    // Like HTTP/1.1's reader: past the limit the response is malformed; stop it here rather
    // than take in the rest.
    stream->too_long = true;
    static_cast<ClientSession*>(self)->finish(*stream);
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
    static_cast<ClientSession*>(self)->listener_.on_stream_failed(*stream, NGHTTP2_CANCEL);
    return 0;
  }
  if (stream->keep_body && stream->response_body.size() < Stream::kMaxKeptBody) {
    const std::size_t room = Stream::kMaxKeptBody - stream->response_body.size();
    stream->response_body.append(reinterpret_cast<const char*>(data), std::min(len, room));
  }
  return 0;
}

int ClientSession::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  auto& me = *static_cast<ClientSession*>(self);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    me.listener_.on_goaway(frame->goaway.last_stream_id, frame->goaway.error_code);
    return 0;
  }
  if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0)
    return 0;
  Stream* stream = me.stream_of(frame->hd.stream_id);
  if (stream == nullptr) return 0;
  me.finish(*stream);
  if (stream->body_sent < stream->body.size()) {
    // The server answered before the whole body went out (413 to an upload): stop sending it.
    nghttp2_submit_rst_stream(me.session_.get(), NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_NO_ERROR);
  }
  me.listener_.on_response(*stream);
  return 0;
}

int ClientSession::on_frame_not_sent(nghttp2_session*, const nghttp2_frame* frame, int, void* self) {
  // A request's HEADERS that could not go out (the session is going away): the stream never
  // opened, and the server never saw it.
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto& me = *static_cast<ClientSession*>(self);
  Stream* stream = me.stream_of(frame->hd.stream_id);
  if (stream == nullptr) return 0;
  me.finish(*stream);
  me.listener_.on_stream_failed(*stream, NGHTTP2_REFUSED_STREAM);
  return 0;
}

int ClientSession::on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                                   void* self) {
  auto& me = *static_cast<ClientSession*>(self);
  Stream* stream = me.stream_of(stream_id);
  if (stream == nullptr) return 0;
  me.finish(*stream);
  // Closed with NO_ERROR but without END_STREAM from the server cannot happen; any close here
  // is a failure the server caused.
  me.listener_.on_stream_failed(*stream, error_code == NGHTTP2_NO_ERROR
                                             ? static_cast<std::uint32_t>(NGHTTP2_INTERNAL_ERROR)
                                             : error_code);
  return 0;
}

int ClientSession::on_frame_sent(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  auto& me = *static_cast<ClientSession*>(self);
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    if (Stream* stream = me.stream_of(frame->hd.stream_id)) me.listener_.on_request_sent(*stream);
    return 0;
  }
  // A client sends GOAWAY only when nghttp2 found the server breaking the protocol.
  if (frame->hd.type != NGHTTP2_GOAWAY) return 0;
  me.broken_ = true;
  if (me.error_.empty())
    me.error_ = "HTTP/2: the server broke the protocol (" +
                std::string(error_code_name(frame->goaway.error_code)) + ")";
  return 0;
}

int ClientSession::on_error(nghttp2_session*, int, const char* message, std::size_t len, void* self) {
  // nghttp2 reports here the connection errors it ends the session for (a bad preface, a bad
  // frame); the GOAWAY it queues goes out with the next drain.
  auto& me = *static_cast<ClientSession*>(self);
  me.error_ = "HTTP/2: " + std::string(message, len);
  me.broken_ = true;
  return 0;
}

ssize_t ClientSession::read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                                 std::size_t length, std::uint32_t* data_flags, nghttp2_data_source* source,
                                 void*) {
  auto& stream = *static_cast<Stream*>(source->ptr);
  // The lane moved on to another request (this one was answered or cancelled first): this
  // stream's body is gone; nghttp2 resets the stream.
  if (stream.id != stream_id || stream.done) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  const std::size_t n = std::min(length, stream.body.size() - stream.body_sent);
  std::copy_n(stream.body.data() + stream.body_sent, n, buf);
  stream.body_sent += n;
  if (stream.body_sent == stream.body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

}  // namespace surge::http2
