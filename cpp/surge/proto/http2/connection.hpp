// One HTTP/2 connection, shared by up to S lanes (streams) of one worker thread: the socket, TLS
// when it is h2 (ALPN) and the nghttp2 session; it carries bytes and hands each lane the end of
// its stream. Lanes that send while it connects wait for it; requests submitted in one round of
// handlers leave in one write.
//
// What a server may do to a connection, and what surge makes of it:
// - RST_STREAM fails that stream alone (stream_reset); REFUSED_STREAM means the server never
//   processed it, so it is sent once more.
// - GOAWAY: streams up to its last stream id finish; those above it were refused and go again on
//   a new connection, which is opened once the old one has no stream left.
// - A close or reset under open streams fails them (reset). A stream that had no byte of an
//   answer on a connection that had answered before, and is idempotent, goes once more: the
//   server closed the connection as the request crossed it, as with HTTP/1.1's idle close.
// - A stream past the request timeout is cancelled (RST_STREAM CANCEL) and fails alone.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/read_buffer.hpp"
#include "surge/engine/lane_backoff.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/pipelined_lane.hpp"
#include "surge/engine/stream_socket.hpp"
#include "surge/proto/http2/client_session.hpp"
#include "surge/proto/http2/protocol.hpp"
#include "surge/proto/tls/tls_transport.hpp"

namespace surge {

using Http2Lane = PipelinedLane<Http2Protocol>;

class Http2Connection final : private http2::ClientSession::Listener {
 public:
  Http2Connection(Worker<Http2Protocol>& worker, int capacity);

  void connect();
  // Builds the lane's request and sends it, or queues it until the connection is up.
  void enqueue(Http2Lane& lane);
  void check_deadline(Nanos now);
  [[nodiscard]] bool opening() const noexcept { return state_ == State::connecting; }
  void shutdown();

 private:
  enum class State { closed, connecting, ready, going_away };
  struct Ended {
    Http2Lane* lane;
    bool answered;
    std::uint32_t error_code;
  };

  // ClientSession::Listener: gathered while nghttp2 reads, handled after it returns.
  void on_request_sent(http2::Stream& stream) override;
  void on_response(http2::Stream& stream) override;
  void on_stream_failed(http2::Stream& stream, std::uint32_t error_code) override;
  void on_goaway(std::int32_t last_stream_id, std::uint32_t error_code) override;

  http2::Stream& stream_of(const Http2Lane& lane) noexcept;
  void start_connect();
  void on_connect(const boost::system::error_code& ec);
  void on_handshake(const tls::HandshakeOutcome& outcome);
  void ready();
  void submit(Http2Lane& lane);
  void requeue(Http2Lane& lane);
  void schedule_flush();
  void flush();
  void start_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void on_cipher(const boost::system::error_code& ec);
  bool deliver_plaintext();
  void take_in();
  void finish_streams();
  void expire(Nanos now);
  // A connect, handshake or set-up that failed: the lanes waiting for it fail (and back off).
  void fail_waiting(ErrorClass error, std::string_view why, bool back_off);
  // The connection died under its streams: each fails as `error`, or, for a reset, goes again
  // where that is safe.
  void lost(std::string_view why, ErrorClass error = ErrorClass::reset);
  // Closes the socket and the session; the streams still open are the caller's to handle.
  void drop() noexcept;
  // After GOAWAY, once no stream is left: close, and reconnect for what waits.
  void retire();
  [[nodiscard]] bool current(std::uint64_t generation) const noexcept {
    return generation == generation_ && !stopped_;
  }

  Worker<Http2Protocol>& worker_;
  int capacity_;
  StreamSocket socket_;  // epoll or io_uring, as the run chose
  tls::Transport tls_;
  ReadBuffer read_buffer_;
  std::optional<http2::ClientSession> session_;
  std::vector<http2::Stream> streams_;  // one per lane of this connection, reused
  std::vector<bool> retried_;           // per lane: its request already went a second time
  std::vector<Http2Lane*> waiting_;     // requests waiting for a connection
  std::vector<Ended> ended_;            // streams that ended while nghttp2 read
  std::vector<Ended> ending_;
  std::vector<Http2Lane*> failing_;
  LaneBackoff<Http2Lane> backoff_;
  std::string out_;
  std::string wire_;
  State state_ = State::closed;
  int open_streams_ = 0;
  int answered_ = 0;  // responses on the current connection
  std::uint64_t generation_ = 0;
  bool stopped_ = false;
  bool reading_ = false;
  bool write_pending_ = false;
  bool flush_posted_ = false;
  bool taking_in_ = false;  // inside take_in(): it flushes once at its end
  bool expiry_posted_ = false;
  bool connected_before_ = false;
  Nanos attempt_started_ = 0;
  Nanos connect_deadline_ = 0;
  Nanos handshake_started_ = 0;
  std::string why_;  // the example of a failure, kept past the session that said it
};

}  // namespace surge
