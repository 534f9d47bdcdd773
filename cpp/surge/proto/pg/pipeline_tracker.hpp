// Sans-IO bookkeeping of a libpq pipeline: which result belongs to which operation.
//
// surge sends each operation as its statements followed by one Sync, so PostgreSQL runs them
// as one implicit transaction: committed at the Sync, rolled back whole when one fails. libpq
// then returns, per statement, its result(s) and a null "end of statement" marker, and for the
// Sync a PGRES_PIPELINE_SYNC result. After an error the remaining statements of the operation
// come back as PGRES_PIPELINE_ABORTED. The tracker folds that stream into one outcome per
// operation: the first error's SQLSTATE and message, and the row count of the last statement
// (a cache read with 0 rows is a miss). It needs no server; the pipe feeds it what
// PQgetResult returns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace surge::pg {

enum class ResultKind {
  tuples,        // PGRES_TUPLES_OK (or a single row)
  command,       // PGRES_COMMAND_OK, PGRES_EMPTY_QUERY
  error,         // PGRES_FATAL_ERROR
  aborted,       // PGRES_PIPELINE_ABORTED: skipped after an earlier error
  sync,          // PGRES_PIPELINE_SYNC: the end of an operation
  end_of_query,  // PQgetResult returned null: the current statement is complete
  unexpected,    // COPY and other results a load test does not send for
};

struct Outcome {
  bool ok = true;
  std::string_view sqlstate;  // valid until the next begin()
  std::string_view message;   // valid until the next begin()
  std::int64_t rows = 0;      // rows of the last statement that returned rows
};

class PipelineTracker {
 public:
  enum class Step { more, done, protocol_error };

  PipelineTracker() {
    sqlstate_.reserve(8);
    message_.reserve(256);
  }

  // The front operation of the pipe, with this many statements, is next to come back.
  // `synced`: a Sync follows it, so it is done at PGRES_PIPELINE_SYNC; otherwise (an operation
  // inside a batch that shares the Sync of its last one) after its last statement.
  void begin(int statements, bool synced = true) noexcept;
  [[nodiscard]] bool active() const noexcept { return active_; }
  // Feeds one result. `rows`, `sqlstate` and `message` matter for tuples and error results.
  Step feed(ResultKind kind, std::int64_t rows = 0, std::string_view sqlstate = {},
            std::string_view message = {});
  // After Step::done: the operation's outcome. After Step::protocol_error: what went wrong.
  [[nodiscard]] Outcome outcome() const noexcept;
  [[nodiscard]] std::string_view error() const noexcept { return problem_; }
  // Statements of the front operation whose results have all come.
  [[nodiscard]] int finished() const noexcept { return finished_; }

 private:
  int statements_ = 0;
  int finished_ = 0;           // statements whose end marker came
  bool in_statement_ = false;  // a result of the current statement came, its end marker not yet
  bool active_ = false;
  bool synced_ = true;
  bool failed_ = false;
  bool after_commit_error_ = false;
  std::int64_t rows_ = 0;
  std::string sqlstate_;
  std::string message_;
  std::string_view problem_;
};

}  // namespace surge::pg
