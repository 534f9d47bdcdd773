// The open model of Worker: intended starts come from the arrival schedule, whatever the
// server does; a request that finds no free connection grows the pool (up to its limit) or
// waits in the backlog, and its response time still counts from its intended start.
#include <algorithm>

#include "surge/engine/protocols.hpp"
#include "surge/engine/worker.hpp"

namespace surge {

template <class Protocol>
void Worker<Protocol>::start_open() {
  for (auto& c : connections_) idle_.push_back(c.get());
  next_intended_ = schedule_->next();
  arm_pacer();
}

template <class Protocol>
void Worker<Protocol>::arm_pacer() {
  if (next_intended_ == ArrivalSchedule::kNever) {
    schedule_done_ = true;
    maybe_finish();
    return;
  }
  pacer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next_intended_)));
  pacer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_pacer();
  });
}

template <class Protocol>
void Worker<Protocol>::on_pacer() {
  if (draining_ || stopping_) return;
  const Nanos now = now_ns();
  // Every arrival that is due goes out now with its own intended time: a late wake-up never
  // shifts later arrivals, it only shows as schedule lag.
  while (next_intended_ <= now) {
    if (next_intended_ >= clock_.measure_end || !take_quota(next_intended_)) {
      schedule_done_ = true;
      maybe_finish();
      return;
    }
    dispatch(pick_operation(), next_intended_);
    next_intended_ = schedule_->next();
  }
  arm_pacer();
}

template <class Protocol>
typename Worker<Protocol>::Connection* Worker<Protocol>::grow_pool() {
  if (connections_.size() >= pool_limit_) return nullptr;
  connections_.push_back(std::make_unique<Connection>(*this, static_cast<int>(connections_.size())));
  return connections_.back().get();
}

template <class Protocol>
void Worker<Protocol>::dispatch(int op, Nanos intended) {
  Connection* c = nullptr;
  if (!idle_.empty()) {
    c = idle_.back();
    idle_.pop_back();
  } else {
    c = grow_pool();
  }
  if (c != nullptr) {
    send(*c, op, intended);
    return;
  }
  if (backlog_size_ < backlog_.size()) {
    backlog_[(backlog_head_ + backlog_size_) % backlog_.size()] = Pending{intended, op};
    ++backlog_size_;
    return;
  }
  if (auto* s = stats(op, intended)) ++s->dropped;
}

template <class Protocol>
void Worker<Protocol>::open_connection_free(Connection& connection) {
  if (backlog_size_ > 0) {
    const Pending next = backlog_[backlog_head_];
    backlog_head_ = (backlog_head_ + 1) % backlog_.size();
    --backlog_size_;
    send(connection, next.op, next.intended);
    return;
  }
  idle_.push_back(&connection);
  maybe_finish();
}

template class Worker<HttpProtocol>;
template class Worker<RedisProtocol>;
template class Worker<PgProtocol>;

}  // namespace surge
