#include "surge/proto/redis/connection.hpp"

#include <boost/asio/ip/tcp.hpp>
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
constexpr std::size_t kMaxReadBuffer = std::size_t{64} * 1024;  // hiredis keeps partial replies itself
}  // namespace

RedisConnection::RedisConnection(Worker<RedisProtocol>& worker, int node, int capacity)
    : PipelinedConnection(worker, capacity),
      node_(node),
      socket_(worker.context(), worker.ring()),
      read_buffer_(kReadBufferSize),
      tls_(worker.protocol().shared().tls.get()) {
  out_.reserve(4096);
  writing_.reserve(4096);
}

void RedisConnection::start_connect() {
  begin_attempt();
  error_code ignored;
  socket_.close(ignored);
  socket_.async_connect(worker_.protocol().endpoint_of(node_),
                        [this, generation = generation_](const error_code& ec) {
                          if (current(generation)) on_connect(ec);
                        });
}

void RedisConnection::on_connect(const error_code& ec) {
  if (ec) {
    const ErrorClass failure = connect_failure(ec);
    fail_all(failure, failure == ErrorClass::client_fd_limit ? kClientFdLimitExample : ec.message(), true);
    return;
  }
  const auto& shared = worker_.protocol().shared();
  socket_.set_up(shared.tcp);
  if (!tls_.enabled()) {
    connection_ready();
    return;
  }
  // Still connecting for the lanes and the deadline until the TLS handshake is done.
  handshake_started_ = now_ns();
  tls_.handshake(
      socket_, shared.server_name, [this, generation = generation_] { return current(generation); },
      [this](const tls::HandshakeOutcome& outcome) {
        if (outcome.aborted) return;  // closed under it: whoever closed it goes on
        if (!outcome.ok) {
          fail_all(outcome.error, outcome.why, true);
          return;
        }
        auto& made = worker_.connections();
        made.handshake.record(now_ns() - handshake_started_);
        ++(tls_.resumed() ? made.tls_resumed : made.tls_full);
        connection_ready();
      });
}

void RedisConnection::connection_ready() {
  const auto& shared = worker_.protocol().shared();
  if (auto* cluster = worker_.protocol().cluster()) cluster->reached(node_);
  now_ready(shared.handshake_replies);
  reader_.reset();
  read_buffer_.clear();
  // AUTH and SELECT go ahead of whatever lanes queued while connecting; their replies come first.
  for (int i = 0; i < shared.handshake_replies; ++i) ring_.push_front(RedisEntry{nullptr});
  out_.insert(0, shared.handshake);
  unsent_ = ring_.size();
  start_read();
  flush();
}

void RedisConnection::enqueue(RedisLane& lane) {
  worker_.protocol().append_command(lane.op(), out_, worker_.rng());
  queue(RedisEntry{&lane});
}

void RedisConnection::enqueue_command(RedisLane& lane, std::string_view command, bool asking) {
  if (asking) {
    redis::append_command(out_, {"ASKING"});
    queue(RedisEntry{nullptr, true});
  }
  out_ += command;
  queue(RedisEntry{&lane});
}

void RedisConnection::queue(const RedisEntry& entry) {
  if (state_ != State::ready) {
    queue_until_connected(entry);
    return;
  }
  ring_.push_back(entry);
  ++unsent_;
  if (!delivering_) schedule_flush();  // deliver() flushes what its replies started
}

void RedisConnection::schedule_flush() {
  // Commands queued by the same round of handlers (a pacer burst, a batch of replies that each
  // start the next command) leave in one write.
  if (flush_posted_ || write_pending_) return;
  flush_posted_ = true;
  worker_.post([this] {
    flush_posted_ = false;
    if (!stopped_ && state_ == State::ready) flush();
  });
}

void RedisConnection::flush() {
  if (write_pending_ || out_.empty()) return;
  const Nanos now = now_ns();
  for (std::size_t i = ring_.size() - unsent_; i < ring_.size(); ++i) {
    RedisLane* lane = ring_[i].lane;
    if (lane != nullptr) lane->mark_sent(now);
  }
  unsent_ = 0;
  std::swap(out_, writing_);
  out_.clear();
  std::string* wire = &writing_;
  if (tls_.enabled()) {
    if (!tls_.encrypt(writing_, wire_)) {
      fail_all(ErrorClass::reset, tls_.error(), false);
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
          if (write_ec != asio::error::operation_aborted)
            fail_all(ErrorClass::reset, write_ec.message(), false);
          return;
        }
        flush();
      });
  if (started == WriteStarted::failed) {
    fail_all(ErrorClass::reset, ec.message(), false);
    return;
  }
  write_pending_ = started == WriteStarted::pending;
}

void RedisConnection::start_read() {
  if (tls_.enabled()) {
    if (deliver_plaintext()) return;
    tls_.read_cipher(
        socket_, [this, generation = generation_] { return generation == generation_; },
        [this](const error_code& ec) { on_cipher(ec); });
    return;
  }
  std::size_t room = 0;
  char* tail = read_buffer_.writable(room, kMaxReadBuffer);
  read_when_ready(
      socket_, asio::buffer(tail, room),
      [this, generation = generation_] { return generation == generation_; },
      [this](const error_code& ec, std::size_t n) { on_read(ec, n); });
}

void RedisConnection::on_cipher(const error_code& ec) {
  if (ec) {
    on_read(ec, 0);
    return;
  }
  if (!deliver_plaintext()) start_read();  // a partial record, or a session ticket
}

bool RedisConnection::deliver_plaintext() {
  return tls_.deliver(
      read_buffer_, kMaxReadBuffer, [this](const error_code& ec, std::size_t n) { on_read(ec, n); },
      [this] {
        if (!stopped_ && state_ == State::ready) fail_all(ErrorClass::malformed, tls_.error(), false);
      });
}

void RedisConnection::on_read(const error_code& ec, std::size_t n) {
  if (stopped_ || state_ != State::ready) return;
  if (ec) {
    if (ec == asio::error::eof) {
      fail_all(ErrorClass::reset, "connection closed by the server", false);
    } else if (ec != asio::error::operation_aborted) {
      fail_all(ErrorClass::reset, ec.message(), false);
    }
    return;
  }
  read_buffer_.commit(n);
  reader_.feed(read_buffer_.unread());
  read_buffer_.consume(read_buffer_.unread().size());
  deliver();
}

void RedisConnection::deliver() {
  redis::Reply reply;
  delivering_ = true;
  const std::uint64_t generation = generation_;
  // Replies that came in one read arrived together: one clock read serves them all.
  const Nanos arrived = now_ns();
  while (true) {
    const auto step = reader_.next(reply);
    if (step == redis::RespReader::Step::need_more) break;
    if (step == redis::RespReader::Step::protocol_error) {
      delivering_ = false;
      fail_all(ErrorClass::malformed, reader_.error(), false);
      return;
    }
    if (ring_.empty()) {
      delivering_ = false;
      fail_all(ErrorClass::malformed, "a reply nobody asked for", false);
      return;
    }
    const RedisEntry entry = ring_.pop_front();
    if (entry.asking) continue;  // refused or not, the command behind it says what happened
    if (entry.lane == nullptr) {
      if (reply.kind == redis::ReplyKind::error) {
        const std::string example = "connection set-up (AUTH/SELECT): " + std::string(reply.text);
        delivering_ = false;
        fail_all(ErrorClass::error_reply, example, true);
        return;
      }
      setup_answered();
      continue;
    }
    answered();
    if (worker_.protocol().cluster() != nullptr && redirected(*entry.lane, reply, arrived)) continue;
    // The lane may start its next command right here; it queues behind the ones in flight.
    entry.lane->complete(arrived, [&](OperationStats& stats) { classify(entry.lane->op(), reply, stats); });
    if (!current(generation) || state_ != State::ready) {
      delivering_ = false;
      return;
    }
  }
  delivering_ = false;
  if (worker_.protocol().cluster() == nullptr) {
    // One write for every command these replies started: no extra handler round trip.
    flush();
  } else {
    // In a cluster these replies start commands for every node, as do the replies other
    // connections read in this turn: each connection writes once, after them all.
    schedule_flush();
  }
  if (state_ == State::ready && generation == generation_) start_read();
}

void RedisConnection::classify(int op, const redis::Reply& reply, OperationStats& stats) const {
  if (reply.kind == redis::ReplyKind::error) {
    stats.record_error(ErrorClass::error_reply, reply.text);
  } else if (worker_.protocol().is_read(op)) {
    // A nil reply to a read is a miss, not an error.
    if (reply.kind == redis::ReplyKind::nil) {
      ++stats.misses;
    } else {
      ++stats.hits;
    }
  }
}

bool RedisConnection::redirected(RedisLane& lane, const redis::Reply& reply, Nanos arrived) {
  auto& node = worker_.protocol().cluster()->node(node_);
  const bool measured = lane.stats() != nullptr;
  if (measured) {
    ++node.stats.requests;
    node.stats.service.record(arrived - lane.sent());
  }
  if (reply.kind != redis::ReplyKind::error) return false;
  const auto redirect = redis::parse_redirect(reply.text);
  if (!redirect) {
    if (measured) ++node.stats.errors;
    return false;
  }
  if (measured) ++node.stats.redirects;
  // Past the route's limit the redirect is the outcome: an error reply, as the node gave it.
  return worker_.protocol().route_of(lane.index()).redirect(lane, *redirect, node_);
}

void RedisConnection::drop_connection(std::vector<RedisLane*>& /*failing*/) {
  // A lost node's slots may have moved (a failover): the route asks another node first.
  if (auto* cluster = worker_.protocol().cluster(); cluster != nullptr && !stopped_) cluster->lost(node_);
  write_pending_ = false;
  if (tls_.enabled()) tls_.close();
  error_code ignored;
  socket_.close(ignored);
  out_.clear();
  reader_.reset();
  read_buffer_.clear();
}

}  // namespace surge
