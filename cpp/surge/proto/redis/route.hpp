// The way a group of lanes (those of one pipelined connection) reaches Redis. Against one
// server it is one connection. Against a cluster it is a connection to each node the lanes
// need, and each command goes to the node serving its key's slot; a MOVED or ASK reply sends
// it again where the node said, as the same request: one outcome, timed from its intended
// start, with the redirect counted.
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
  RedisRoute(Worker<RedisProtocol>& worker, int pipeline);
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

  Worker<RedisProtocol>& worker_;
  int pipeline_;
  std::vector<std::unique_ptr<RedisConnection>> by_node_;  // by the cluster router's node index
  std::vector<std::string> commands_;  // per lane of the group: its command, kept for a redirect
  std::vector<int> redirects_;         // per lane: redirects of the command in flight
  unsigned spread_ = 0;
};

}  // namespace surge
