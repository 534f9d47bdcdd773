// The open model: intended starts come from the arrival schedule, whatever the server does. A
// request that finds no free lane grows the pool (up to its limit) or waits in the backlog,
// and its response time still counts from its intended start; past the backlog it is dropped.
#pragma once

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "surge/core/fixed_ring.hpp"
#include "surge/engine/load_driver.hpp"
#include "surge/engine/stats_block.hpp"
#include "surge/load/arrival_schedule.hpp"

namespace surge {

template <class Worker>
class OpenArrivals final : public LoadDriver<typename Worker::Lane> {
 public:
  using Lane = typename Worker::Lane;

  explicit OpenArrivals(Worker& worker)
      : worker_(worker),
        rate_(std::make_shared<const RateCurve>(worker.load().rate)),
        timer_(worker.context()),
        backlog_(static_cast<std::size_t>(std::max<std::int64_t>(1, share(worker.load().max_backlog)))) {
    const auto& load = worker.load();
    const auto opened = share(load.connections);
    pool_limit_ = static_cast<std::size_t>(std::max<std::int64_t>(share(load.pool_limit()), 1));
    most_lanes_ = std::max<std::size_t>(pool_limit_, static_cast<std::size_t>(opened));
    worker.reserve_lanes(most_lanes_);
    idle_.reserve(pool_limit_);
    for (std::int64_t i = 0; i < opened; ++i) worker.add_lane();
  }

  [[nodiscard]] std::size_t most_lanes() const noexcept override { return most_lanes_; }

  // A warm start: the whole pool connects before t0, so connect time does not show up as lag
  // of the first requests.
  void preconnect() override { worker_.connect_lanes(worker_.lanes().size()); }

  void start() override {
    // Made now: t0 is known only once the warm-up is over.
    const auto& w = worker_;
    schedule_.emplace(rate_, w.clock().t0, w.index(), w.worker_count(), w.load().arrivals,
                      w.seed() * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(w.index()));
    for (auto& lane : worker_.lanes()) idle_.push_back(lane.get());
    next_ = schedule_->next();
    arm();
  }

  void lane_free(Lane& lane, Nanos /*now*/) override {
    if (!backlog_.empty()) {
      const Pending next = backlog_.pop_front();
      worker_.send(lane, next.op, next.intended);
      return;
    }
    idle_.push_back(&lane);
    worker_.maybe_finish();
  }

  // The window is over. Arrivals due inside it that the pacer has not reached (the drain can
  // come first by a hair, or the generator fell far behind) go out now, a batch at most; the
  // rest are counted as dropped: scheduled, never sent.
  void drain() override {
    cancel_timer();
    if (!schedule_) {  // the drain overtook t0's handler: nothing was scheduled yet
      arrivals_over_ = true;
      return;
    }
    if (dispatch_due(std::min(now_ns(), worker_.clock().measure_end - 1)) == Due::more)
      count_unsent(worker_.clock().measure_end);
    arrivals_over_ = true;
  }
  void abandon(Nanos until) override {
    count_unsent(std::min(until, worker_.clock().measure_end));
    arrivals_over_ = true;
  }
  void stop() override { cancel_timer(); }
  // The arrival the pacer holds is retimed when it falls after the change; those already sent
  // and those before the change keep their times (ArrivalSchedule::follow).
  void follow(std::shared_ptr<const RateCurve> curve, Nanos at) override {
    rate_ = curve;
    if (!schedule_) return;  // start() makes the schedule on the curve it finds
    const Nanos retimed = schedule_->follow(std::move(curve));
    if (arrivals_over_ || next_ == ArrivalSchedule::kNever || next_ < at) return;
    next_ = retimed;
    cancel_timer();
    arm();
  }
  [[nodiscard]] bool holding() const noexcept override { return !backlog_.empty(); }
  [[nodiscard]] bool schedule_over() override { return arrivals_over_; }
  [[nodiscard]] std::int64_t queued() const noexcept override {
    return static_cast<std::int64_t>(backlog_.size());
  }
  void count_queued_as_unfinished() override {
    for (std::size_t i = 0; i < backlog_.size(); ++i)
      if (auto* stats = worker_.stats(backlog_[i].op, backlog_[i].intended)) ++stats->unfinished;
  }

 private:
  struct Pending {
    Nanos intended;
    int op;
  };
  static constexpr int kMostArrivalsPerTurn = 256;
  static constexpr Nanos kPollWithin = 20'000;
  static constexpr Nanos kGrowWithinLag = kNanosPerMilli;

  [[nodiscard]] std::int64_t share(std::int64_t total) const noexcept {
    return worker_share(total, worker_.index(), worker_.worker_count());
  }

  void end_arrivals() {
    arrivals_over_ = true;
    worker_.maybe_finish();
  }

  void arm() {
    if (next_ == ArrivalSchedule::kNever) {
      end_arrivals();
      return;
    }
    if (auto* ring = worker_.ring()) {
      // On io_uring the loop's own wait is the pacer's timer (engine/uring_loop.hpp).
      ring->wake_at(next_, [this] { on_timer(); });
      return;
    }
    if (next_ - now_ns() <= kPollWithin) {
      // Due within a timer's own cost: a posted check runs after the handlers already due and
      // one non-blocking epoll_wait, with no timerfd_settime and no wake-up of its own.
      worker_.post([this] { on_timer(); });
      return;
    }
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next_)));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) on_timer();
    });
  }

  enum class Due { none_left, more, ended };

  // Every arrival due by `now` goes out with its own intended time: a late wake-up never
  // shifts later arrivals, it only shows as schedule lag. At most a batch per call, so that
  // replies, the interval swap and the end of the run get their turn even when the schedule
  // is far ahead of what the machine can send.
  Due dispatch_due(Nanos now) {
    for (int sent = 0; next_ <= now; ++sent) {
      if (sent == kMostArrivalsPerTurn) return Due::more;
      if (next_ >= worker_.clock().measure_end || !worker_.take_quota(next_)) return Due::ended;
      worker_.pacer_dispatched(next_, now);
      dispatch(worker_.pick_operation(), next_, now);
      next_ = schedule_->next();
    }
    return Due::none_left;
  }

  void on_timer() {
    if (worker_.draining() || worker_.stopping()) return;
    switch (dispatch_due(now_ns())) {
      case Due::more:
        worker_.post([this] { on_timer(); });
        return;
      case Due::ended:
        end_arrivals();
        return;
      case Due::none_left:
        arm();
        return;
    }
  }

  void cancel_timer() {
    timer_.cancel();
    if (auto* ring = worker_.ring()) ring->cancel_wake();
  }

  void count_unsent(Nanos until) {
    // Stopped before the schedule started (Ctrl-C in the warm-up): nothing was due.
    if (!schedule_ || arrivals_over_ || next_ == ArrivalSchedule::kNever || next_ >= until) return;
    worker_.count_unsent(schedule_->count_from_last(worker_.clock().measure_start, until),
                         std::max(next_, worker_.clock().measure_start));
  }

  void dispatch(int op, Nanos intended, Nanos now) {
    Lane* lane = nullptr;
    if (!idle_.empty()) {
      lane = idle_.back();
      idle_.pop_back();
    } else if (worker_.lanes().size() < pool_limit_ && now - intended <= kGrowWithinLag) {
      // The pool grows for arrivals that find every lane busy on time: the server is holding
      // them. An arrival the pacer reaches late is a burst of the generator's own catching up,
      // which the lanes free within a response time; new connections would only add their
      // connects to the stall (at 80k/s, 5 s runs that grew to 512 had a lag p99 of 76 and
      // 353 ms; capped at 64, 5.6 and 2.8 ms). It waits in the backlog instead, its lag counted
      // from its intended start.
      lane = &worker_.add_lane();
    }
    if (lane != nullptr) {
      worker_.send(*lane, op, intended);
    } else if (!backlog_.full()) {
      backlog_.push_back(Pending{intended, op});
    } else if (auto* stats = worker_.stats(op, intended)) {
      ++stats->dropped;
    }
  }

  Worker& worker_;
  std::shared_ptr<const RateCurve> rate_;  // this worker's own: a change replaces it
  boost::asio::steady_timer timer_;
  std::optional<ArrivalSchedule> schedule_;
  FixedRing<Pending> backlog_;
  std::size_t pool_limit_ = 0;
  std::size_t most_lanes_ = 0;
  std::vector<Lane*> idle_;
  Nanos next_ = 0;
  bool arrivals_over_ = false;
};

}  // namespace surge
