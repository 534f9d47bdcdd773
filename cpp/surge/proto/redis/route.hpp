// The way a group of lanes (those of one pipelined connection) reaches Redis. Against one
// server it is one connection. Against a cluster each command goes to the node serving its
// key's slot, over a connection to that node that N groups share (N: the primaries), so that
// a connection still carries about P commands in flight and `-c 50` means 50 connections in
// all, as redis-benchmark --cluster counts them. A MOVED or ASK reply sends the command again
// where the node said, as the same request: one outcome, timed from its intended start, with
// the redirect counted.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/proto/redis/cluster_slots.hpp"

namespace surge {

class RedisConnection;
class RedisProtocol;
template <class P>
class PipelinedLane;
template <class P>
class Worker;
using RedisLane = PipelinedLane<RedisProtocol>;

class RedisRoute {
 public:
  RedisRoute(Worker<RedisProtocol>& worker, int group, int pipeline);
  RedisRoute(const RedisRoute&) = delete;
  RedisRoute& operator=(const RedisRoute&) = delete;
  ~RedisRoute();

  // The PipelinedLane's side: the same calls as one connection.
  void connect();  // a cluster's: one connection to every primary, ahead of the load
  void enqueue(RedisLane& lane);
  void check_deadline(Nanos now);
  void shutdown();
  [[nodiscard]] bool opening() const noexcept;

  // The connection's side: `from` answered the lane's command with a redirect. Returns false
  // when the command has been redirected too often (a cluster in flux): the reply is its outcome.
  bool redirect(RedisLane& lane, const redis::Redirect& redirect, int from);

 private:
  RedisConnection& to(int node);
  [[nodiscard]] std::size_t slot_of(const RedisLane& lane) const noexcept;
  template <class Visit>
  void each_connection(Visit&& visit) const;

  Worker<RedisProtocol>& worker_;
  int group_;
  int pipeline_;
  std::unique_ptr<RedisConnection> single_;  // against one server
  std::vector<std::string> commands_;        // per lane of the group: its command, kept for a redirect
  std::vector<int> redirects_;               // per lane: redirects of the command in flight
  unsigned spread_ = 0;
};

}  // namespace surge
