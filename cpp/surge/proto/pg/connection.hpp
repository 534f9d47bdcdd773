// One pipelined PostgreSQL connection, shared by up to P lanes of one worker thread. libpq does
// the wire protocol; this class drives its asynchronous API from Asio readiness on PQsocket:
// pipeline mode with one Sync per operation (or per batch), PQflush when the socket takes more,
// PQconsumeInput/PQisBusy/PQgetResult when replies come in. A new connection prepares every
// statement first. What every pipelined connection does alike (deadlines, failing the lanes,
// the back-off) is PipelinedConnection's.
#pragma once

#include <string>
#include <vector>

#include "surge/core/clock.hpp"
#include "surge/engine/operation_stats.hpp"
#include "surge/engine/pipelined_connection.hpp"
#include "surge/engine/pipelined_lane.hpp"
#include "surge/proto/pg/batch_verdict.hpp"
#include "surge/proto/pg/libpq_connection.hpp"
#include "surge/proto/pg/pipeline_tracker.hpp"
#include "surge/proto/pg/protocol.hpp"

namespace surge {

using PgLane = PipelinedLane<PgProtocol>;

struct PgEntry {
  PgLane* lane;                 // nullptr: the statement prepares of a new connection
  int attempt;                  // 0 the first time; retries of a serialization failure count up
  bool sync;                    // a Sync follows it; false inside a batch, before the batch's last
  int statements = 0;           // how many it sent: a pgbench script's \if may leave some out
  std::uint64_t sent_mask = 0;  // timed apart: which it sent, the first 64; else 0
  Nanos sent_at = 0;
};

class PgConnection : public PipelinedConnection<PgConnection, Worker<PgProtocol>, PgEntry> {
 public:
  // client_id: this connection's number in the run, a pgbench script's :client_id.
  PgConnection(Worker<PgProtocol>& worker, int capacity, std::int64_t client_id);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // Sends the lane's operation now (or once connected).
  void enqueue(PgLane& lane);

 private:
  friend PipelinedConnection;

  // An operation of a batch whose results are in, waiting for the batch's Sync: the batch
  // commits or fails whole.
  struct Held {
    PgLane* lane;
    std::int64_t rows;
    bool failed_here;
  };
  void start_connect();
  void drop_connection(std::vector<PgLane*>& failing);
  void on_connected();
  bool send_entry(PgEntry& entry, Nanos now);
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
  void finish(const PgEntry& entry, Nanos arrived);
  // The `kth` statement the entry sent is answered: timed when its operation asks for it.
  void time_statement(const PgEntry& entry, int kth, Nanos arrived);

  LibpqConnection libpq_;
  pg::PipelineTracker tracker_;
  std::string example_;  // the error example being built; reused
  std::vector<Held> held_;
  std::vector<Held> completing_;
  pg::BatchVerdict completing_verdict_;  // the verdict of the batch being completed
  pg::BatchVerdict batch_;               // the open batch's first failure, if any
  bool batch_open_ = false;              // operations were sent without a Sync yet
  bool close_posted_ = false;
  int prepares_ = 0;  // statements the set-up entry prepares
  std::int64_t client_id_;
  // Timing statements apart (pgbench's -r): when the statement now being answered could start,
  // the later of its operation's send and the previous result on this connection.
  Nanos statement_from_ = 0;
  Nanos last_result_ = 0;
  bool front_begun_ = false;  // the tracker follows the front entry
  bool reading_ = false;
  bool writing_ = false;
  bool delivering_ = false;
  int sent_in_round_ = 0;  // operations deliver() has sent so far
  bool corked_ = false;
  bool can_cork_ = true;  // false on a Unix socket
};

}  // namespace surge
