// PostgreSQL as a Protocol of the engine (engine/protocol.hpp). A worker's lanes share
// pipelined libpq connections (PgConnection), P lanes per connection; each operation is timed from its own
// intended start to its own Sync. Statements are prepared once per connection; parameters are rendered per
// operation from the shared template syntax.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "surge/core/request_template.hpp"
#include "surge/core/rng.hpp"
#include "surge/engine/run_result.hpp"
#include "surge/proto/pg/script_expression.hpp"
#include "surge/proto/pg/spec.hpp"

struct pg_conn;

namespace surge {

class PgListener;
class PgConnection;
class PgProtocol;
template <class P>
class Worker;
template <class P>
class PipelinedLane;

struct PgShared {
  // Connection keywords and values for PQconnectStartParams: surge's defaults first, then the
  // user's string (expanded by libpq), whose settings win.
  std::vector<std::string> keywords;
  std::vector<std::string> values;
  // Every statement of every operation, in order: its prepared name, SQL and parameter count.
  struct Statement {
    std::string name;
    std::string sql;
    int params = 0;
  };
  std::vector<Statement> statements;
};

class PgProtocol {
 public:
  using Spec = PgRunSpec;
  using Lane = PipelinedLane<PgProtocol>;
  using Connection = PgConnection;
  using Shared = PgShared;

  // Once per run, before any load: parses the connection string, connects once, and prepares
  // every statement, so a bad DSN, a server that is not there, bad SQL or a wrong parameter
  // count is one clear error before the run.
  static Shared prepare(const Spec& spec);
  static int lanes_per_connection(const Spec& spec) noexcept { return spec.pipeline; }

  PgProtocol(const Spec& spec, const Shared& shared, int index, int worker_count);
  PgProtocol(const PgProtocol&) = delete;
  PgProtocol& operator=(const PgProtocol&) = delete;
  ~PgProtocol();

  // Queues every statement's PQsendPrepare on a new connection; returns how many.
  int send_prepares(pg_conn* conn) const;
  // Queues operation `op`'s statements with fresh parameters, and a Sync after them when
  // `sync`; returns how many statements it sent (an \if may leave some out), or -1 when
  // libpq refuses (the connection is broken). `client_id`: the connection's number. Throws
  // pg::ScriptError, naming the operation, when a computed variable cannot be evaluated.
  // `sent_mask`: which statements it sent (the first 64) when they are timed apart; else 0.
  int send_operation(int op, pg_conn* conn, Rng& rng, bool sync, std::int64_t client_id,
                     std::uint64_t& sent_mask);
  // A statement of an operation timed apart (PgOperation::statement_latency), measured.
  void record_statement(int op, int statement, Nanos latency);
  // Adds this worker's statement rows to the run's.
  void add_to(RunResult& result) const;
  [[nodiscard]] bool batch_sync() const noexcept { return spec_.pipeline_sync == PipelineSync::batch; }
  [[nodiscard]] bool is_read(int op) const noexcept {
    return spec_.operations[static_cast<std::size_t>(op)].read;
  }
  [[nodiscard]] int retries(int op) const noexcept {
    return spec_.operations[static_cast<std::size_t>(op)].retries;
  }
  [[nodiscard]] const Shared& shared() const noexcept { return shared_; }
  // The connection lane `lane` rides on; the first call also starts this worker's listeners.
  PgConnection& connection_for(int lane, Worker<PgProtocol>& worker);
  void shutdown();
  [[nodiscard]] int pipeline() const noexcept { return spec_.pipeline; }

 private:
  struct StatementState {
    int shared_index = 0;
    int guard = -1;  // the computed variable that decides whether it is sent; -1: always
    std::vector<RequestTemplate> params;
  };
  struct OperationState {
    VariableSet variables;
    std::vector<pg::ScriptExpression> computed;
    std::vector<int> computed_slots;  // each computed variable's index in `variables`
    std::vector<pg::ScriptValue> computed_values;
    std::vector<StatementState> statements;
    std::vector<HdrHistogram> statement_latency;  // per statement, when timed apart
  };

  // One operation's state for worker `index` of `worker_count`; its statements are numbered
  // from `statement_index` on. Throws std::invalid_argument naming the operation.
  static OperationState make_state(const PgOperation& op, int index, int worker_count, int& statement_index);

  const Spec& spec_;
  const Shared& shared_;
  std::vector<OperationState> ops_;
  std::vector<std::string> values_;  // rendered parameters, reused per operation
  std::vector<const char*> value_pointers_;
  std::vector<int> value_lengths_;
  std::vector<std::unique_ptr<PgConnection>> connections_;
  std::vector<std::unique_ptr<PgListener>> listeners_;
  int index_;
  int worker_count_;
  bool listeners_started_ = false;
};

}  // namespace surge
