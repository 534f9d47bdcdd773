// One pipelined Redis connection, shared by up to P lanes of one worker thread. Lanes append
// their commands; a posted flush writes everything queued in one syscall; replies come back in
// order and go to the lanes in the order their commands were written. On connect it sends AUTH
// and SELECT first. A lost connection fails the lanes it carried (counted), and the next
// command reconnects; refused connects back off from 10 ms to 1 s.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/fixed_ring.hpp"
#include "surge/core/read_buffer.hpp"
#include "surge/engine/lane_backoff.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/proto/redis/resp_reader.hpp"

namespace surge {

class RedisProtocol;
template <class Protocol>
class Worker;
template <class Protocol>
class PipelinedLane;
using RedisLane = PipelinedLane<RedisProtocol>;

class RedisPipe {
 public:
  RedisPipe(Worker<RedisProtocol>& worker, int capacity);

  void connect();
  // Queues the lane's command (built now) for the next flush.
  void enqueue(RedisLane& lane);
  // Closes the connection when its oldest command has passed the request timeout.
  void check_deadline(Nanos now);
  void shutdown();

 private:
  enum class State { closed, connecting, ready };
  struct Entry {
    RedisLane* lane;  // nullptr: a handshake reply (AUTH, SELECT)
  };

  void start_connect();
  void on_connect(const boost::system::error_code& ec);
  void schedule_flush();
  void flush();
  void start_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void deliver();
  void classify(int op, const redis::Reply& reply, OperationStats& stats) const;
  // Fails every lane in flight; with back_off the lanes wait out a growing pause first.
  void fail_all(ErrorClass error, std::string_view example, bool back_off);

  Worker<RedisProtocol>& worker_;
  boost::asio::generic::stream_protocol::socket socket_;
  LaneBackoff<PipelinedLane<RedisProtocol>> backoff_;
  redis::RespReader reader_;
  ReadBuffer read_buffer_;
  std::string out_;         // commands waiting for the next flush
  std::string writing_;     // the bytes of the write in progress
  FixedRing<Entry> ring_;   // in flight, oldest first
  std::size_t unsent_ = 0;  // entries at the tail whose bytes are still in out_
  std::vector<RedisLane*> failing_;
  std::uint64_t generation_ = 0;  // one per connection attempt: stale handlers compare it
  State state_ = State::closed;
  bool write_pending_ = false;
  bool flush_posted_ = false;
  bool delivering_ = false;  // inside deliver(): new commands wait for its closing flush
  bool timed_out_ = false;
  bool stopped_ = false;
  Nanos connect_deadline_ = 0;
};

}  // namespace surge
