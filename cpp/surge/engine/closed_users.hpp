// The closed model: users, each on its own lane, loop over the operations with think time
// between requests. The number of active users follows the users curve (a fixed count, a
// spawn-rate ramp or k6-style stages); a user above the count finishes its request and
// leaves. Without pacing, a request is intended when it is sent; with pacing it is intended at
// its slot, so a user that falls behind shows schedule lag.
#pragma once

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <memory>
#include <vector>

#include "surge/engine/load_driver.hpp"
#include "surge/engine/stats_block.hpp"
#include "surge/load/load_spec.hpp"

namespace surge {

template <class Worker>
class ClosedUsers final : public LoadDriver<typename Worker::Lane> {
 public:
  using Lane = typename Worker::Lane;

  explicit ClosedUsers(Worker& worker)
      : worker_(worker),
        load_(worker.load()),
        users_curve_(std::make_shared<const RateCurve>(load_.users)),
        timer_(worker.context()) {
    const auto lanes = share(load_.peak_users());
    users_.resize(static_cast<std::size_t>(lanes));
    worker.reserve_lanes(users_.size());
    for (std::int64_t i = 0; i < lanes; ++i) worker.add_lane();
  }

  [[nodiscard]] std::size_t most_lanes() const noexcept override { return users_.size(); }

  // A warm start: the users that start at t0 connect before it.
  void preconnect() override {
    const auto at_start = share(static_cast<std::int64_t>(std::floor(users_curve_->value_at(0) + 1e-9)));
    worker_.connect_lanes(static_cast<std::size_t>(std::max<std::int64_t>(at_start, 0)));
  }

  void start() override {
    started_ = true;
    const auto per_user = load_.iterations_per_user;
    for (auto& u : users_) u.iterations_left = per_user > 0 ? per_user : -1;
    update_users();
  }

  void lane_free(Lane& lane, Nanos now) override { user_next(lane, now); }

  void user_wakes(Lane& lane) override {
    User& u = user(lane);
    if (!u.running || !u.thinking) return;
    u.thinking = false;
    const Nanos now = now_ns();
    if (worker_.draining() || worker_.stopping() || !u.active || now >= worker_.clock().measure_end) {
      park(lane);
      return;
    }
    launch(lane, load_.think.is_pacing() ? u.next_start : now, now);
  }

  // Users that are thinking or backing off will not send again.
  void drain() override {
    timer_.cancel();
    auto& lanes = worker_.lanes();
    for (std::size_t k = 0; k < users_.size(); ++k) {
      User& u = users_[k];
      Lane& lane = *lanes[k];
      if (!u.running || lane.busy() || worker_.delayed(lane)) continue;
      lane.cancel_wait();
      u.thinking = false;
      park(lane);
    }
  }

  void stop() override { timer_.cancel(); }
  [[nodiscard]] bool holding() const noexcept override { return running_ > 0; }

  [[nodiscard]] bool schedule_over() override {
    const Nanos now = now_ns();
    if (worker_.quota_spent() || now >= worker_.clock().measure_end) return true;
    // An active user with iterations left is always running, so with none running and no ramp
    // ahead nothing more will be sent.
    return running_ == 0 && !users_curve_->changes_after(run_time_s(now));
  }

  // Users start and leave on the new curve's whole-number crossings from `at` on: at the
  // spawn rate the change asked for.
  void follow(std::shared_ptr<const RateCurve> curve, Nanos /*at*/) override {
    users_curve_ = std::move(curve);
    if (!started_) return;
    timer_.cancel();
    update_users();
  }

  [[nodiscard]] std::int64_t active_users() const noexcept override { return active_target_; }

 private:
  // The user count is re-read just after each whole-number change of the curve; the margin
  // keeps floating-point rounding from reading the old count at the boundary.
  static constexpr Nanos kUserChangeMargin = 2 * kNanosPerMicro;

  struct User {
    bool active = false;                // counted in the current user target
    bool running = false;               // in a request, backing off or thinking; not parked
    bool thinking = false;              // waiting on its timer
    Nanos last_start = -1;              // actual start of its last request; -1 before the first
    Nanos next_start = 0;               // while thinking: the start it waits for
    std::int64_t iterations_left = -1;  // -1 = unlimited
  };

  [[nodiscard]] std::int64_t share(std::int64_t total) const noexcept {
    return worker_share(total, worker_.index(), worker_.worker_count());
  }
  [[nodiscard]] User& user(const Lane& lane) noexcept {
    return users_[static_cast<std::size_t>(lane.index())];
  }
  [[nodiscard]] double run_time_s(Nanos t) const noexcept {
    return static_cast<double>(t - worker_.clock().t0) / 1e9;
  }

  void update_users() {
    if (worker_.draining() || worker_.stopping()) return;
    const Nanos now = now_ns();
    const double t = run_time_s(now);
    const auto global = static_cast<std::int64_t>(std::floor(users_curve_->value_at(t) + 1e-9));
    active_target_ = std::min<std::int64_t>(share(global), static_cast<std::int64_t>(users_.size()));
    auto& lanes = worker_.lanes();
    // Mark first, then start, so a user that stops at once cannot end the run for the others.
    std::vector<Lane*> starting;
    for (std::size_t k = 0; k < users_.size(); ++k) {
      User& u = users_[k];
      u.active = static_cast<std::int64_t>(k) < active_target_;
      if (u.active && !u.running) {
        u.running = true;
        ++running_;
        starting.push_back(lanes[k].get());
      } else if (!u.active && u.thinking) {
        lanes[k]->cancel_wait();
        u.thinking = false;
        park(*lanes[k]);
      }
    }
    for (Lane* lane : starting) user_next(*lane, now);
    const double next = users_curve_->next_whole_change(t);
    if (now < worker_.clock().measure_end && std::isfinite(next)) {
      const Nanos at = worker_.clock().t0 + static_cast<Nanos>(next * 1e9) + kUserChangeMargin;
      timer_.expires_at(
          std::chrono::steady_clock::time_point(std::chrono::nanoseconds(std::max(at, now + 1))));
      timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) update_users();
      });
    } else {
      worker_.maybe_finish();
    }
  }

  void user_next(Lane& lane, Nanos now) {
    User& u = user(lane);
    if (!u.running || u.thinking) return;
    if (worker_.draining() || worker_.stopping() || !u.active || u.iterations_left == 0 ||
        worker_.quota_spent() || now >= worker_.clock().measure_end) {
      park(lane);
      return;
    }
    const Nanos start = u.last_start < 0 ? now : load_.think.next_start(u.last_start, now, worker_.rng());
    if (start > now) {
      u.thinking = true;
      u.next_start = start;
      lane.think_until(start);
      return;
    }
    launch(lane, load_.think.is_pacing() ? start : now, now);
  }

  void launch(Lane& lane, Nanos intended, Nanos now) {
    User& u = user(lane);
    if (!worker_.take_quota(intended)) {
      park(lane);
      return;
    }
    if (u.iterations_left > 0 && intended >= worker_.clock().measure_start) --u.iterations_left;
    u.last_start = now;
    worker_.send(lane, worker_.pick_operation(), intended);
  }

  void park(Lane& lane) {
    User& u = user(lane);
    if (!u.running) return;
    u.running = false;
    --running_;
    if (!u.active) lane.disconnect();  // a user that leaves closes its connection
    worker_.maybe_finish();
  }

  Worker& worker_;
  const LoadSpec& load_;
  std::shared_ptr<const RateCurve> users_curve_;  // this worker's own: a change replaces it
  boost::asio::steady_timer timer_;               // the next change of the user count
  std::vector<User> users_;                       // one per lane, same index
  std::int64_t active_target_ = 0;
  int running_ = 0;
  bool started_ = false;
};

}  // namespace surge
