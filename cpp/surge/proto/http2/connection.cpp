#include "surge/proto/http2/connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "surge/engine/read_when_ready.hpp"
#include "surge/engine/worker.hpp"
#include "surge/engine/write_now.hpp"

namespace surge {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr std::size_t kReadBufferSize = std::size_t{64} * 1024;
}  // namespace

Http2Connection::Http2Connection(Worker<Http2Protocol>& worker, int capacity)
    : worker_(worker),
      capacity_(capacity),
      socket_(worker.context(), worker.ring()),
      tls_(worker.protocol().shared().tls.get()),
      read_buffer_(kReadBufferSize),
      streams_(static_cast<std::size_t>(capacity)),
      retried_(static_cast<std::size_t>(capacity)),
      backoff_(worker.context(), static_cast<std::size_t>(capacity)) {
  const auto lanes = static_cast<std::size_t>(capacity);
  waiting_.reserve(lanes);
  ended_.reserve(lanes);
  ending_.reserve(lanes);
  failing_.reserve(lanes);
  out_.reserve(4096);
}

http2::Stream& Http2Connection::stream_of(const Http2Lane& lane) noexcept {
  return streams_[static_cast<std::size_t>(lane.index() % capacity_)];
}

void Http2Connection::connect() {
  if (state_ == State::closed && !stopped_ && !backoff_.waiting()) start_connect();
}

void Http2Connection::enqueue(Http2Lane& lane) {
  http2::Stream& stream = stream_of(lane);
  worker_.protocol().build_request(lane.op(), stream, worker_.rng());
  stream.owner = &lane;
  retried_[static_cast<std::size_t>(lane.index() % capacity_)] = false;
  if (state_ == State::ready) {
    submit(lane);
    return;
  }
  waiting_.push_back(&lane);
  if (state_ == State::closed && !backoff_.waiting()) start_connect();
}

void Http2Connection::submit(Http2Lane& lane) {
  http2::Stream& stream = stream_of(lane);
  if (!session_->submit(stream)) {
    lane.fail(ErrorClass::reset, session_->error(), true);
    return;
  }
  // Sent for now, so that a stream the server's MAX_CONCURRENT_STREAMS holds back still times
  // out; on_request_sent stamps the moment its HEADERS go out, where its service time starts.
  // The wait for a stream slot is in its response time (from the intended start) only.
  lane.mark_sent(now_ns());
  ++open_streams_;
  if (!taking_in_) schedule_flush();  // take_in() flushes what its responses started
}

void Http2Connection::requeue(Http2Lane& lane) {
  if (state_ == State::ready) {
    submit(lane);
    return;
  }
  waiting_.push_back(&lane);
  if (state_ == State::closed && !backoff_.waiting()) start_connect();
}

void Http2Connection::start_connect() {
  drop();
  state_ = State::connecting;
  attempt_started_ = now_ns();
  connect_deadline_ = attempt_started_ + worker_.connect_timeout();
  if (connected_before_ && !waiting_.empty()) {
    if (auto* stats = waiting_.front()->stats()) ++stats->reconnects;
  }
  socket_.async_connect(worker_.protocol().shared().endpoint,
                        [this, generation = generation_](const error_code& ec) {
                          if (current(generation)) on_connect(ec);
                        });
}

void Http2Connection::on_connect(const error_code& ec) {
  if (ec) {
    const ErrorClass failure = connect_failure(ec);
    fail_waiting(failure, failure == ErrorClass::client_fd_limit ? kClientFdLimitExample : ec.message(),
                 true);
    return;
  }
  // The TCP connect alone: the TLS handshake is timed apart, as for HTTP/1.1.
  handshake_started_ = now_ns();
  worker_.connections().connect.record(handshake_started_ - attempt_started_);
  socket_.set_up();
  if (!tls_.enabled()) {
    ready();
    return;
  }
  tls_.handshake(
      socket_, worker_.protocol().shared().server_name,
      [this, generation = generation_] { return current(generation); },
      [this](const tls::HandshakeOutcome& outcome) { on_handshake(outcome); });
}

void Http2Connection::on_handshake(const tls::HandshakeOutcome& outcome) {
  if (outcome.aborted) return;  // closed under it: whoever closed it goes on
  if (!outcome.ok) {
    if (outcome.why.find("no application protocol") != std::string_view::npos) {
      // The server refused the only protocol offered, h2 (nginx without http2 does so).
      why_ =
          "the server did not agree to HTTP/2 by ALPN (TLS alert: no application protocol): run it "
          "with --http 1.1";
      fail_waiting(ErrorClass::tls_handshake, why_, true);
      return;
    }
    fail_waiting(outcome.error, outcome.why, true);
    return;
  }
  if (tls_.alpn() != "h2") {
    // The server speaks TLS but not HTTP/2 (no ALPN, or only http/1.1): it will stay so.
    why_ = "the server did not agree to HTTP/2 by ALPN (it chose '" + std::string(tls_.alpn()) +
           "'): run it with --http 1.1";
    fail_waiting(ErrorClass::tls_handshake, why_, true);
    return;
  }
  auto& made = worker_.connections();
  made.handshake.record(now_ns() - handshake_started_);
  ++(tls_.resumed() ? made.tls_resumed : made.tls_full);
  ready();
}

void Http2Connection::ready() {
  state_ = State::ready;
  connected_before_ = true;
  answered_ = 0;
  ++worker_.connections().opened;
  const auto& shared = worker_.protocol().shared();
  session_.emplace(static_cast<http2::ClientSession::Listener&>(*this), shared.host_header,
                   shared.tls != nullptr);
  read_buffer_.clear();
  std::vector<Http2Lane*> queued;
  queued.swap(waiting_);
  taking_in_ = true;  // one write for the preface and every queued request
  for (Http2Lane* lane : queued) submit(*lane);
  taking_in_ = false;
  queued.clear();
  if (waiting_.empty()) waiting_.swap(queued);  // keep the reserved capacity
  flush();
  start_read();
}

void Http2Connection::schedule_flush() {
  // Requests submitted by the same round of handlers (a pacer burst) leave in one write.
  if (flush_posted_ || write_pending_) return;
  flush_posted_ = true;
  worker_.post([this, generation = generation_] {
    flush_posted_ = false;
    if (current(generation) && session_) flush();
  });
}

void Http2Connection::flush() {
  if (write_pending_ || !session_) return;
  out_.clear();
  if (!session_->drain(out_)) {
    lost(session_->error());
    return;
  }
  if (out_.empty()) return;
  const std::string* wire = &out_;
  if (tls_.enabled()) {
    if (!tls_.encrypt(out_, wire_)) {
      lost(tls_.error());
      return;
    }
    wire = &wire_;
  }
  error_code ec;
  const WriteStarted started = write_now(
      socket_, *wire, ec, [this, generation = generation_](const error_code& write_ec, std::size_t) {
        if (!current(generation)) return;
        write_pending_ = false;
        if (write_ec) {
          if (write_ec != asio::error::operation_aborted) lost(write_ec.message());
          return;
        }
        flush();  // what nghttp2 gathered meanwhile
      });
  if (started == WriteStarted::failed) {
    lost(ec.message());
    return;
  }
  write_pending_ = started == WriteStarted::pending;
}

void Http2Connection::start_read() {
  if (reading_ || !session_) return;
  if (tls_.enabled() && deliver_plaintext()) return;
  std::size_t room = 0;
  char* tail = read_buffer_.writable(room, kReadBufferSize);
  reading_ = true;
  const auto wanted = [this, generation = generation_] { return current(generation); };
  if (tls_.enabled()) {
    tls_.read_cipher(socket_, wanted, [this](const error_code& ec) {
      reading_ = false;
      on_cipher(ec);
    });
    return;
  }
  read_when_ready(socket_, asio::buffer(tail, room), wanted, [this](const error_code& ec, std::size_t n) {
    reading_ = false;
    on_read(ec, n);
  });
}

void Http2Connection::on_cipher(const error_code& ec) {
  if (ec) {
    on_read(ec, 0);
    return;
  }
  if (!deliver_plaintext()) start_read();  // a partial record, or a session ticket
}

bool Http2Connection::deliver_plaintext() {
  // Every record the session holds is decrypted before nghttp2 reads: the responses of one
  // socket read then start their next requests together, and those leave in one write (one
  // record per response would otherwise be one write per request).
  bool delivered = false;
  for (;;) {
    std::size_t room = 0;
    char* tail = read_buffer_.writable(room, kReadBufferSize);
    std::size_t n = 0;
    switch (room == 0 ? tls::Plain::none : tls_.decrypt(tail, room, n)) {
      case tls::Plain::data:
        read_buffer_.commit(n);
        delivered = true;
        continue;
      case tls::Plain::none:
        if (delivered) on_read(error_code{}, 0);
        return delivered;
      case tls::Plain::closed: {
        const std::uint64_t generation = generation_;
        if (delivered) on_read(error_code{}, 0);  // what came before the close_notify
        if (current(generation)) on_read(asio::error::make_error_code(asio::error::eof), 0);
        return true;
      }
      case tls::Plain::failed:
        lost(tls_.error(), ErrorClass::malformed);  // a record that does not decrypt
        return true;
    }
  }
}

void Http2Connection::on_read(const error_code& ec, std::size_t n) {
  if (stopped_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;  // closed by a deadline or a shutdown
    lost(ec == asio::error::eof ? "the server closed the connection" : ec.message());
    return;
  }
  read_buffer_.commit(n);
  take_in();
}

void Http2Connection::take_in() {
  taking_in_ = true;
  const bool ok = session_->feed(read_buffer_.unread());  // nghttp2 takes all of it
  read_buffer_.clear();
  if (!ok || session_->broken()) {
    taking_in_ = false;
    lost(session_->error(), ErrorClass::malformed);  // what the server sent is not HTTP/2
    return;
  }
  const std::uint64_t generation = generation_;
  finish_streams();
  taking_in_ = false;
  if (!current(generation)) return;  // a lane's new request found the connection gone
  flush();
  if (!current(generation)) return;
  if (state_ == State::going_away && open_streams_ == 0) {
    retire();
    return;
  }
  start_read();
}

void Http2Connection::on_request_sent(http2::Stream& stream) {
  static_cast<Http2Lane*>(stream.owner)->mark_sent(now_ns());
}

void Http2Connection::on_response(http2::Stream& stream) {
  ended_.push_back({static_cast<Http2Lane*>(stream.owner), true, 0});
}

void Http2Connection::on_stream_failed(http2::Stream& stream, std::uint32_t error_code) {
  ended_.push_back({static_cast<Http2Lane*>(stream.owner), false, error_code});
}

void Http2Connection::on_goaway(std::int32_t /*last_stream_id*/, std::uint32_t /*error_code*/) {
  // nghttp2 refuses the streams above the last id itself (on_stream_failed, REFUSED_STREAM).
  if (state_ == State::ready) state_ = State::going_away;
}

void Http2Connection::finish_streams() {
  ending_.clear();
  ending_.swap(ended_);
  const Nanos done = now_ns();
  for (const Ended& e : ending_) {
    --open_streams_;
    Http2Lane& lane = *e.lane;
    const http2::Stream& stream = stream_of(lane);
    if (e.answered) {
      ++answered_;
      backoff_.succeeded();
      const HttpOperation& operation = worker_.protocol().operation(lane.op());
      lane.complete(done, [&](OperationStats& stats) {
        if (http::count_cache_read(operation, stream.status, stats)) return;
        if (const auto error = http::judge_response(operation, stream.status, stream.response_body)) {
          std::string example;
          if (stats.wants_example(*error)) {
            example = "HTTP " + std::to_string(stream.status);
            if (*error == ErrorClass::check_failed) example += ": response failed the check";
          }
          stats.record_error(*error, example);
        }
      });
      continue;
    }
    if (stream.too_long) {
      lane.fail(ErrorClass::malformed, "response body longer than max_body_bytes", true);
      continue;
    }
    const auto slot = static_cast<std::size_t>(lane.index() % capacity_);
    if (e.error_code == NGHTTP2_REFUSED_STREAM && !retried_[slot]) {
      // The server did not process it (RFC 9113, 8.7): sending it again does no harm.
      retried_[slot] = true;
      if (auto* stats = lane.stats()) ++stats->retries;
      stream_of(lane).rewind();
      requeue(lane);
      continue;
    }
    why_ = "stream reset by the server (" + std::string(http2::error_code_name(e.error_code)) + ")";
    lane.fail(ErrorClass::stream_reset, why_, true);
  }
  ending_.clear();
}

void Http2Connection::lost(std::string_view why, ErrorClass error) {
  why_.assign(why);
  ended_.clear();
  for (auto& stream : streams_) {
    auto* lane = static_cast<Http2Lane*>(stream.owner);
    if (lane != nullptr && stream.id > 0 && !stream.done) ended_.push_back({lane, false, 0});
  }
  const bool reused = answered_ > 0;
  drop();
  state_ = State::closed;
  std::vector<Ended> lost_streams;
  lost_streams.swap(ended_);
  for (const Ended& e : lost_streams) {
    --open_streams_;
    Http2Lane& lane = *e.lane;
    http2::Stream& stream = stream_of(lane);
    const auto slot = static_cast<std::size_t>(lane.index() % capacity_);
    if (error == ErrorClass::reset && reused && !stream.started && !retried_[slot] &&
        worker_.protocol().is_idempotent(lane.op())) {
      // Nothing of it was answered, on a connection that had answered before: the server
      // closed it as the request crossed the close. It goes once more, on a new connection.
      retried_[slot] = true;
      if (auto* stats = lane.stats()) ++stats->retries;
      stream.rewind();
      waiting_.push_back(&lane);
      continue;
    }
    lane.fail(error, why_, true);
  }
  lost_streams.clear();
  if (ended_.empty()) ended_.swap(lost_streams);  // keep the reserved capacity
  if (!stopped_ && state_ == State::closed && !waiting_.empty() && !backoff_.waiting()) start_connect();
}

void Http2Connection::fail_waiting(ErrorClass error, std::string_view why, bool back_off) {
  const std::string copy(why);
  if (state_ == State::connecting) ++worker_.connections().failed;
  drop();
  state_ = State::closed;
  failing_.clear();
  failing_.swap(waiting_);
  if (!back_off) {
    for (Http2Lane* lane : failing_) lane->fail(error, copy, true);
    return;
  }
  backoff_.start(failing_, [this] {
    if (!stopped_ && state_ == State::closed && !waiting_.empty()) start_connect();  // queued meanwhile
  });
  for (Http2Lane* lane : failing_) lane->fail(error, copy, false);
}

void Http2Connection::retire() {
  drop();
  state_ = State::closed;
  if (!waiting_.empty() && !backoff_.waiting()) start_connect();
}

void Http2Connection::drop() noexcept {
  ++generation_;
  // The session's streams end here, with no callback: whoever drops them handles their lanes.
  for (auto& stream : streams_) stream.done = stream.done || stream.id > 0;
  session_.reset();
  if (tls_.enabled()) tls_.close();
  reading_ = false;
  write_pending_ = false;
  flush_posted_ = false;
  read_buffer_.clear();
  error_code ignored;
  socket_.close(ignored);
}

void Http2Connection::check_deadline(Nanos now) {
  if (stopped_) return;
  if (state_ == State::connecting && now >= connect_deadline_) {
    worker_.post([this, generation = generation_] {
      if (!current(generation) || state_ != State::connecting) return;
      fail_waiting(ErrorClass::connect_timeout,
                   tls_.enabled() ? "no TLS handshake within the connect timeout" : "connect timed out",
                   true);
    });
    return;
  }
  if (open_streams_ == 0 || expiry_posted_) return;
  for (const auto& stream : streams_) {
    const auto* lane = static_cast<const Http2Lane*>(stream.owner);
    if (lane == nullptr || stream.id <= 0 || stream.done) continue;
    if (now < lane->sent() + worker_.request_timeout()) continue;
    // Posted: the sweep that found it walks every lane, and failing lanes start new requests.
    expiry_posted_ = true;
    worker_.post([this, now, generation = generation_] {
      expiry_posted_ = false;
      if (current(generation)) expire(now);
    });
    return;
  }
}

void Http2Connection::expire(Nanos now) {
  ended_.clear();
  for (auto& stream : streams_) {
    auto* lane = static_cast<Http2Lane*>(stream.owner);
    if (lane == nullptr || stream.id <= 0 || stream.done) continue;
    if (now < lane->sent() + worker_.request_timeout()) continue;
    session_->cancel(stream);  // RST_STREAM CANCEL; the connection and its other streams go on
    ended_.push_back({lane, false, 0});
  }
  std::vector<Ended> expired;
  expired.swap(ended_);
  taking_in_ = true;
  for (const Ended& e : expired) {
    --open_streams_;
    e.lane->fail(ErrorClass::request_timeout, "no response within the request timeout", true);
  }
  taking_in_ = false;
  if (ended_.empty()) ended_.swap(expired);
  ended_.clear();
  const std::uint64_t generation = generation_;
  flush();
  if (current(generation) && state_ == State::going_away && open_streams_ == 0) retire();
}

void Http2Connection::shutdown() {
  stopped_ = true;
  backoff_.cancel();
  drop();
  state_ = State::closed;
}

}  // namespace surge
