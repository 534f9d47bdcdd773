// One pipelined libpq connection, shared by up to P lanes of one worker thread. libpq does the
// wire protocol; this class drives its asynchronous API from Asio readiness on PQsocket:
// PQconnectStartParams/PQconnectPoll to connect without blocking, pipeline mode with one Sync
// per operation, PQflush when the socket takes more, PQconsumeInput/PQisBusy/PQgetResult when
// replies come in. A new connection prepares every statement first. A lost connection fails
// the lanes it carried (counted) and the next operation reconnects; refused connects and
// failed set-ups back off from 10 ms to 1 s.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/core/fixed_ring.hpp"
#include "surge/engine/lane_backoff.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/pg_connection.hpp"
#include "surge/proto/pg/pipeline_tracker.hpp"

namespace surge {

class PgProtocol;
template <class Protocol>
class Worker;
template <class Protocol>
class PipelinedLane;
using PgLane = PipelinedLane<PgProtocol>;

class PgPipe {
 public:
  PgPipe(Worker<PgProtocol>& worker, int capacity);
  PgPipe(const PgPipe&) = delete;
  PgPipe& operator=(const PgPipe&) = delete;
  ~PgPipe();

  void connect();
  // Sends the lane's operation now (or once connected).
  void enqueue(PgLane& lane);
  // Gives up on the connection when its oldest operation has passed the request timeout.
  void check_deadline(Nanos now);
  void shutdown();

 private:
  enum class State { closed, connecting, ready };
  struct Entry {
    PgLane* lane;  // nullptr: the statement prepares of a new connection
    int attempt;   // 0 the first time; retries of a serialization failure count up
    bool sync;     // a Sync follows it; false inside a batch, before the batch's last
  };
  // An operation of a batch whose results are in, waiting for the batch's Sync: the batch
  // commits or fails whole.
  struct Held {
    PgLane* lane;
    std::int64_t rows;
    bool failed_here;
  };
  void start_connect();
  void on_connected();
  bool send_entry(const Entry& entry, Nanos now);
  void close_batch();
  void schedule_close();
  void hold(PgLane& lane, const pg::Outcome& outcome);
  void complete(PgLane& lane, std::int64_t rows, bool failed_here, Nanos arrived);
  void flush();
  // Holds the operations sent in one round (replies that each start the next operation) in
  // the kernel, so they leave in one segment: libpq writes at every Sync.
  void cork();
  void uncork();
  void wait_readable();
  void on_readable();
  void deliver();
  void finish(const Entry& entry, Nanos arrived);
  // Fails every lane in flight; with back_off the lanes wait out a growing pause first.
  void fail_all(ErrorClass error, std::string_view example, bool back_off);
  void fail_later(ErrorClass error, const char* example, bool back_off);

  Worker<PgProtocol>& worker_;
  PgConnection connection_;
  LaneBackoff<PipelinedLane<PgProtocol>> backoff_;
  pg::PipelineTracker tracker_;
  std::string example_;     // the error example being built; reused
  FixedRing<Entry> ring_;   // in flight, oldest first
  std::size_t unsent_ = 0;  // entries at the tail queued while connecting
  std::vector<Held> held_;
  std::vector<Held> completing_;
  std::string completing_sqlstate_;
  std::string completing_message_;
  std::string batch_sqlstate_;  // the batch's first error; empty while it has none
  std::string batch_message_;
  bool batch_open_ = false;  // operations were sent without a Sync yet
  bool close_posted_ = false;
  std::vector<PgLane*> failing_;
  std::uint64_t generation_ = 0;  // one per connection attempt: stale handlers compare it
  State state_ = State::closed;
  int prepares_ = 0;          // statements the set-up entry prepares
  bool front_begun_ = false;  // the tracker follows the front entry
  bool reading_ = false;
  bool writing_ = false;
  bool delivering_ = false;
  int sent_in_round_ = 0;  // operations deliver() has sent so far
  bool corked_ = false;
  bool can_cork_ = true;  // false on a Unix socket
  bool stopped_ = false;
  Nanos connect_deadline_ = 0;
};

}  // namespace surge
