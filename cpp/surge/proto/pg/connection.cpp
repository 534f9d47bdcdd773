#include "surge/proto/pg/connection.hpp"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <bit>
#include <boost/asio/post.hpp>

#include "surge/engine/worker.hpp"

namespace surge {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr int kExtraReads = 4;

std::string_view trimmed(const char* text) {
  std::string_view view = text != nullptr ? text : "";
  while (!view.empty() && (view.back() == '\n' || view.back() == ' ')) view.remove_suffix(1);
  return view;
}

pg::ResultKind kind_of(const PGresult* result) {
  if (result == nullptr) return pg::ResultKind::end_of_query;
  switch (PQresultStatus(result)) {
    case PGRES_TUPLES_OK:
    case PGRES_SINGLE_TUPLE:
      return pg::ResultKind::tuples;
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
      return pg::ResultKind::command;
    case PGRES_FATAL_ERROR:
    case PGRES_NONFATAL_ERROR:
    case PGRES_BAD_RESPONSE:
      return pg::ResultKind::error;
    case PGRES_PIPELINE_ABORTED:
      return pg::ResultKind::aborted;
    case PGRES_PIPELINE_SYNC:
      return pg::ResultKind::sync;
    default:
      return pg::ResultKind::unexpected;
  }
}

bool is_retryable(std::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";  // serialization failure, deadlock
}
}  // namespace

PgConnection::PgConnection(Worker<PgProtocol>& worker, int capacity, std::int64_t client_id)
    : PipelinedConnection(worker, capacity), libpq_(worker.context()), client_id_(client_id) {
  example_.reserve(256);
  held_.reserve(static_cast<std::size_t>(capacity));
  completing_.reserve(static_cast<std::size_t>(capacity));
}

PgConnection::~PgConnection() = default;

void PgConnection::start_connect() {
  begin_attempt();
  libpq_.connect(worker_.protocol().shared(), [this, generation = generation_](std::string_view error) {
    if (!current(generation)) return;
    if (!error.empty()) {
      const ErrorClass failure = connect_failure(error);
      fail_all(failure, failure == ErrorClass::client_fd_limit ? kClientFdLimitExample : error, true);
      return;
    }
    on_connected();
  });
}

void PgConnection::on_connected() {
  PGconn* conn = libpq_.get();
  if (PQenterPipelineMode(conn) == 0) {
    fail_all(ErrorClass::refused, libpq_.error_message(), true);
    return;
  }
  now_ready(1);  // the prepares and their Sync: one outcome
  front_begun_ = false;
  // The prepares go ahead of whatever lanes queued while connecting; their results come first.
  prepares_ = worker_.protocol().send_prepares(conn);
  if (prepares_ < 0 || PQpipelineSync(conn) == 0) {
    fail_all(ErrorClass::reset, libpq_.error_message(), false);
    return;
  }
  ring_.push_front(PgEntry{nullptr, 0, true});
  const std::uint64_t generation = generation_;
  const Nanos now = now_ns();
  for (std::size_t i = ring_.size() - unsent_; i < ring_.size(); ++i) {
    if (!send_entry(ring_[i], now) || generation != generation_) return;
  }
  unsent_ = 0;
  flush();
  if (state_ == State::ready && generation == generation_) wait_readable();
}

bool PgConnection::send_entry(PgEntry& entry, Nanos now) {
  entry.lane->mark_sent(now);
  entry.sent_at = now;
  entry.statements = worker_.protocol().send_operation(entry.lane->op(), libpq_.get(), worker_.rng(),
                                                       entry.sync, client_id_, entry.sent_mask);
  if (entry.statements >= 0) return true;
  fail_all(ErrorClass::reset, libpq_.error_message(), false);
  return false;
}

void PgConnection::enqueue(PgLane& lane) {
  // Batching joins the operations started by one round of handlers: the replies of one read
  // (deliver() closes the batch at its end), or the users starting together, or one pacer
  // wake-up (a posted handler closes those).
  if (state_ != State::ready) {
    queue_until_connected(PgEntry{&lane, 0, true});
    return;
  }
  const bool batched = worker_.protocol().batch_sync();
  ring_.push_back(PgEntry{&lane, 0, !batched});
  PgEntry& entry = ring_.back();
  if (batched) {
    batch_open_ = true;
    if (!delivering_) schedule_close();
  }
  // A Sync per operation: libpq writes at each, so the kernel holds the round's writes after
  // the first and lets them go together. A batch is written once anyway.
  if (!batched && delivering_ && ++sent_in_round_ > 1) cork();
  // deliver() flushes at its end, and a batch's closing Sync flushes it.
  if (send_entry(entry, now_ns()) && !delivering_ && !batched) flush();
}

void PgConnection::flush() {
  if (state_ != State::ready || writing_) return;
  const int pending = PQflush(libpq_.get());
  if (pending < 0) {
    fail_all(ErrorClass::reset, libpq_.error_message(), false);
    return;
  }
  if (pending == 0) return;
  // The socket is full: go on when it takes more. Replies keep being read meanwhile, as libpq
  // asks, so a server blocked on its own output cannot deadlock us.
  writing_ = true;
  libpq_.when_writable([this] {
    writing_ = false;
    flush();
  });
}

void PgConnection::wait_readable() {
  if (reading_) return;
  reading_ = true;
  libpq_.when_readable([this] {
    reading_ = false;
    on_readable();
  });
}

void PgConnection::on_readable() {
  if (state_ != State::ready) return;
  if (PQconsumeInput(libpq_.get()) == 0) {
    fail_all(ErrorClass::reset, libpq_.error_message(), false);
    return;
  }
  const std::uint64_t generation = generation_;
  deliver();
  // With several operations still in flight, more replies have often come in while these were
  // handled: one read now costs less than a readiness wait and its re-arm (two system calls).
  // Bounded, so one busy connection cannot starve the others of this thread.
  for (int more = 0; more < kExtraReads && ring_.size() > 1; ++more) {
    if (state_ != State::ready || generation != generation_) return;
    if (PQconsumeInput(libpq_.get()) == 0) {
      fail_all(ErrorClass::reset, libpq_.error_message(), false);
      return;
    }
    if (PQisBusy(libpq_.get()) != 0) break;  // nothing new yet
    deliver();
  }
  if (state_ == State::ready && generation == generation_) wait_readable();
}

void PgConnection::deliver() {
  PGconn* conn = libpq_.get();
  const std::uint64_t generation = generation_;
  // Results that came in one read arrived together: one clock read serves them all.
  const Nanos arrived = now_ns();
  delivering_ = true;
  sent_in_round_ = 0;
  while (!ring_.empty() && state_ == State::ready && generation == generation_) {
    if (PQisBusy(conn) != 0) break;
    // Begun only once a result is there: by then the front entry's batch is closed and it is
    // known whether a Sync follows it.
    if (!front_begun_) {
      const PgEntry& front = ring_[0];
      tracker_.begin(front.lane == nullptr ? prepares_ : front.statements, front.sync);
      front_begun_ = true;
      statement_from_ = std::max(front.sent_at, last_result_);
    }
    const int finished_before = tracker_.finished();
    PGresult* result = PQgetResult(conn);
    const auto kind = kind_of(result);
    pg::PipelineTracker::Step step = pg::PipelineTracker::Step::more;
    if (kind == pg::ResultKind::error) {
      // The primary message alone ("division by zero"): the SQLSTATE says the rest.
      const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
      step = tracker_.feed(kind, 0, trimmed(PQresultErrorField(result, PG_DIAG_SQLSTATE)),
                           trimmed(primary != nullptr ? primary : PQresultErrorMessage(result)));
    } else {
      step = tracker_.feed(kind, kind == pg::ResultKind::tuples ? PQntuples(result) : 0);
    }
    PQclear(result);
    if (tracker_.finished() > finished_before) {
      time_statement(ring_[0], tracker_.finished() - 1, arrived);
      last_result_ = arrived;
    }
    if (step == pg::PipelineTracker::Step::protocol_error) {
      delivering_ = false;
      fail_all(ErrorClass::malformed, tracker_.error(), false);
      return;
    }
    if (step == pg::PipelineTracker::Step::done) {
      front_begun_ = false;
      finish(ring_.pop_front(), arrived);
    }
  }
  delivering_ = false;
  if (state_ == State::ready && generation == generation_) {
    if (PQstatus(conn) == CONNECTION_BAD) {
      fail_all(ErrorClass::reset, libpq_.error_message(), false);
      return;
    }
    if (batch_open_) close_batch();
    flush();  // one flush for every operation these results started
    uncork();
  }
}

void PgConnection::schedule_close() {
  if (close_posted_) return;
  close_posted_ = true;
  asio::post(worker_.context(), [this] {
    close_posted_ = false;
    // A batch that is open now belongs to the live connection, even if it is a new one.
    if (stopped_ || state_ != State::ready || !batch_open_) return;
    close_batch();
    flush();
  });
}

void PgConnection::close_batch() {
  batch_open_ = false;
  ring_.back().sync = true;
  if (PQpipelineSync(libpq_.get()) == 0) fail_all(ErrorClass::reset, libpq_.error_message(), false);
}

void PgConnection::cork() {
  if (corked_ || !can_cork_) return;
  const int on = 1;
  if (setsockopt(PQsocket(libpq_.get()), IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0) {
    corked_ = true;
  } else {
    can_cork_ = false;  // not TCP
  }
}

void PgConnection::uncork() {
  if (!corked_) return;
  corked_ = false;
  const int off = 0;
  (void)setsockopt(PQsocket(libpq_.get()), IPPROTO_TCP, TCP_CORK, &off, sizeof off);
}

void PgConnection::time_statement(const PgEntry& entry, int kth, Nanos arrived) {
  const Nanos from = statement_from_;
  statement_from_ = arrived;
  if (entry.lane == nullptr || entry.sent_mask == 0 || entry.lane->stats() == nullptr) return;
  // The kth statement sent is the kth bit set: an \if may have left some out.
  std::uint64_t mask = entry.sent_mask;
  for (int k = 0; k < kth && mask != 0; ++k) mask &= mask - 1;
  if (mask == 0) return;
  worker_.protocol().record_statement(entry.lane->op(), std::countr_zero(mask), arrived - from);
}

void PgConnection::finish(const PgEntry& entry, Nanos arrived) {
  const pg::Outcome outcome = tracker_.outcome();
  if (entry.lane == nullptr) {
    if (!outcome.ok) {
      example_.assign("connection set-up (prepare): ").append(outcome.message);
      fail_all(ErrorClass::error_reply, example_, true);
      return;
    }
    setup_answered();
    return;
  }
  answered();
  PgLane& lane = *entry.lane;
  if (!outcome.ok && is_retryable(outcome.sqlstate) &&
      entry.attempt < worker_.protocol().retries(lane.op())) {
    // Sent again as the same operation: its response time still runs from the first intent.
    if (auto* stats = lane.stats()) ++stats->retries;
    ring_.push_back(PgEntry{&lane, entry.attempt + 1, true});
    send_entry(ring_.back(), now_ns());
    return;
  }
  hold(lane, outcome);
  if (!entry.sync) return;  // its batch's Sync is still to come
  // The Sync: the operation (or its whole batch) committed, or failed. Completing lanes start
  // new operations, so the batch is handed over first.
  completing_.swap(held_);
  held_.clear();
  completing_verdict_.swap(batch_);
  batch_.clear();
  for (const Held& h : completing_) complete(*h.lane, h.rows, h.failed_here, arrived);
  completing_.clear();
}

void PgConnection::hold(PgLane& lane, const pg::Outcome& outcome) {
  const bool failed_here = batch_.add(outcome);
  held_.push_back(Held{&lane, outcome.rows, failed_here});
}

void PgConnection::complete(PgLane& lane, std::int64_t rows, bool failed_here, Nanos arrived) {
  const int op = lane.op();
  lane.complete(arrived, [&](OperationStats& stats) {
    if (!completing_verdict_.failed()) {
      if (worker_.protocol().is_read(op)) {
        if (rows > 0) {
          ++stats.hits;
        } else {
          ++stats.misses;
        }
      }
      return;
    }
    example_.clear();
    if (failed_here) {
      if (stats.wants_example(ErrorClass::error_reply))
        example_.append(completing_verdict_.sqlstate()).append(": ").append(completing_verdict_.message());
      stats.count_error_code(completing_verdict_.sqlstate());
    } else if (stats.wants_example(ErrorClass::error_reply)) {
      // A batch is one transaction: an error elsewhere in it rolled this operation back.
      example_.append("rolled back with its batch (")
          .append(completing_verdict_.sqlstate())
          .append(" in another operation)");
    }
    stats.record_error(ErrorClass::error_reply, example_);
  });
}

void PgConnection::drop_connection(std::vector<PgLane*>& failing) {
  corked_ = false;
  reading_ = false;
  writing_ = false;
  front_begun_ = false;
  libpq_.close();  // libpq's messages die here: fail_all copied its example first
  // Operations whose batch never reached its Sync: their outcome is unknown, as in flight.
  for (const Held& h : held_) failing.push_back(h.lane);
  held_.clear();
  batch_.clear();
  batch_open_ = false;
}

}  // namespace surge
