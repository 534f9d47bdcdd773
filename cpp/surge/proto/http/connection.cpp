#include "surge/proto/http/connection.hpp"

#include <array>
#include <boost/asio/write.hpp>

#include "surge/engine/read_when_ready.hpp"
#include "surge/engine/worker.hpp"
#include "surge/engine/write_now.hpp"

namespace surge {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr std::size_t kReadBufferSize = std::size_t{16} * 1024;
constexpr std::size_t kMaxReadBuffer = 1 << 20;

// What an error response's example says: its status, and whether the check failed.
std::string status_example(int status, ErrorClass error) {
  std::string example = "HTTP " + std::to_string(status);
  if (error == ErrorClass::check_failed) example += ": response failed the check";
  return example;
}
}  // namespace

HttpConnection::HttpConnection(Worker<HttpProtocol>& worker, int index)
    : worker_(worker),
      index_(index),
      endpoint_(worker.protocol().endpoint()),
      socket_(worker.context(), worker.ring()),
      wait_timer_(worker.context()),
      read_buffer_(kReadBufferSize),
      tls_(worker.protocol().tls()) {
  request_.reserve(1024);
  if (tls_.enabled()) wire_.reserve(2048);
  if (worker.protocol().has_journeys()) user_ = worker.protocol().new_user();
}

void HttpConnection::connect() {
  if (!connected_ && !connecting_) start_connect();
}

void HttpConnection::send(int op, Nanos intended, Nanos delayed) {
  if (worker_.protocol().journey_of(op) >= 0) {
    begin_journey(op, intended, delayed);
  } else {
    send_request(op, intended, delayed);
  }
}

void HttpConnection::send_request(int op, Nanos intended, Nanos delayed) {
  busy_ = true;
  delayed_ = delayed;
  timed_out_ = false;
  retried_ = false;
  op_ = op;
  intended_ = intended;
  if (journey_op_ < 0) {
    worker_.protocol().build_request(op, request_, worker_.rng());
  } else {
    sent_ = now_ns();
    transactions_step_sent();  // a transaction starts with its first step, sent or not
    if (!worker_.protocol().build_step_request(op, request_, worker_.rng(), *user_, step_why_)) {
      // A captured value that cannot go where the template puts it: the step fails unsent.
      busy_ = false;
      const Nanos now = now_ns();
      if (auto* stats = worker_.stats(op_, intended_))
        stats->record_failure(ErrorClass::check_failed, step_why_, now - intended_);
      step_finished(now, ErrorClass::check_failed, step_why_, true);
      return;
    }
  }
  if (connected_) {
    write_request();
  } else if (connecting_) {
    deadline_ = now_ns() + worker_.connect_timeout();  // on_connect() writes it
  } else {
    start_connect();
  }
}

void HttpConnection::think_until(Nanos when) {
  wait_timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(when)));
  wait_timer_.async_wait([this](const error_code& ec) {
    if (!ec && !stopped_) worker_.user_wakes(*this);
  });
}

void HttpConnection::cancel_wait() {
  wait_timer_.cancel();
}

void HttpConnection::start_connect() {
  connecting_ = true;
  connect_started_ = now_ns();
  deadline_ = connect_started_ + worker_.connect_timeout();
  if (busy_ && connected_before_) {
    if (auto* stats = worker_.stats(op_, intended_)) ++stats->reconnects;
  }
  close_socket();
  socket_.async_connect(endpoint_, [this](const error_code& ec) { on_connect(ec); });
}

void HttpConnection::on_connect(const error_code& ec) {
  connecting_ = false;
  if (stopped_) return;
  if (ec) {
    ++worker_.connections().failed;
  } else {
    worker_.connections().connect.record(now_ns() - connect_started_);
    if (tls_.enabled()) {
      set_up_socket();
      start_handshake();  // opened once it is done
      return;
    }
    ++worker_.connections().opened;
  }
  if (!busy_) {
    // An early connect with no request yet: keep the socket if it worked, else the first
    // request connects again and counts whatever fails then.
    if (ec) {
      close_socket();
    } else {
      set_up_socket();
      start_read();
    }
    return;
  }
  if (ec) {
    if (timed_out_) {
      fail(ErrorClass::connect_timeout, "connect timed out");
    } else {
      const ErrorClass failure = connect_failure(ec);
      fail(failure, failure == ErrorClass::client_fd_limit ? kClientFdLimitExample : ec.message());
    }
    return;
  }
  set_up_socket();
  write_request();
}

void HttpConnection::set_up_socket() {
  socket_.set_up();
  connected_ = true;
  connected_before_ = true;
  responses_ = 0;
  read_buffer_.clear();
}

void HttpConnection::write_request() {
  reused_ = responses_ > 0;
  sent_ = now_ns();
  deadline_ = sent_ + worker_.request_timeout();
  reader_.start(worker_.protocol().is_head(op_), worker_.protocol().keeps_body(op_),
                worker_.protocol().body_limit(op_), worker_.protocol().keeps_headers(op_));
  const std::string* wire = &request_;
  if (tls_.enabled()) {
    if (!tls_.encrypt(request_, wire_)) {
      fail(ErrorClass::reset, tls_.error());
      return;
    }
    wire = &wire_;
  }
  error_code ec;
  const WriteStarted started = write_now(
      socket_, *wire, ec, [this, generation = generation_](const error_code& write_ec, std::size_t) {
        if (generation != generation_) return;  // that socket is gone
        write_pending_ = false;
        if (stopped_ || !busy_) return;
        if (write_ec && write_ec != asio::error::operation_aborted) lost(write_ec.message());
      });
  if (started == WriteStarted::failed) {
    lost(ec.message());
    return;
  }
  write_pending_ = started == WriteStarted::pending;
  if (!read_buffer_.empty()) {
    parse_buffered();
    return;
  }
  start_read();
}

void HttpConnection::start_read() {
  if (reading_) return;  // posted while idle: the response comes on that read
  if (tls_.enabled() && deliver_plaintext()) return;
  std::size_t room = 0;
  char* tail = read_buffer_.writable(room, kMaxReadBuffer);
  if (room == 0) {
    fail(ErrorClass::malformed, "response header larger than 1 MiB");
    return;
  }
  reading_ = true;
  if (tls_.enabled()) {
    tls_.read_cipher(
        socket_, [this, generation = generation_] { return !stopped_ && generation == generation_; },
        [this](const error_code& ec) {
          reading_ = false;
          on_cipher(ec);
        });
    return;
  }
  // Nothing else touches the buffer while the connection waits, so tail and room stay valid;
  // a new socket (close_socket) clears it, and the read of the old one is then not wanted.
  read_when_ready(
      socket_, asio::buffer(tail, room),
      [this, generation = generation_] { return !stopped_ && generation == generation_; },
      [this](const error_code& ec, std::size_t n) {
        reading_ = false;
        on_read(ec, n);
      });
}

void HttpConnection::on_read(const error_code& ec, std::size_t n) {
  if (stopped_) return;
  if (!busy_) {
    on_idle_read(ec);
    return;
  }
  if (ec == asio::error::eof) {
    if (reader_.finish_on_eof() == http::ResponseReader::State::complete) {
      connected_ = false;
      complete();
      return;
    }
    if (reader_.started()) {
      fail(ErrorClass::reset, "connection closed inside a response");
    } else {
      lost("connection closed before a response");
    }
    return;
  }
  if (ec) {
    if (timed_out_) {
      fail(ErrorClass::request_timeout, "no complete response within the request timeout");
    } else if (ec != asio::error::operation_aborted) {
      if (reader_.started()) {
        fail(ErrorClass::reset, ec.message());
      } else {
        lost(ec.message());
      }
    }
    return;
  }
  read_buffer_.commit(n);
  parse_buffered();
}

void HttpConnection::on_cipher(const error_code& ec) {
  if (ec) {
    on_read(ec, 0);  // end of stream, reset, timeout: as on a plain connection
    return;
  }
  if (!deliver_plaintext()) start_read();  // a partial record, or one without data (a ticket)
}

bool HttpConnection::deliver_plaintext() {
  // With no room left, start_read() reports the oversized response.
  return tls_.deliver(
      read_buffer_, kMaxReadBuffer, [this](const error_code& ec, std::size_t n) { on_read(ec, n); },
      [this] {
        // A record that does not decrypt is the server's garbage, not a reset.
        if (busy_) {
          fail(ErrorClass::malformed, tls_.error());
        } else {
          close_socket();
        }
      });
}

void HttpConnection::start_handshake() {
  connected_ = false;  // not for requests until the handshake is done
  connecting_ = true;  // the warm start waits for it; the connect timeout covers it
  handshaking_ = true;
  handshake_started_ = now_ns();
  tls_.handshake(
      socket_, worker_.protocol().server_name(),
      [this, generation = generation_] { return !stopped_ && generation == generation_; },
      [this](const tls::HandshakeOutcome& outcome) { on_handshake(outcome); });
}

void HttpConnection::on_handshake(const tls::HandshakeOutcome& outcome) {
  connecting_ = false;
  handshaking_ = false;
  if (stopped_) return;
  auto& made = worker_.connections();
  if (outcome.ok) {
    connected_ = true;
    ++made.opened;
    made.handshake.record(now_ns() - handshake_started_);
    ++(tls_.resumed() ? made.tls_resumed : made.tls_full);
    if (busy_) {
      write_request();
    } else {
      start_read();  // idle: notice a close, and take in the server's session tickets
    }
    return;
  }
  ++made.failed;
  if (outcome.aborted && !timed_out_) return;  // closed under it: whoever closed it goes on
  if (!busy_) {
    close_socket();  // an early connect: the first request connects again, and counts it
    return;
  }
  if (timed_out_) {
    fail(ErrorClass::connect_timeout, "no TLS handshake within the connect timeout");
  } else {
    fail(outcome.error, outcome.why);
  }
}

void HttpConnection::lost(std::string_view why) {
  if (reused_ && !retried_ && !reader_.started() && worker_.protocol().is_idempotent(op_)) {
    // The server had closed the connection while it was idle, and the request crossed its
    // close: nothing was answered, so sending it again does no harm. Its response time still
    // runs from the intended start; the retry and the new connection are counted.
    retried_ = true;
    if (auto* stats = worker_.stats(op_, intended_)) ++stats->retries;
    write_pending_ = false;
    start_connect();
    return;
  }
  fail(ErrorClass::reset, why);
}

void HttpConnection::parse_buffered() {
  const auto step = reader_.feed(read_buffer_.unread());
  read_buffer_.consume(step.consumed);
  switch (step.state) {
    case http::ResponseReader::State::need_more:
      start_read();
      return;
    case http::ResponseReader::State::malformed:
      fail(ErrorClass::malformed, reader_.error());
      return;
    case http::ResponseReader::State::complete:
      // An answer before the request was all written (413 to an upload): the server has
      // spoken; stop sending, and do not reuse a connection left in the middle of a request.
      if (!reader_.keep_alive() || write_pending_) connected_ = false;
      complete();
      return;
  }
}

void HttpConnection::complete() {
  const Nanos done = now_ns();
  busy_ = false;
  backoff_.succeeded();
  ++responses_;
  // Bytes past a complete response answer no request (a body longer than its Content-Length):
  // the stream cannot be trusted, and the next request connects afresh.
  if (!read_buffer_.empty()) connected_ = false;
  if (!connected_) close_socket();
  auto* stats = worker_.stats(op_, intended_);
  if (stats != nullptr) stats->record_timed(intended_, sent_, done, worker_.late_after(), delayed_);
  if (journey_op_ >= 0) {
    // A step is judged in warm-up too: the journey goes on from what it captured.
    auto& protocol = worker_.protocol();
    protocol.keep_cookies(op_, http::request_target(request_), reader_, *user_);
    const auto& operation = protocol.operation(op_);
    const bool miss = operation.miss_status != 0 && reader_.status() == operation.miss_status;
    if (stats != nullptr) protocol.count_cache_read(op_, reader_.status(), *stats);
    std::optional<ErrorClass> error = miss ? std::nullopt : protocol.classify(op_, reader_);
    if (error) {
      step_why_ = status_example(reader_.status(), *error);
    } else if (auto why = protocol.judge_step(op_, reader_, *user_)) {
      error = ErrorClass::check_failed;
      step_why_ = std::move(*why);
    }
    if (error && stats != nullptr) stats->record_error(*error, step_why_);
    step_finished(done, error, step_why_, true);
  } else {
    if (stats != nullptr) {
      const bool miss = worker_.protocol().count_cache_read(op_, reader_.status(), *stats);
      if (const auto error = miss ? std::nullopt : worker_.protocol().classify(op_, reader_)) {
        stats->record_error(*error,
                            stats->wants_example(*error) ? status_example(reader_.status(), *error) : "");
      }
    }
    worker_.request_finished(*this, true, done);
  }
  // Idle now (think time, or a free lane of the open model): keep a read posted, to notice the
  // server closing the connection. A request that went out already posted its own.
  if (!busy_ && connected_ && !stopped_) start_read();
}

void HttpConnection::on_idle_read(const error_code& ec) {
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    start_read();
    return;
  }
  close_socket();  // the next request connects afresh; not an error of the server's
}

void HttpConnection::fail(ErrorClass error, std::string_view example) {
  busy_ = false;
  close_socket();
  const Nanos now = now_ns();
  if (auto* stats = worker_.stats(op_, intended_)) stats->record_failure(error, example, now - intended_);
  // Refused and timed-out connects back off, so a dead server gets a bounded retry rate
  // instead of a busy loop; a reset reconnects at once, as a real client would.
  // A certificate or handshake the server gets wrong stays wrong: it backs off as well.
  const bool back_off = error == ErrorClass::refused || error == ErrorClass::connect_timeout ||
                        error == ErrorClass::client_fd_limit || error == ErrorClass::tls_handshake ||
                        error == ErrorClass::tls_verify;
  if (journey_op_ >= 0) {
    step_finished(now, error, example, !back_off);
  } else {
    worker_.request_finished(*this, !back_off, now);
  }
  if (back_off) wait_out_backoff();
}

void HttpConnection::begin_journey(int op, Nanos intended, Nanos delayed) {
  auto& protocol = worker_.protocol();
  journey_op_ = op;
  step_ = 0;
  journey_intended_ = intended;
  journey_delayed_ = delayed;
  journey_sent_ = -1;
  if (!protocol.start_journey(protocol.journey_of(op), *user_, worker_.rng())) {
    // A unique feeder has no row left: this journey cannot start, and neither can any other of
    // this worker's on it. The worker stops issuing (the results say why).
    const Nanos now = now_ns();
    journey_op_ = -1;
    if (auto* stats = worker_.stats(op, intended)) {
      ++stats->count;
      stats->record_error(ErrorClass::feeder_exhausted, "the feeder's rows are all used (mode unique)");
    }
    worker_.stop_issuing();
    worker_.request_finished(*this, true, now);
    return;
  }
  send_request(protocol.journey(protocol.journey_of(op)).steps.front(), intended, delayed);
}

void HttpConnection::step_finished(Nanos now, std::optional<ErrorClass> error, std::string_view why,
                                   bool available) {
  auto& protocol = worker_.protocol();
  if (journey_sent_ < 0) journey_sent_ = sent_;
  const auto& steps = protocol.journey(protocol.journey_of(journey_op_)).steps;
  const auto on_failure = protocol.operation(op_).step.on_failure;
  transactions_step_done(now, error, why, error && (!available || on_failure != http::OnFailure::go_on));
  if (error) {
    if (!available || on_failure != http::OnFailure::go_on) {
      const int again = on_failure == http::OnFailure::restart && available ? journey_op_ : -1;
      end_journey(now, error, why);
      if (again >= 0 && !worker_.draining() && !stopped_) {
        // restart: the same journey from its first step, as a new one. Posted, as a step can
        // fail without I/O (a variable it cannot send) and must not recurse; the lane stays busy.
        journey_op_ = again;
        worker_.post([this, again] {
          if (!stopped_) begin_journey(again, now_ns(), 0);
        });
        return;
      }
      worker_.request_finished(*this, available, now);
      return;
    }
  }
  if (step_ + 1 == steps.size()) {
    end_journey(now, std::nullopt, {});
    worker_.request_finished(*this, true, now);
    return;
  }
  // A drain lets a journey under way finish, as it lets a request out finish: the journey is the
  // work in flight. The drain's deadline bounds it; what is cut there is counted unfinished.
  const Nanos think = protocol.think_after(op_, worker_.rng());
  const int next = steps[++step_];
  if (think <= 0) {
    worker_.send_next(*this, next, now);
    return;
  }
  const Nanos at = now + think;
  wait_timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(at)));
  wait_timer_.async_wait([this, next, at](const error_code& ec) {
    if (!ec && !stopped_) worker_.send_next(*this, next, at);
  });
}

void HttpConnection::transactions_step_sent() {
  const auto& journey = worker_.protocol().journey(worker_.protocol().journey_of(journey_op_));
  if (journey.transactions.empty()) return;
  transaction_intended_.resize(journey.transactions.size());
  transaction_sent_.resize(journey.transactions.size());
  for (std::size_t t = 0; t < journey.transactions.size(); ++t) {
    if (static_cast<std::size_t>(journey.transactions[t].first) != step_) continue;
    transaction_intended_[t] = intended_;
    transaction_sent_[t] = now_ns();
  }
}

void HttpConnection::transactions_step_done(Nanos now, std::optional<ErrorClass> error, std::string_view why,
                                            bool aborting) {
  const auto& journey = worker_.protocol().journey(worker_.protocol().journey_of(journey_op_));
  for (std::size_t t = 0; t < journey.transactions.size(); ++t) {
    const auto& transaction = journey.transactions[t];
    const auto first = static_cast<std::size_t>(transaction.first);
    const auto last = static_cast<std::size_t>(transaction.last);
    if (step_ < first || step_ > last) continue;
    if (!aborting && step_ != last) continue;  // under way
    auto* stats = worker_.stats(transaction.operation, transaction_intended_[t]);
    if (stats == nullptr) continue;
    if (aborting) {
      stats->record_failure(*error, stats->wants_example(*error) ? abort_reason(why) : "",
                            now - transaction_intended_[t]);
    } else {
      stats->record_timed(transaction_intended_[t], transaction_sent_[t], now, worker_.late_after());
    }
  }
}

std::string HttpConnection::abort_reason(std::string_view why) const {
  return "step '" + worker_.protocol().operation(op_).name + "': " + std::string(why);
}

void HttpConnection::end_journey(Nanos now, std::optional<ErrorClass> error, std::string_view why) {
  const int op = journey_op_;
  journey_op_ = -1;
  auto* stats = worker_.stats(op, journey_intended_);
  if (stats == nullptr) return;
  if (!error) {
    stats->record_timed(journey_intended_, journey_sent_, now, worker_.late_after(), journey_delayed_);
    return;
  }
  // Aborted: counted by the step that failed (as its position, the row's error code) and why.
  stats->record_failure(*error, stats->wants_example(*error) ? abort_reason(why) : "",
                        now - journey_intended_);
  stats->count_error_code(std::to_string(step_));
}

void HttpConnection::wait_out_backoff() {
  wait_timer_.expires_after(std::chrono::nanoseconds(backoff_.next()));
  wait_timer_.async_wait([this](const error_code& ec) {
    if (!ec && !stopped_) worker_.lane_available(*this);
  });
}

void HttpConnection::close_socket() noexcept {
  // The next connect offers this session again (a resumed handshake skips the key exchange).
  if (tls_.enabled()) tls_.close();
  if (handshaking_) {
    // A user that left, closing its connection mid-handshake: no handler will say so.
    handshaking_ = false;
    connecting_ = false;
  }
  connected_ = false;
  reading_ = false;
  write_pending_ = false;  // a write of the old socket is abandoned with it
  ++generation_;
  read_buffer_.clear();
  error_code ignored;
  socket_.close(ignored);
}

void HttpConnection::check_deadline(Nanos now) {
  // An early connect (the warm-up's) has a deadline too: the run waits for it.
  if (!(busy_ || connecting_) || timed_out_ || now < deadline_) return;
  timed_out_ = true;
  error_code ignored;
  socket_.close(ignored);  // pending handlers complete with operation_aborted
}

void HttpConnection::shutdown() {
  if (busy_ && !stopped_) {
    if (auto* stats = worker_.stats(op_, intended_)) ++stats->unfinished;
  }
  if (journey_op_ >= 0 && !stopped_) {
    if (auto* stats = worker_.stats(journey_op_, journey_intended_)) ++stats->unfinished;
  }
  stopped_ = true;
  wait_timer_.cancel();
  close_socket();
}

}  // namespace surge
