// One worker thread: its io_context, its share of the connections and of the schedule, and its
// statistics. The coordinator talks to it only by posting handlers into its io_context, so
// nothing shared is written on the per-request path.
//
// The worker knows load models, not protocols. A Protocol supplies the run spec type, the
// per-worker protocol state (request builders, reply checks) and the Connection type: one
// "lane" that carries one request at a time (an HTTP connection, or one slot of a pipelined
// Redis connection). The open model (worker_open.cpp) paces intended starts from an
// ArrivalSchedule and hands them to idle lanes, growing the pool or queueing when all are busy.
// The closed model (worker_closed.cpp) runs users, each on its own lane, with think time and a
// user count that may ramp. The .cpp files instantiate the template for each protocol.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <memory>
#include <optional>
#include <vector>

#include "surge/core/rng.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/run_signal.hpp"
#include "surge/engine/run_spec.hpp"

namespace surge {

// Worker `index` of `count` takes this much of `total` (connections, users, requests).
inline std::int64_t worker_share(std::int64_t total, int index, int count) noexcept {
  return total / count + (index < total % count ? 1 : 0);
}

struct StatsBlock {
  std::vector<OperationStats> ops;
  std::int64_t active_users = 0;  // closed model: users running when the block was handed over
  explicit StatsBlock(std::size_t n) : ops(n) {}
  void reset_all() noexcept {
    for (auto& op : ops) op.reset();
    active_users = 0;
  }
};

template <class Protocol>
class Worker {
 public:
  using Spec = typename Protocol::Spec;
  using Connection = typename Protocol::Connection;
  using Shared = typename Protocol::Shared;

  Worker(const Spec& spec, const Shared& shared, const RunClock& clock, RunSignal& signal, int index,
         int worker_count);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Thread body: runs until the coordinator calls end().
  void run();

  // Coordinator side; each posts into this worker's io_context.
  std::future<StatsBlock*> swap_interval();  // hands back the block filled since the last swap
  void drain();                              // stop issuing; let in-flight requests finish
  void end();                                // close everything; run() returns
  [[nodiscard]] bool done() const noexcept { return done_.load(std::memory_order_acquire); }
  [[nodiscard]] Nanos finished_at() const noexcept { return finished_at_; }
  [[nodiscard]] std::int64_t unfinished() const noexcept { return unfinished_; }
  // After run() has returned: the block still being filled.
  [[nodiscard]] StatsBlock& active() noexcept { return *active_; }
  [[nodiscard]] std::int64_t active_users() const noexcept { return active_target_; }

  // Connection side (worker thread only).
  [[nodiscard]] boost::asio::io_context& context() noexcept { return context_; }
  [[nodiscard]] Protocol& protocol() noexcept { return protocol_; }
  [[nodiscard]] Rng& rng() noexcept { return rng_; }
  [[nodiscard]] Nanos connect_timeout() const noexcept { return spec_.connect_timeout; }
  [[nodiscard]] Nanos request_timeout() const noexcept { return spec_.request_timeout; }
  // Without pacing a closed-model user has no schedule to be late for: its lag is connect time.
  [[nodiscard]] Nanos late_after() const noexcept { return late_after_; }
  // Statistics for a request intended at `intended`, or nullptr during warm-up.
  [[nodiscard]] OperationStats* stats(int op, Nanos intended) noexcept {
    return intended < clock_.measure_start ? nullptr : &active_->ops[static_cast<std::size_t>(op)];
  }
  // The connection has an outcome for its request and, when `available`, can take another.
  // `now` is the completion time the connection already read, so the next request needs no
  // second clock read.
  void request_finished(Connection& connection, bool available, Nanos now);
  // A connection that was backing off (or a user that was thinking) can go on.
  void connection_available(Connection& connection, Nanos now);
  void connection_available(Connection& connection) { connection_available(connection, now_ns()); }
  // Closed model: a user's think time is over.
  void user_wakes(Connection& connection);

 private:
  struct Pending {
    Nanos intended;
    int op;
  };
  // A request waiting out its emulated network delay before its connection sends it.
  struct Delayed {
    Nanos due;
    Nanos delay;
    Connection* connection;
    int op;
    Nanos intended;
    bool operator>(const Delayed& other) const noexcept { return due > other.due; }
  };
  struct User {
    bool active = false;                // counted in the current user target
    bool running = false;               // in a request, backing off or thinking; not parked
    bool thinking = false;              // waiting on its timer
    Nanos last_start = -1;              // actual start of its last request; -1 before the first
    Nanos next_start = 0;               // while thinking: the start it waits for
    std::int64_t iterations_left = -1;  // -1 = unlimited
  };

  void start();
  void sweep();
  int pick_operation() noexcept;
  bool take_quota(Nanos intended) noexcept;
  void maybe_finish();
  [[nodiscard]] bool schedule_over() noexcept;
  void shutdown();
  void send(Connection& connection, int op, Nanos intended);
  void arm_delay_timer();
  void send_delayed();
  [[nodiscard]] bool in_delay(const Connection& connection) const noexcept {
    const auto k = static_cast<std::size_t>(connection.index());
    return k < in_delay_.size() && in_delay_[k] != 0;
  }

  // Open model (worker_open.cpp).
  void start_open();
  void arm_pacer();
  void on_pacer();
  void dispatch(int op, Nanos intended);
  void open_connection_free(Connection& connection);
  Connection* grow_pool();

  // Closed model (worker_closed.cpp).
  void start_closed();
  void update_users();
  void user_next(Connection& connection, Nanos now);
  void launch(Connection& connection, Nanos intended, Nanos now);
  void park(Connection& connection);
  void stop_thinking();
  [[nodiscard]] double run_time_s(Nanos t) const noexcept { return static_cast<double>(t - clock_.t0) / 1e9; }

  const Spec& spec_;
  const RunClock& clock_;
  RunSignal& signal_;
  const int index_;
  const int worker_count_;
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  boost::asio::steady_timer pacer_;  // open: next arrival; closed: next user-count change
  boost::asio::steady_timer sweeper_;
  Nanos sweep_period_;
  Nanos late_after_;
  Rng rng_;
  Protocol protocol_;
  std::vector<std::uint64_t> weight_thresholds_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::int64_t remaining_ = -1;  // measured requests left; -1 = unlimited
  int in_flight_ = 0;
  bool draining_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  std::int64_t unfinished_ = 0;
  Nanos finished_at_ = 0;
  std::atomic<bool> done_{false};
  std::unique_ptr<StatsBlock> active_;
  std::unique_ptr<StatsBlock> spare_;

  // Emulated network delay: a min-heap on the due time, and which connections are in it.
  boost::asio::steady_timer delay_timer_;
  std::vector<Delayed> delayed_;
  std::vector<char> in_delay_;
  Nanos delay_timer_due_ = 0;  // 0: not armed

  // Open model.
  std::optional<ArrivalSchedule> schedule_;
  std::size_t pool_limit_ = 0;
  std::vector<Connection*> idle_;
  std::vector<Pending> backlog_;  // ring buffer, preallocated
  std::size_t backlog_head_ = 0;
  std::size_t backlog_size_ = 0;
  Nanos next_intended_ = 0;
  bool schedule_done_ = false;

  // Closed model.
  std::vector<User> users_;  // one per connection, same index
  std::int64_t active_target_ = 0;
  int running_users_ = 0;
};

}  // namespace surge
