#include "surge/engine/redis_lane.hpp"

#include <string>

#include "surge/engine/redis_pipe.hpp"

namespace surge {

RedisLane::RedisLane(Worker<RedisProtocol>& worker, int index)
    : worker_(worker),
      index_(index),
      pipe_(worker.protocol().pipe_for(index, worker)),
      checks_pipe_(index % worker.protocol().pipeline() == 0),
      wait_timer_(worker.context()) {}

void RedisLane::connect() {
  pipe_.connect();
}

void RedisLane::send(int op, Nanos intended) {
  busy_ = true;
  op_ = op;
  intended_ = intended;
  pipe_.enqueue(*this);
}

void RedisLane::think_until(Nanos when) {
  wait_timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(when)));
  wait_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) worker_.user_wakes(*this);
  });
}

void RedisLane::cancel_wait() {
  wait_timer_.cancel();
}

void RedisLane::check_deadline(Nanos now) {
  if (checks_pipe_) pipe_.check_deadline(now);
}

void RedisLane::shutdown() {
  stopped_ = true;
  wait_timer_.cancel();
  if (checks_pipe_) pipe_.shutdown();
}

void RedisLane::complete(const redis::Reply& reply, Nanos done) {
  busy_ = false;
  if (auto* stats = worker_.stats(op_, intended_)) {
    stats->record_timed(intended_, sent_, done, worker_.late_after());
    if (reply.kind == redis::ReplyKind::error) {
      stats->record_error(ErrorClass::error_reply, reply.text);
    } else if (worker_.protocol().is_read(op_)) {
      if (reply.kind == redis::ReplyKind::nil) {
        ++stats->misses;
      } else {
        ++stats->hits;
      }
    }
  }
  worker_.request_finished(*this, true, done);
}

void RedisLane::fail(ErrorClass error, std::string_view example, bool available) {
  busy_ = false;
  if (auto* stats = worker_.stats(op_, intended_)) stats->record_failure(error, example);
  worker_.request_finished(*this, available, now_ns());
}

void RedisLane::back_from_backoff() {
  if (!stopped_) worker_.connection_available(*this);
}

}  // namespace surge
