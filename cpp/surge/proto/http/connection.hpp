// One keep-alive HTTP/1.1 connection, owned by one worker thread: one lane of the load model
// (engine/protocol.hpp). It connects lazily, sends one request at a time, reads the response
// with the sans-IO reader, and reports the outcome to its worker. It never allocates in steady
// state: buffers are reused.
//
// Servers close idle keep-alive connections (nginx after keepalive_timeout, gunicorn after
// 2 s, load balancers after 60 s), and that is not an error of theirs. A read stays posted
// while the connection is idle (the same one the next response arrives on, so it costs
// nothing per request); it notices the close, and the next request connects afresh. If a request still goes
// out on a connection the server had already closed and no byte of a response comes back, an idempotent
// request is sent once more on a new connection, as browsers and Go's client do.
//
// A journey (journey.hpp) runs on one lane, as one user: its steps go out in order on this
// connection, each timed from its own intended start (the previous step's end plus its think
// time), and the worker hears of the journey only when it ends. The user's variables and cookies
// live here, across its iterations.
//
// https:// puts a sans-IO TLS session (proto/tls) between the buffers and the socket: the
// handshake follows the TCP connect (both within the connect timeout, and timed apart as the
// connection's set-up), requests are encrypted into `wire_`, and ciphertext read from the
// socket is decrypted into the same read buffer the plain path fills. A connection keeps its
// last session and offers it again when it reconnects.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/read_buffer.hpp"
#include "surge/engine/backoff.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/stream_socket.hpp"
#include "surge/engine/worker.hpp"
#include "surge/proto/http/protocol.hpp"
#include "surge/proto/http/response_reader.hpp"
#include "surge/proto/tls/tls_transport.hpp"

namespace surge {

class HttpConnection {
 public:
  HttpConnection(Worker<HttpProtocol>& worker, int index);

  // Opens the socket ahead of the first request; a failure here is left for that request.
  void connect();
  // Sends operation `op`, intended to start at `intended`. The connection must be available.
  // `delayed`: the emulated network delay it already waited (see RunSettings).
  void send(int op, Nanos intended, Nanos delayed);
  // Closed model: calls the worker's user_wakes() at `when` (think time or pacing).
  void think_until(Nanos when);
  // Cancels a pending think or back-off wait; its handler then does nothing.
  void cancel_wait();
  // Closes the socket of an idle connection; the next send() reconnects.
  void disconnect() noexcept { close_socket(); }
  // Closes the socket if the current connect or request has passed its deadline.
  void check_deadline(Nanos now);
  // Ends all I/O; outstanding handlers complete as aborted and record nothing.
  void shutdown();
  // In a request, or in a journey (between its steps too).
  [[nodiscard]] bool busy() const noexcept { return busy_ || journey_op_ >= 0; }
  [[nodiscard]] bool opening() const noexcept { return connecting_; }
  [[nodiscard]] int index() const noexcept { return index_; }

 private:
  void start_connect();
  void on_connect(const boost::system::error_code& ec);
  void set_up_socket();
  void write_request();
  void start_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void parse_buffered();
  void complete();
  void fail(ErrorClass error, std::string_view example);
  void close_socket() noexcept;
  void wait_out_backoff();
  // What arrives while no request is out: the end of stream of an idle close, or bytes that
  // answer nothing. Either way the connection is done.
  void on_idle_read(const boost::system::error_code& ec);
  // The connection died under the request (EOF, reset, a failed write).
  void lost(std::string_view why);
  // A request of operation `op`: its own, or a journey's step.
  void send_request(int op, Nanos intended, Nanos delayed);
  // Journeys: the first step of the journey whose row is `op`; a step's outcome (`why` empty:
  // it passed); the journey's end. `available`: as request_finished()'s.
  void begin_journey(int op, Nanos intended, Nanos delayed);
  void step_finished(Nanos now, std::optional<ErrorClass> error, std::string_view why, bool available);
  void end_journey(Nanos now, std::optional<ErrorClass> error, std::string_view why);
  // Why the journey (or a transaction) ended at the current step: "step 'J/S': why".
  [[nodiscard]] std::string abort_reason(std::string_view why) const;
  // Transactions: a step of the journey starts one, or a step's outcome ends them.
  void transactions_step_sent();
  void transactions_step_done(Nanos now, std::optional<ErrorClass> error, std::string_view why,
                              bool aborting);
  // TLS: the handshake after the TCP connect, then reads through the session.
  void start_handshake();
  void on_handshake(const tls::HandshakeOutcome& outcome);
  // Decrypts what the session holds into the read buffer; true when it delivered an outcome
  // (plaintext, the peer's close, a broken session) to on_read().
  bool deliver_plaintext();
  void on_cipher(const boost::system::error_code& ec);

  Worker<HttpProtocol>& worker_;
  int index_;
  boost::asio::ip::tcp::endpoint endpoint_;
  StreamSocket socket_;                   // epoll or io_uring, as the run chose
  boost::asio::steady_timer wait_timer_;  // back-off after a failed connect, or think time
  http::ResponseReader reader_;
  std::string request_;
  ReadBuffer read_buffer_;

  bool connected_ = false;
  bool connecting_ = false;
  bool busy_ = false;
  bool timed_out_ = false;
  bool stopped_ = false;
  bool write_pending_ = false;
  bool reading_ = false;  // a read is posted
  bool reused_ = false;   // the request went out on a connection that had answered before
  bool retried_ = false;  // the request was already sent again once
  bool connected_before_ = false;
  int responses_ = 0;             // responses on the current connection
  std::uint64_t generation_ = 0;  // one per socket: handlers of a closed one do nothing
  int op_ = 0;
  Nanos intended_ = 0;
  Nanos sent_ = 0;
  Nanos delayed_ = 0;
  Nanos deadline_ = 0;
  Nanos connect_started_ = 0;
  Backoff backoff_;  // after a refused or timed-out connect

  // Journeys: this user's variables and cookies (null without journeys), and the journey in
  // progress: its transaction row, step, intended start and first send.
  std::unique_ptr<http::UserSession> user_;
  int journey_op_ = -1;
  std::size_t step_ = 0;
  Nanos journey_intended_ = 0;
  Nanos journey_sent_ = 0;
  Nanos journey_delayed_ = 0;
  std::string step_why_;
  std::vector<Nanos> transaction_intended_;  // by the journey's transaction: its first step's
  std::vector<Nanos> transaction_sent_;

  tls::Transport tls_;  // https://; disabled for http://
  std::string wire_;    // a request's ciphertext on its way to the socket
  Nanos handshake_started_ = 0;
  bool handshaking_ = false;  // a closed socket ends the handshake without its handler
};

}  // namespace surge
