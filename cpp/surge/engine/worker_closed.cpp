// The closed model of Worker: users, each on its own connection, loop over the
// operations with think time between requests. The number of active users follows the users
// curve (a fixed count, a spawn-rate ramp or k6-style stages); a user above the count finishes
// its request and leaves. Without pacing, a request is intended when it is sent; with pacing
// it is intended at its slot, so a user that falls behind shows schedule lag.
#include <cmath>

#include "surge/engine/protocols.hpp"
#include "surge/engine/worker.hpp"

namespace surge {

namespace {
// The user count is re-read just after each whole-number change of the curve; the margin keeps
// floating-point rounding from reading the old count at the boundary.
constexpr Nanos kUserChangeMargin = 2 * kNanosPerMicro;
}  // namespace

template <class Protocol>
void Worker<Protocol>::start_closed() {
  const auto per_user = spec_.load.iterations_per_user;
  for (auto& u : users_) u.iterations_left = per_user > 0 ? per_user : -1;
  update_users();
}

template <class Protocol>
void Worker<Protocol>::update_users() {
  if (draining_ || stopping_) return;
  const Nanos now = now_ns();
  const double t = run_time_s(now);
  const auto global = static_cast<std::int64_t>(std::floor(spec_.load.users.value_at(t) + 1e-9));
  active_target_ = std::min<std::int64_t>(worker_share(global, index_, worker_count_),
                                          static_cast<std::int64_t>(users_.size()));
  // Mark first, then start, so a user that stops at once cannot end the run for the others.
  std::vector<Connection*> starting;
  for (std::size_t k = 0; k < users_.size(); ++k) {
    User& u = users_[k];
    u.active = static_cast<std::int64_t>(k) < active_target_;
    if (u.active && !u.running) {
      u.running = true;
      ++running_users_;
      starting.push_back(connections_[k].get());
    } else if (!u.active && u.thinking) {
      connections_[k]->cancel_wait();
      u.thinking = false;
      park(*connections_[k]);
    }
  }
  for (auto* c : starting) user_next(*c, now);
  const double next = spec_.load.users.next_whole_change(t);
  if (now < clock_.measure_end && std::isfinite(next)) {
    const Nanos at = clock_.t0 + static_cast<Nanos>(next * 1e9) + kUserChangeMargin;
    pacer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(std::max(at, now + 1))));
    pacer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) update_users();
    });
  } else {
    maybe_finish();
  }
}

template <class Protocol>
void Worker<Protocol>::user_next(Connection& connection, Nanos now) {
  User& u = users_[static_cast<std::size_t>(connection.index())];
  if (!u.running || u.thinking) return;
  if (draining_ || stopping_ || !u.active || u.iterations_left == 0 || remaining_ == 0 ||
      now >= clock_.measure_end) {
    park(connection);
    return;
  }
  const Nanos start = u.last_start < 0 ? now : spec_.load.think.next_start(u.last_start, now, rng_);
  if (start > now) {
    u.thinking = true;
    u.next_start = start;
    connection.think_until(start);
    return;
  }
  launch(connection, spec_.load.think.is_pacing() ? start : now, now);
}

template <class Protocol>
void Worker<Protocol>::user_wakes(Connection& connection) {
  User& u = users_[static_cast<std::size_t>(connection.index())];
  if (!u.running || !u.thinking) return;
  u.thinking = false;
  const Nanos now = now_ns();
  if (draining_ || stopping_ || !u.active || now >= clock_.measure_end) {
    park(connection);
    return;
  }
  launch(connection, spec_.load.think.is_pacing() ? u.next_start : now, now);
}

template <class Protocol>
void Worker<Protocol>::launch(Connection& connection, Nanos intended, Nanos now) {
  User& u = users_[static_cast<std::size_t>(connection.index())];
  if (!take_quota(intended)) {
    park(connection);
    return;
  }
  if (u.iterations_left > 0 && intended >= clock_.measure_start) --u.iterations_left;
  u.last_start = now;
  send(connection, pick_operation(), intended);
}

template <class Protocol>
void Worker<Protocol>::park(Connection& connection) {
  User& u = users_[static_cast<std::size_t>(connection.index())];
  if (!u.running) return;
  u.running = false;
  --running_users_;
  if (!u.active) connection.disconnect();  // a user that leaves closes its connection
  maybe_finish();
}

template <class Protocol>
void Worker<Protocol>::stop_thinking() {
  // Drain: users that are thinking or backing off will not send again.
  for (std::size_t k = 0; k < users_.size(); ++k) {
    User& u = users_[k];
    if (!u.running || connections_[k]->busy() || in_delay(*connections_[k])) continue;
    connections_[k]->cancel_wait();
    u.thinking = false;
    park(*connections_[k]);
  }
}

template class Worker<HttpProtocol>;
template class Worker<RedisProtocol>;
template class Worker<PgProtocol>;

}  // namespace surge
