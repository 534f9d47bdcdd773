// One HTTP/2 client connection's protocol state, sans-IO, over nghttp2: requests go in as
// streams, bytes come out for the socket (drain), bytes from the socket go in (feed), and the
// connection hears of each stream's end through a Listener. nghttp2 does the framing, HPACK,
// flow control (WINDOW_UPDATE as the body is consumed) and the server's
// SETTINGS_MAX_CONCURRENT_STREAMS: a request over that limit waits inside nghttp2 until a
// stream closes, and since its time runs from its intended start, the wait is in it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "surge/proto/http2/nghttp2_glue.hpp"

namespace surge::http2 {

// One request and its response, owned by the caller (a lane keeps one and reuses it).
struct Stream {
  // The request: method and path, then regular headers with lower-case names (HTTP/2 wants
  // them so), and the body.
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t header_count = 0;  // headers in use; the vector only grows, so a reused one does not allocate
  std::string body;
  bool has_body = false;  // send DATA (even empty, for a POST): false ends the stream with HEADERS

  // The response.
  int status = 0;                // the final status; interim 1xx are skipped
  bool keep_body = false;        // keep the body for checks (up to kMaxKeptBody)
  std::uint64_t body_limit = 0;  // a longer body is malformed (0: no limit)
  std::string response_body;
  std::uint64_t body_bytes = 0;
  bool too_long = false;  // the body passed body_limit; the stream was reset
  bool started = false;   // some frame of the response came in

  void* owner = nullptr;  // the lane it belongs to

  // Reset for the next request; buffers keep their capacity.
  void clear() noexcept;
  void add_header(std::string_view name, std::string_view value);
  // The same request, to be sent again (after a refusal, or a connection lost before any
  // answer): what came back of it and where it was are forgotten.
  void rewind() noexcept;

  static constexpr std::size_t kMaxKeptBody = std::size_t{1} << 20;

  // nghttp2's side, while the stream is open.
  std::int32_t id = 0;
  std::size_t body_sent = 0;
  bool done = false;  // its end was reported
};

class ClientSession {
 public:
  class Listener {
   public:
    // The stream's HEADERS went out: the request is on the wire now. A stream the server's
    // MAX_CONCURRENT_STREAMS held back was submitted earlier; its service time starts here.
    virtual void on_request_sent(Stream& stream) = 0;
    // The whole response is in (END_STREAM).
    virtual void on_response(Stream& stream) = 0;
    // The stream closed without a whole response: RST_STREAM from the server, a GOAWAY that
    // did not cover it (REFUSED_STREAM: the server never processed it), or the body limit.
    virtual void on_stream_failed(Stream& stream, std::uint32_t error_code) = 0;
    // The server is going away: streams above `last_stream_id` are failed as refused.
    virtual void on_goaway(std::int32_t last_stream_id, std::uint32_t error_code) = 0;

   protected:
    ~Listener() = default;
  };

  // Sends the connection preface and SETTINGS (no server push, a large receive window: the
  // generator should not be what paces the server's responses) on the first drain.
  ClientSession(Listener& listener, std::string authority, bool tls);
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;
  ~ClientSession() = default;

  // Opens a stream for `stream`; false (and error()) when nghttp2 refuses it, for example
  // after a GOAWAY.
  bool submit(Stream& stream);
  // Cancels a stream still open (RST_STREAM CANCEL); its end is not reported.
  void cancel(Stream& stream);
  bool drain(std::string& out) { return http2::drain(session_.get(), out, error_); }
  bool feed(std::string_view bytes) { return http2::feed(session_.get(), bytes, error_); }
  [[nodiscard]] bool wants_write() const noexcept { return nghttp2_session_want_write(session_.get()) != 0; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  // The server broke the protocol (garbage, a bad frame): nghttp2 answered with GOAWAY, and the
  // connection is over; error() says why.
  [[nodiscard]] bool broken() const noexcept { return broken_; }
  // The server's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until its SETTINGS arrive).
  [[nodiscard]] std::uint32_t max_concurrent_streams() const noexcept;

 private:
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
                       void* self);
  static int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
                           std::size_t len, void* self);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_frame_not_sent(nghttp2_session*, const nghttp2_frame* frame, int, void* self);
  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code, void* self);
  static int on_frame_sent(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_error(nghttp2_session*, int, const char* message, std::size_t len, void* self);
  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* data_flags, nghttp2_data_source* source, void*);
  [[nodiscard]] Stream* stream_of(std::int32_t id) const noexcept;
  void finish(Stream& stream);

  Listener& listener_;
  std::string authority_;
  std::string scheme_;
  SessionPtr session_;
  std::vector<nghttp2_nv> nv_;  // the request's header list, reused
  std::string error_;
  bool broken_ = false;
};

}  // namespace surge::http2
