// One worker thread: its io_context, its share of the connections and of the schedule, and its
// statistics. The coordinator talks to it only by posting handlers into its io_context, so
// nothing shared is written on the per-request path.
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
#include "surge/engine/http_connection.hpp"
#include "surge/engine/run_signal.hpp"
#include "surge/engine/run_spec.hpp"

namespace surge {

struct StatsBlock {
  std::vector<OperationStats> ops;
  explicit StatsBlock(std::size_t n) : ops(n) {}
  void reset_all() noexcept {
    for (auto& op : ops) op.reset();
  }
};

class HttpWorker {
 public:
  HttpWorker(const HttpRunSpec& spec, const RunClock& clock, RunSignal& signal, int index, int worker_count,
             boost::asio::ip::tcp::endpoint endpoint);
  HttpWorker(const HttpWorker&) = delete;
  HttpWorker& operator=(const HttpWorker&) = delete;

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
  [[nodiscard]] StatsBlock& spare() noexcept { return *spare_; }

  // Connection side (worker thread only).
  [[nodiscard]] boost::asio::io_context& context() noexcept { return context_; }
  [[nodiscard]] Nanos connect_timeout() const noexcept { return spec_.connect_timeout; }
  [[nodiscard]] Nanos request_timeout() const noexcept { return spec_.request_timeout; }
  void build_request(int op, std::string& out) { builders_[static_cast<std::size_t>(op)].build(out, rng_); }
  [[nodiscard]] bool is_head(int op) const noexcept {
    return builders_[static_cast<std::size_t>(op)].is_head();
  }
  [[nodiscard]] bool keeps_body(int op) const noexcept {
    return !spec_.operations[static_cast<std::size_t>(op)].expect_body.empty();
  }
  // Statistics for a request intended at `intended`, or nullptr during warm-up.
  [[nodiscard]] OperationStats* stats(int op, Nanos intended) noexcept {
    return intended < clock_.measure_start ? nullptr : &active_->ops[static_cast<std::size_t>(op)];
  }
  // Classifies a complete response against the operation's checks; nullopt is a success.
  [[nodiscard]] std::optional<ErrorClass> classify(int op, const http::ResponseReader& reader) const;
  // The connection has an outcome for its request and, when `available`, can take another.
  void request_finished(HttpConnection& connection, bool available);
  // A connection that was backing off can take a request again.
  void connection_available(HttpConnection& connection);

 private:
  void start();
  void on_pacer();
  void arm_pacer();
  void dispatch(int op, Nanos intended);
  void sweep();
  int pick_operation() noexcept;
  bool take_quota(Nanos intended) noexcept;
  [[nodiscard]] bool quota_left() const noexcept { return remaining_ != 0; }
  void maybe_finish();
  void shutdown();

  struct Pending {
    Nanos intended;
    int op;
  };

  const HttpRunSpec& spec_;
  const RunClock& clock_;
  RunSignal& signal_;
  const int index_;
  const int worker_count_;
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  boost::asio::steady_timer pacer_;
  boost::asio::steady_timer sweeper_;
  Nanos sweep_period_;
  Rng rng_;
  std::vector<http::RequestBuilder> builders_;
  std::vector<std::uint64_t> weight_thresholds_;
  std::vector<std::unique_ptr<HttpConnection>> connections_;
  std::vector<HttpConnection*> idle_;
  std::vector<Pending> backlog_;  // ring buffer, preallocated
  std::size_t backlog_head_ = 0;
  std::size_t backlog_size_ = 0;
  std::int64_t schedule_index_ = 0;
  Nanos next_intended_ = 0;
  bool schedule_done_ = false;
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
};

}  // namespace surge
