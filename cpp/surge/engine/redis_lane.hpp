// One lane of a pipelined Redis connection: at most one command in flight, like an HTTP
// connection is to the Worker. It keeps the command's intended start, its send time and its
// operation, and records the outcome when the pipe hands it the reply.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <string_view>

#include "surge/core/clock.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/redis_protocol.hpp"
#include "surge/engine/worker.hpp"
#include "surge/proto/redis/resp_reader.hpp"

namespace surge {

class RedisPipe;

class RedisLane {
 public:
  RedisLane(Worker<RedisProtocol>& worker, int index);

  // The Worker's side (the same as HttpConnection's).
  void connect();
  void send(int op, Nanos intended);
  void think_until(Nanos when);
  void cancel_wait();
  void disconnect() noexcept {}  // the pipe is shared; it stays open for the other lanes
  void check_deadline(Nanos now);
  void shutdown();
  [[nodiscard]] bool busy() const noexcept { return busy_; }
  [[nodiscard]] int index() const noexcept { return index_; }

  // The pipe's side.
  [[nodiscard]] int op() const noexcept { return op_; }
  [[nodiscard]] Nanos sent() const noexcept { return sent_; }
  void mark_sent(Nanos at) noexcept { sent_ = at; }
  void complete(const redis::Reply& reply, Nanos done);
  // `available`: the lane may take another command now; otherwise the pipe gives it back
  // after its back-off.
  void fail(ErrorClass error, std::string_view example, bool available);
  void back_from_backoff();

 private:
  Worker<RedisProtocol>& worker_;
  int index_;
  RedisPipe& pipe_;
  bool checks_pipe_;  // one lane per pipe runs the pipe's deadline check
  boost::asio::steady_timer wait_timer_;
  bool busy_ = false;
  bool stopped_ = false;
  int op_ = 0;
  Nanos intended_ = 0;
  Nanos sent_ = 0;
};

}  // namespace surge
