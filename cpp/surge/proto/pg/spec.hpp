// What a PostgreSQL run is: the server (a libpq connection string), its operations and, from
// RunSettings, the load model. An operation is one or more statements sent as one pipeline segment:
// PostgreSQL runs them as one implicit transaction, committed at the segment's Sync.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "surge/engine/operation_defaults.hpp"
#include "surge/engine/run_settings.hpp"

namespace surge {

struct PgStatement {
  std::string sql;                  // with $1, $2, ... placeholders
  std::vector<std::string> params;  // one template per placeholder, e.g. "{uniform(1,100000)}"
  // A computed variable of the operation (a pgbench script's \if): the statement is sent
  // only when its value is true. Empty: always sent.
  std::string guard;
};

struct PgOperation {
  std::string name;
  double weight = kDefaultWeight;
  std::vector<PgStatement> statements;
  // Drawn once per operation and shared by every statement's parameters (a transaction's
  // statements usually talk about the same account).
  std::vector<std::pair<std::string, std::string>> variables;
  // A pgbench script's computed variables: a name and an expression program
  // (proto/pg/script_expression.hpp), evaluated in order after `variables` are drawn; a
  // statement's parameters name them as they name variables.
  std::vector<std::pair<std::string, std::string>> computed;
  bool read = false;  // a cache read: rows from the last statement are a hit, none a miss
  // pgbench's -r: time each statement apart (a row per statement in the results). The server
  // is asked to flush after each statement, which costs a packet per statement.
  bool statement_latency = false;
  int retries = 0;  // resend after a serialization failure (40001) or deadlock (40P01)
  // A fan-out receiver instead of a query: `listeners` connections LISTEN on this channel and
  // each notification is one outcome, timed from the sender's {now_ns} stamp. Never picked by
  // the load model (its weight is 0) and has no statements.
  std::string listen_channel;
  int listeners = 0;
  [[nodiscard]] bool is_listen() const noexcept { return !listen_channel.empty(); }
};

// Where a pipeline's Syncs go. operation: every operation ends with its own Sync (its own
// transaction; an error touches no other operation). batch: the operations one round of
// replies starts share one Sync, as in pgbench's \startpipeline ... \endpipeline: fewer round
// trips and packets, but they form one transaction, and an error fails the whole batch.
enum class PipelineSync { operation, batch };

struct PgRunSpec : RunSettings {
  std::string conninfo;  // a postgresql:// URL or key=value pairs, as libpq takes them
  int pipeline = 1;      // operations in flight per connection
  PipelineSync pipeline_sync = PipelineSync::operation;
  std::vector<PgOperation> operations;
};

}  // namespace surge
