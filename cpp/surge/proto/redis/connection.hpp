// One pipelined Redis connection, shared by up to P lanes of one worker thread. Lanes append
// their commands; a posted flush writes everything queued in one syscall; replies come back in
// order and go to the lanes in the order their commands were written. On connect it sends AUTH
// and SELECT first. What every pipelined connection does alike (deadlines, failing the lanes,
// the back-off) is PipelinedConnection's.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/read_buffer.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/pipelined_connection.hpp"
#include "surge/engine/pipelined_lane.hpp"
#include "surge/engine/stream_socket.hpp"
#include "surge/proto/redis/protocol.hpp"
#include "surge/proto/redis/resp_reader.hpp"
#include "surge/proto/tls/tls_transport.hpp"

namespace surge {

using RedisLane = PipelinedLane<RedisProtocol>;

struct RedisEntry {
  RedisLane* lane;      // nullptr: a handshake reply (AUTH, SELECT, READONLY), or ASKING's
  bool asking = false;  // the reply to ASKING, sent ahead of a command an ASK redirected
};

class RedisConnection : public PipelinedConnection<RedisConnection, Worker<RedisProtocol>, RedisEntry> {
 public:
  // `node`: the node it connects to (0 against one server), as the protocol numbers them.
  RedisConnection(Worker<RedisProtocol>& worker, int node, int capacity);

  // Queues the lane's command (built now) for the next flush.
  void enqueue(RedisLane& lane);
  // Queues a command already built (a cluster's, kept for a redirect); with `asking`, after an
  // ASKING of its own, as an ASK redirect demands.
  void enqueue_command(RedisLane& lane, std::string_view command, bool asking);

 private:
  friend PipelinedConnection;

  void start_connect();
  void drop_connection(std::vector<RedisLane*>& failing);
  void on_connect(const boost::system::error_code& ec);
  void connection_ready();  // TCP up (and TLS done): send the set-up, start reading
  void on_cipher(const boost::system::error_code& ec);
  bool deliver_plaintext();
  void schedule_flush();
  void flush();
  void start_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void deliver();
  void classify(int op, const redis::Reply& reply, OperationStats& stats) const;
  void queue(const RedisEntry& entry);
  // A cluster's node answered the lane: its own figures, and true when the reply was a redirect
  // the route has sent on (the lane has no outcome yet).
  bool redirected(RedisLane& lane, const redis::Reply& reply, Nanos arrived);

  int node_;
  GenericStreamSocket socket_;  // epoll or io_uring, as the run chose
  redis::RespReader reader_;
  ReadBuffer read_buffer_;
  std::string out_;      // commands waiting for the next flush
  std::string writing_;  // the bytes of the write in progress
  bool write_pending_ = false;
  bool flush_posted_ = false;
  bool delivering_ = false;  // inside deliver(): new commands wait for its closing flush
  tls::Transport tls_;       // rediss://; disabled otherwise
  std::string wire_;         // ciphertext of writing_
  Nanos handshake_started_ = 0;
};

}  // namespace surge
