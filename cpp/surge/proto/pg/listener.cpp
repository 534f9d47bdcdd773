#include "surge/proto/pg/listener.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <limits>

#include "surge/engine/pipelined_lane.hpp"
#include "surge/engine/worker.hpp"
#include "surge/proto/pg/connection.hpp"
#include "surge/proto/pg/protocol.hpp"

namespace surge {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr Nanos kRetryPause = 100 * kNanosPerMilli;

// LISTEN takes an identifier: quoted, so the channel keeps its case as pg_notify() uses it.
std::string listen_statement(const std::string& channel) {
  std::string sql = "LISTEN \"";
  for (const char c : channel) {
    if (c == '"') sql.push_back('"');
    sql.push_back(c);
  }
  return sql + "\"";
}
}  // namespace

PgListener::PgListener(Worker<PgProtocol>& worker, int op, const std::string& channel)
    : worker_(worker),
      op_(op),
      listen_sql_(listen_statement(channel)),
      connection_(worker.context()),
      retry_timer_(worker.context()) {}

void PgListener::start() {
  if (stopped_) return;
  ++generation_;
  reading_ = false;
  connection_.connect(worker_.protocol().shared(), [this, generation = generation_](std::string_view error) {
    if (generation != generation_ || stopped_) return;
    if (!error.empty()) {
      lost(error);
      return;
    }
    on_connected();
  });
}

void PgListener::on_connected() {
  if (PQsendQuery(connection_.get(), listen_sql_.c_str()) == 0 || PQflush(connection_.get()) < 0) {
    lost(connection_.error_message());
    return;
  }
  wait_readable();
}

void PgListener::wait_readable() {
  if (reading_) return;
  reading_ = true;
  connection_.when_readable([this] {
    reading_ = false;
    on_readable();
  });
}

void PgListener::on_readable() {
  PGconn* conn = connection_.get();
  if (PQconsumeInput(conn) == 0) {
    lost(connection_.error_message());
    return;
  }
  // The LISTEN command's own result; an error here (a bad channel) is counted once.
  while (PQisBusy(conn) == 0) {
    PGresult* result = PQgetResult(conn);
    if (result == nullptr) break;
    if (PQresultStatus(result) == PGRES_FATAL_ERROR) {
      if (auto* stats = worker_.stats(op_, now_ns()))
        stats->record_failure(ErrorClass::error_reply, "LISTEN failed");
    }
    PQclear(result);
  }
  while (PGnotify* notification = PQnotifies(conn)) {
    record(notification->extra);
    PQfreemem(notification);
  }
  if (PQstatus(conn) == CONNECTION_BAD) {
    lost(connection_.error_message());
    return;
  }
  wait_readable();
}

void PgListener::record(const char* payload) {
  const Nanos received = now_ns();
  Nanos sent = 0;
  const char* end = payload + std::strlen(payload);
  const auto [after, ec] = std::from_chars(payload, end, sent);
  if (ec != std::errc{} || sent <= 0 || sent > received) {
    if (auto* stats = worker_.stats(op_, received))
      stats->record_failure(ErrorClass::malformed,
                            "a notification whose payload does not start with {now_ns}");
    return;
  }
  // Warm-up exclusion and intervals follow the send time, like a request's intended start.
  if (auto* stats = worker_.stats(op_, sent))
    stats->record_timed(sent, sent, received, std::numeric_limits<Nanos>::max());
}

void PgListener::lost(std::string_view why) {
  if (auto* stats = worker_.stats(op_, now_ns())) stats->record_failure(ErrorClass::reset, why);
  ++generation_;
  connection_.close();
  retry_timer_.expires_after(std::chrono::nanoseconds(kRetryPause));
  retry_timer_.async_wait([this](const error_code& ec) {
    if (!ec && !stopped_) start();
  });
}

void PgListener::shutdown() {
  stopped_ = true;
  ++generation_;
  retry_timer_.cancel();
  connection_.close();
}

}  // namespace surge
