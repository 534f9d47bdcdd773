#include "surge/engine/http_worker.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>

namespace surge {

namespace asio = boost::asio;

namespace {

std::chrono::steady_clock::time_point to_time_point(Nanos t) {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t));
}

std::int64_t share(std::int64_t total, int index, int count) {
  return total / count + (index < total % count ? 1 : 0);
}

}  // namespace

HttpWorker::HttpWorker(const HttpRunSpec& spec, const RunClock& clock, RunSignal& signal, int index,
                       int worker_count, asio::ip::tcp::endpoint endpoint)
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

  const auto connections = share(spec.load.connections, index, worker_count);
  for (std::int64_t i = 0; i < connections; ++i)
    connections_.push_back(std::make_unique<HttpConnection>(*this, endpoint));
  idle_.reserve(connections_.size());
  if (spec.load.requests > 0) remaining_ = share(spec.load.requests, index, worker_count);
  if (spec.load.model == LoadModel::open)
    backlog_.resize(static_cast<std::size_t>(
        std::max<std::int64_t>(1, share(spec.load.max_backlog, index, worker_count))));
}

void HttpWorker::run() {
  // Nothing is sent before t0, so a run without warm-up measures its very first request.
  pacer_.expires_at(to_time_point(clock_.t0));
  pacer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) start();
  });
  context_.run();
}

void HttpWorker::start() {
  sweep();
  if (remaining_ == 0 || connections_.empty()) {
    maybe_finish();
    return;
  }
  if (spec_.load.model == LoadModel::closed) {
    for (auto& c : connections_) connection_available(*c);
  } else {
    for (auto& c : connections_) idle_.push_back(c.get());
    next_intended_ =
        clock_.t0 + static_cast<Nanos>(std::llround(static_cast<double>(index_) * 1e9 / spec_.load.rate));
    arm_pacer();
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

void HttpWorker::arm_pacer() {
  pacer_.expires_at(to_time_point(next_intended_));
  pacer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_pacer();
  });
}

void HttpWorker::on_pacer() {
  if (draining_ || stopping_) return;
  const Nanos now = now_ns();
  // Absolute schedule: request k of this worker is intended at t0 + (k*T + index)/rate, so
  // a late timer never shifts later requests; it only shows up as schedule lag.
  while (next_intended_ <= now) {
    if (next_intended_ >= clock_.measure_end || !take_quota(next_intended_)) {
      schedule_done_ = true;
      maybe_finish();
      return;
    }
    dispatch(pick_operation(), next_intended_);
    ++schedule_index_;
    const double slot = static_cast<double>(schedule_index_ * worker_count_ + index_);
    next_intended_ = clock_.t0 + static_cast<Nanos>(std::llround(slot * 1e9 / spec_.load.rate));
  }
  arm_pacer();
}

void HttpWorker::dispatch(int op, Nanos intended) {
  if (!idle_.empty()) {
    HttpConnection* c = idle_.back();
    idle_.pop_back();
    ++in_flight_;
    c->send(op, intended);
    return;
  }
  if (backlog_size_ < backlog_.size()) {
    backlog_[(backlog_head_ + backlog_size_) % backlog_.size()] = Pending{intended, op};
    ++backlog_size_;
    return;
  }
  if (auto* s = stats(op, intended)) ++s->dropped;
}

void HttpWorker::request_finished(HttpConnection& connection, bool available) {
  --in_flight_;
  if (available)
    connection_available(connection);
  else
    maybe_finish();
}

void HttpWorker::connection_available(HttpConnection& connection) {
  if (stopping_) return;
  if (spec_.load.model == LoadModel::open) {
    if (backlog_size_ > 0) {
      const Pending next = backlog_[backlog_head_];
      backlog_head_ = (backlog_head_ + 1) % backlog_.size();
      --backlog_size_;
      ++in_flight_;
      connection.send(next.op, next.intended);
      return;
    }
    idle_.push_back(&connection);
  } else {
    const Nanos now = now_ns();
    if (!draining_ && now < clock_.measure_end && take_quota(now)) {
      ++in_flight_;
      connection.send(pick_operation(), now);
      return;
    }
  }
  maybe_finish();
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

void HttpWorker::maybe_finish() {
  if (finished_ || in_flight_ > 0 || backlog_size_ > 0) return;
  const bool schedule_over = spec_.load.model == LoadModel::open
                                 ? schedule_done_
                                 : (remaining_ == 0 || now_ns() >= clock_.measure_end);
  if (!(draining_ || schedule_over)) return;
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
    promise->set_value(spare_.get());
  });
  return future;
}

void HttpWorker::drain() {
  asio::post(context_, [this] {
    draining_ = true;
    pacer_.cancel();
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
