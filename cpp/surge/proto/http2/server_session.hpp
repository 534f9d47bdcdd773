// The server side of HTTP/2, sans-IO over nghttp2, for the embedded target (`surge serve`
// over h2 and h2c) and for the client's unit tests. Each request is handed over whole, with its
// stream id; the owner answers it when it likes (a delayed response is a timer of its own)
// through respond().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "surge/proto/http2/nghttp2_glue.hpp"

namespace surge::http2 {

struct ServerRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;  // regular headers, lower-case names
  std::string body;
  bool too_large = false;  // the body passed the limit the owner set for its path

  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
};

class ServerSession {
 public:
  class Listener {
   public:
    // The path is known (headers are in): the largest body the request may carry.
    virtual std::size_t body_limit(std::string_view path) = 0;
    // The whole request is in.
    virtual void on_request(std::int32_t stream_id, const ServerRequest& request) = 0;

   protected:
    ~Listener() = default;
  };

  // `max_streams`: the SETTINGS_MAX_CONCURRENT_STREAMS it announces.
  ServerSession(Listener& listener, std::uint32_t max_streams);
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;
  ~ServerSession() = default;

  // Answers a request; nothing if its stream has gone (the client reset it).
  void respond(std::int32_t stream_id, int status, std::string_view content_type, std::string body,
               bool head_request);
  // Resets a stream instead of answering it (a fault the target injects).
  void reset(std::int32_t stream_id, std::uint32_t error_code);
  // Sends GOAWAY: streams up to the last one it received are still answered; the client opens
  // no new ones.
  void go_away();
  bool drain(std::string& out) { return http2::drain(session_.get(), out, error_); }
  bool feed(std::string_view bytes) { return http2::feed(session_.get(), bytes, error_); }
  [[nodiscard]] bool wants_write() const noexcept { return nghttp2_session_want_write(session_.get()) != 0; }
  // Neither side has anything more to say (after a GOAWAY, every stream is done).
  [[nodiscard]] bool finished() const noexcept {
    return nghttp2_session_want_read(session_.get()) == 0 && nghttp2_session_want_write(session_.get()) == 0;
  }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::size_t open_streams() const noexcept { return streams_.size(); }

 private:
  struct Exchange {
    ServerRequest request;
    std::size_t body_limit = 0;
    std::string response_body;
    std::size_t response_sent = 0;
    bool answered = false;
  };
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
                       void* self);
  static int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
                           std::size_t len, void* self);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* self);
  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* data_flags, nghttp2_data_source* source, void*);
  Exchange* exchange(std::int32_t id) noexcept;

  Listener& listener_;
  SessionPtr session_;
  std::unordered_map<std::int32_t, std::unique_ptr<Exchange>> streams_;
  std::string error_;
};

}  // namespace surge::http2
