#include "surge/engine/http_worker.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>

namespace surge {

namespace asio = boost::asio;

HttpWorker::HttpWorker(const HttpRunSpec& spec, const RunClock& clock, RunSignal& signal, int index,
                       int worker_count, asio::ip::tcp::endpoint endpoint)
    : spec_(spec),
      clock_(clock),
      signal_(signal),
      index_(index),
      worker_count_(worker_count),
      endpoint_(endpoint),
      guard_(context_.get_executor()),
      pacer_(context_),
      sweeper_(context_),
      sweep_period_(std::clamp<Nanos>(std::min(spec.connect_timeout, spec.request_timeout) / 8,
                                      kNanosPerMilli, 100 * kNanosPerMilli)),
      late_after_(spec.load.model == LoadModel::open || spec.load.think.is_pacing()
                      ? spec.load.late_after
                      : std::numeric_limits<Nanos>::max()),
      rng_(spec.seed * 0x100000001B3ULL + static_cast<std::uint64_t>(index) + 1),
      active_(std::make_unique<StatsBlock>(spec.operations.size())),
      spare_(std::make_unique<StatsBlock>(spec.operations.size())) {
  const std::string host_header =
      spec.host_header.empty() ? spec.host + ":" + std::to_string(spec.port) : spec.host_header;
  double total_weight = 0;
  for (const auto& op : spec.operations) total_weight += op.weight;
  double cumulative = 0;
  for (const auto& op : spec.operations) {
    builders_.emplace_back(op.request, host_header);
    builders_.back().partition(index, worker_count);
    cumulative += op.weight;
    weight_thresholds_.push_back(
        static_cast<std::uint64_t>(std::ldexp(std::min(cumulative / total_weight, 1.0), 63)));
  }
  weight_thresholds_.back() = std::numeric_limits<std::uint64_t>::max();

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
  for (std::int64_t i = 0; i < connections; ++i)
    connections_.push_back(std::make_unique<HttpConnection>(*this, endpoint, static_cast<int>(i)));
}

void HttpWorker::run() {
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

void HttpWorker::start() {
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

int HttpWorker::pick_operation() noexcept {
  if (weight_thresholds_.size() == 1) return 0;
  const std::uint64_t draw = rng_() >> 1;
  int op = 0;
  while (draw >= weight_thresholds_[static_cast<std::size_t>(op)]) ++op;
  return op;
}

bool HttpWorker::take_quota(Nanos intended) noexcept {
  if (intended < clock_.measure_start) return true;  // warm-up requests are not part of -n
  if (remaining_ == 0) return false;
  if (remaining_ > 0) --remaining_;
  return true;
}

void HttpWorker::send(HttpConnection& connection, int op, Nanos intended) {
  ++in_flight_;
  connection.send(op, intended);
}

void HttpWorker::request_finished(HttpConnection& connection, bool available) {
  --in_flight_;
  // A connection that is backing off comes back through connection_available(); a closed-model
  // user stays running meanwhile.
  if (available) {
    connection_available(connection);
  } else {
    maybe_finish();
  }
}

void HttpWorker::connection_available(HttpConnection& connection) {
  if (stopping_) return;
  if (spec_.load.model == LoadModel::open) {
    open_connection_free(connection);
  } else {
    user_next(connection);
  }
}

void HttpWorker::sweep() {
  if (stopping_) return;
  const Nanos now = now_ns();
  for (auto& c : connections_) c->check_deadline(now);
  sweeper_.expires_after(std::chrono::nanoseconds(sweep_period_));
  sweeper_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) sweep();
  });
}

bool HttpWorker::schedule_over() noexcept {
  if (spec_.load.model == LoadModel::open) return schedule_done_;
  const Nanos now = now_ns();
  if (schedule_done_ || remaining_ == 0 || now >= clock_.measure_end) return true;
  // An active user with iterations left is always running, so with none running and no ramp
  // ahead nothing more will be sent.
  return running_users_ == 0 && !spec_.load.users.changes_after(run_time_s(now));
}

void HttpWorker::maybe_finish() {
  if (finished_ || in_flight_ > 0 || backlog_size_ > 0) return;
  if (spec_.load.model == LoadModel::closed && running_users_ > 0) return;
  if (!(draining_ || schedule_over())) return;
  finished_ = true;
  finished_at_ = now_ns();
  pacer_.cancel();
  done_.store(true, std::memory_order_release);
  signal_.worker_done();
}

std::optional<ErrorClass> HttpWorker::classify(int op, const http::ResponseReader& reader) const {
  const auto& operation = spec_.operations[static_cast<std::size_t>(op)];
  const int status = reader.status();
  bool status_ok = status < 400;
  if (!operation.expect_status.empty())
    status_ok = std::find(operation.expect_status.begin(), operation.expect_status.end(), status) !=
                operation.expect_status.end();
  if (!status_ok) {
    if (status >= 500) return ErrorClass::http_5xx;
    if (status >= 400) return ErrorClass::http_4xx;
    return ErrorClass::check_failed;
  }
  if (!operation.expect_body.empty() && reader.body().find(operation.expect_body) == std::string_view::npos)
    return ErrorClass::check_failed;
  return std::nullopt;
}

std::future<StatsBlock*> HttpWorker::swap_interval() {
  auto promise = std::make_shared<std::promise<StatsBlock*>>();
  auto future = promise->get_future();
  asio::post(context_, [this, promise] {
    std::swap(active_, spare_);
    spare_->active_users = active_target_;
    promise->set_value(spare_.get());
  });
  return future;
}

void HttpWorker::drain() {
  asio::post(context_, [this] {
    draining_ = true;
    pacer_.cancel();
    stop_thinking();
    maybe_finish();
  });
}

void HttpWorker::shutdown() {
  stopping_ = true;
  unfinished_ = in_flight_ + static_cast<std::int64_t>(backlog_size_);
  pacer_.cancel();
  sweeper_.cancel();
  for (auto& c : connections_) c->shutdown();
  if (!finished_) {
    finished_ = true;
    finished_at_ = now_ns();
    done_.store(true, std::memory_order_release);
    signal_.worker_done();
  }
  guard_.reset();
}

void HttpWorker::end() {
  asio::post(context_, [this] { shutdown(); });
}

}  // namespace surge
