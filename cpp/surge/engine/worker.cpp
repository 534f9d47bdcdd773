#include "surge/engine/worker.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>
#include <functional>

#include "surge/engine/protocols.hpp"

namespace surge {

namespace asio = boost::asio;

template <class Protocol>
Worker<Protocol>::Worker(const Spec& spec, const Shared& shared, const RunClock& clock, RunSignal& signal,
                         int index, int worker_count)
    : spec_(spec),
      clock_(clock),
      signal_(signal),
      index_(index),
      worker_count_(worker_count),
      guard_(context_.get_executor()),
      pacer_(context_),
      sweeper_(context_),
      sweep_period_(std::clamp<Nanos>(std::min(spec.connect_timeout, spec.request_timeout) / 8,
                                      kNanosPerMilli, 100 * kNanosPerMilli)),
      late_after_(spec.load.model == LoadModel::open || spec.load.think.is_pacing()
                      ? spec.load.late_after
                      : std::numeric_limits<Nanos>::max()),
      rng_(spec.seed * 0x100000001B3ULL + static_cast<std::uint64_t>(index) + 1),
      protocol_(spec, shared, index, worker_count),
      active_(std::make_unique<StatsBlock>(spec.operations.size())),
      spare_(std::make_unique<StatsBlock>(spec.operations.size())),
      delay_timer_(context_) {
  double total_weight = 0;
  for (const auto& op : spec.operations) total_weight += op.weight;
  double cumulative = 0;
  for (const auto& op : spec.operations) {
    cumulative += op.weight;
    weight_thresholds_.push_back(
        static_cast<std::uint64_t>(std::ldexp(std::min(cumulative / total_weight, 1.0), 63)));
  }
  // The last operation that can be drawn takes every draw above the one before it; operations
  // of weight 0 after it (receivers such as NOTIFY listeners) are never reached.
  for (auto k = spec.operations.size(); k-- > 0;) {
    if (spec.operations[k].weight > 0) {
      weight_thresholds_[k] = std::numeric_limits<std::uint64_t>::max();
      break;
    }
  }

  const auto& load = spec.load;
  if (load.requests > 0) remaining_ = worker_share(load.requests, index, worker_count);
  std::int64_t connections = 0;
  if (load.model == LoadModel::open) {
    connections = worker_share(load.connections, index, worker_count);
    pool_limit_ = static_cast<std::size_t>(
        std::max<std::int64_t>(worker_share(load.pool_limit(), index, worker_count), 1));
    schedule_.emplace(load.rate, clock.t0, index, worker_count, load.arrivals,
                      spec.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(index));
    backlog_.resize(static_cast<std::size_t>(
        std::max<std::int64_t>(1, worker_share(load.max_backlog, index, worker_count))));
    idle_.reserve(pool_limit_);
  } else {
    connections = worker_share(load.peak_users(), index, worker_count);
    users_.resize(static_cast<std::size_t>(connections));
  }
  connections_.reserve(std::max<std::size_t>(pool_limit_, static_cast<std::size_t>(connections)));
  if (spec.network_latency > 0 || spec.network_jitter > 0) {
    // Every connection is in the delay queue at most once: sized once, never reallocated.
    const std::size_t most = std::max<std::size_t>(pool_limit_, static_cast<std::size_t>(connections));
    delayed_.reserve(most);
    in_delay_.assign(most, 0);
  }
  for (std::int64_t i = 0; i < connections; ++i)
    connections_.push_back(std::make_unique<Connection>(*this, static_cast<int>(i)));
}

template <class Protocol>
void Worker<Protocol>::run() {
  // Open connections during the lead before t0, so connect time does not show up as lag of
  // the first requests. Nothing is sent before t0: a run without warm-up measures its first.
  if (spec_.load.model == LoadModel::open) {
    for (auto& c : connections_) c->connect();
  } else {
    const double at_start = std::floor(spec_.load.users.value_at(0) + 1e-9);
    const auto users = worker_share(static_cast<std::int64_t>(at_start), index_, worker_count_);
    for (std::int64_t k = 0; k < users && k < static_cast<std::int64_t>(connections_.size()); ++k)
      connections_[static_cast<std::size_t>(k)]->connect();
  }
  pacer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(clock_.t0)));
  pacer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) start();
  });
  context_.run();
}

template <class Protocol>
void Worker<Protocol>::start() {
  sweep();
  if (remaining_ == 0 || connections_.empty()) {
    schedule_done_ = true;
    maybe_finish();
    return;
  }
  if (spec_.load.model == LoadModel::open) {
    start_open();
  } else {
    start_closed();
  }
}

template <class Protocol>
int Worker<Protocol>::pick_operation() noexcept {
  if (weight_thresholds_.size() == 1) return 0;
  const std::uint64_t draw = rng_() >> 1;
  int op = 0;
  while (draw >= weight_thresholds_[static_cast<std::size_t>(op)]) ++op;
  return op;
}

template <class Protocol>
bool Worker<Protocol>::take_quota(Nanos intended) noexcept {
  if (intended < clock_.measure_start) return true;  // warm-up requests are not part of -n
  if (remaining_ == 0) return false;
  if (remaining_ > 0) --remaining_;
  return true;
}

template <class Protocol>
void Worker<Protocol>::send(Connection& connection, int op, Nanos intended) {
  ++in_flight_;
  if (in_delay_.empty()) {
    connection.send(op, intended, 0);
    return;
  }
  Nanos delay = spec_.network_latency;
  if (spec_.network_jitter > 0) delay += rng_.between(0, spec_.network_jitter);
  delayed_.push_back(Delayed{now_ns() + delay, delay, &connection, op, intended});
  std::push_heap(delayed_.begin(), delayed_.end(), std::greater<>{});
  in_delay_[static_cast<std::size_t>(connection.index())] = 1;
  arm_delay_timer();
}

template <class Protocol>
void Worker<Protocol>::arm_delay_timer() {
  if (delayed_.empty()) return;
  const Nanos due = delayed_.front().due;
  if (delay_timer_due_ != 0 && delay_timer_due_ <= due) return;  // an earlier wake-up is set
  delay_timer_due_ = due;
  delay_timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due)));
  delay_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    delay_timer_due_ = 0;
    send_delayed();
  });
}

template <class Protocol>
void Worker<Protocol>::send_delayed() {
  const Nanos now = now_ns();
  while (!delayed_.empty() && delayed_.front().due <= now) {
    std::pop_heap(delayed_.begin(), delayed_.end(), std::greater<>{});
    const Delayed d = delayed_.back();
    delayed_.pop_back();
    in_delay_[static_cast<std::size_t>(d.connection->index())] = 0;
    d.connection->send(d.op, d.intended, d.delay);
  }
  arm_delay_timer();
}

template <class Protocol>
void Worker<Protocol>::request_finished(Connection& connection, bool available, Nanos now) {
  --in_flight_;
  // A connection that is backing off comes back through connection_available(); a closed-model
  // user stays running meanwhile.
  if (available) {
    connection_available(connection, now);
  } else {
    maybe_finish();
  }
}

template <class Protocol>
void Worker<Protocol>::connection_available(Connection& connection, Nanos now) {
  if (stopping_) return;
  if (spec_.load.model == LoadModel::open) {
    open_connection_free(connection);
  } else {
    user_next(connection, now);
  }
}

template <class Protocol>
void Worker<Protocol>::sweep() {
  if (stopping_) return;
  const Nanos now = now_ns();
  for (auto& c : connections_) c->check_deadline(now);
  sweeper_.expires_after(std::chrono::nanoseconds(sweep_period_));
  sweeper_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) sweep();
  });
}

template <class Protocol>
bool Worker<Protocol>::schedule_over() noexcept {
  if (spec_.load.model == LoadModel::open) return schedule_done_;
  const Nanos now = now_ns();
  if (schedule_done_ || remaining_ == 0 || now >= clock_.measure_end) return true;
  // An active user with iterations left is always running, so with none running and no ramp
  // ahead nothing more will be sent.
  return running_users_ == 0 && !spec_.load.users.changes_after(run_time_s(now));
}

template <class Protocol>
void Worker<Protocol>::maybe_finish() {
  if (finished_ || in_flight_ > 0 || backlog_size_ > 0) return;
  if (spec_.load.model == LoadModel::closed && running_users_ > 0) return;
  if (!(draining_ || schedule_over())) return;
  finished_ = true;
  finished_at_ = now_ns();
  pacer_.cancel();
  done_.store(true, std::memory_order_release);
  signal_.worker_done();
}

template <class Protocol>
std::future<StatsBlock*> Worker<Protocol>::swap_interval() {
  auto promise = std::make_shared<std::promise<StatsBlock*>>();
  auto future = promise->get_future();
  asio::post(context_, [this, promise] {
    std::swap(active_, spare_);
    spare_->active_users = active_target_;
    promise->set_value(spare_.get());
  });
  return future;
}

template <class Protocol>
void Worker<Protocol>::drain() {
  asio::post(context_, [this] {
    draining_ = true;
    pacer_.cancel();
    stop_thinking();
    maybe_finish();
  });
}

template <class Protocol>
void Worker<Protocol>::shutdown() {
  stopping_ = true;
  unfinished_ = in_flight_ + static_cast<std::int64_t>(backlog_size_);
  pacer_.cancel();
  sweeper_.cancel();
  delay_timer_.cancel();
  for (auto& c : connections_) c->shutdown();
  // Protocol-owned connections outside the load (PostgreSQL's LISTEN connections).
  if constexpr (requires { protocol_.shutdown(); }) protocol_.shutdown();
  if (!finished_) {
    finished_ = true;
    finished_at_ = now_ns();
    done_.store(true, std::memory_order_release);
    signal_.worker_done();
  }
  guard_.reset();
}

template <class Protocol>
void Worker<Protocol>::end() {
  asio::post(context_, [this] { shutdown(); });
}

template class Worker<HttpProtocol>;
template class Worker<RedisProtocol>;
template class Worker<PgProtocol>;

}  // namespace surge
