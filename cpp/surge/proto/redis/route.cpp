#include "surge/proto/redis/route.hpp"

#include "surge/engine/pipelined_lane.hpp"
#include "surge/proto/redis/connection.hpp"
#include "surge/proto/redis/protocol.hpp"

namespace surge {

namespace {
// Redis' own clients give up after a handful of redirects; more means slots still moving.
constexpr int kMostRedirects = 5;
}  // namespace

RedisRoute::RedisRoute(Worker<RedisProtocol>& worker, int group, int pipeline)
    : worker_(worker),
      group_(group),
      pipeline_(pipeline),
      commands_(static_cast<std::size_t>(pipeline)),
      redirects_(static_cast<std::size_t>(pipeline), 0) {}

RedisRoute::~RedisRoute() = default;

RedisConnection& RedisRoute::to(int node) {
  if (worker_.protocol().cluster() != nullptr) return worker_.protocol().shared_connection(node, group_);
  if (!single_) single_ = std::make_unique<RedisConnection>(worker_, 0, pipeline_);
  return *single_;
}

template <class Visit>
void RedisRoute::each_connection(Visit&& visit) const {
  if (single_) visit(*single_);
  worker_.protocol().each_shared_connection(group_, visit);
}

std::size_t RedisRoute::slot_of(const RedisLane& lane) const noexcept {
  return static_cast<std::size_t>(lane.index() % pipeline_);
}

void RedisRoute::connect() {
  auto* cluster = worker_.protocol().cluster();
  if (cluster == nullptr) {
    to(0).connect();
    return;
  }
  for (const int node : cluster->primaries()) to(node).connect();
}

void RedisRoute::enqueue(RedisLane& lane) {
  auto& protocol = worker_.protocol();
  auto* cluster = protocol.cluster();
  if (cluster == nullptr) {
    to(0).enqueue(lane);
    return;
  }
  auto& command = commands_[slot_of(lane)];
  command.clear();
  protocol.append_command(lane.op(), command, worker_.rng());
  redirects_[slot_of(lane)] = 0;
  const int node = cluster->node_for(lane.op(), protocol.arguments(lane.op()), spread_++);
  to(node).enqueue_command(lane, command, false);
}

bool RedisRoute::redirect(RedisLane& lane, const redis::Redirect& redirect, int from) {
  auto& cluster = *worker_.protocol().cluster();
  if (auto* stats = lane.stats()) ++stats->redirects;
  if (++redirects_[slot_of(lane)] > kMostRedirects) return false;
  const int node = cluster.node_at(redirect.address, from);
  if (!redirect.ask) cluster.moved(redirect.slot, node);
  to(node).enqueue_command(lane, commands_[slot_of(lane)], redirect.ask);
  return true;
}

void RedisRoute::check_deadline(Nanos now) {
  each_connection([now](RedisConnection& c) { c.check_deadline(now); });
}

void RedisRoute::shutdown() {
  each_connection([](RedisConnection& c) { c.shutdown(); });
}

bool RedisRoute::opening() const noexcept {
  bool opening = false;
  each_connection([&](RedisConnection& c) { opening = opening || c.opening(); });
  return opening;
}

}  // namespace surge
