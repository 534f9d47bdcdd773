#include "surge/proto/pg/pipeline_tracker.hpp"

namespace surge::pg {

namespace {
constexpr std::size_t kMaxMessage = 200;  // examples stay short
}

void PipelineTracker::begin(int statements, bool synced) noexcept {
  statements_ = statements;
  synced_ = synced;
  finished_ = 0;
  in_statement_ = false;
  active_ = true;
  failed_ = false;
  after_commit_error_ = false;
  rows_ = 0;
  sqlstate_.clear();
  message_.clear();
  problem_ = {};
}

PipelineTracker::Step PipelineTracker::feed(ResultKind kind, std::int64_t rows, std::string_view sqlstate,
                                            std::string_view message) {
  if (!active_) {
    problem_ = "a result nobody asked for";
    return Step::protocol_error;
  }
  switch (kind) {
    case ResultKind::end_of_query:
      if (!in_statement_ && after_commit_error_) return Step::more;
      if (!in_statement_) {
        problem_ = "an end-of-statement marker without a result";
        return Step::protocol_error;
      }
      in_statement_ = false;
      ++finished_;
      if (!synced_ && finished_ == statements_) {
        active_ = false;
        return Step::done;
      }
      return Step::more;
    case ResultKind::sync:
      if (!synced_ || in_statement_ || finished_ != statements_) {
        problem_ = "a pipeline sync before every statement had its result";
        return Step::protocol_error;
      }
      active_ = false;
      return Step::done;
    case ResultKind::tuples:
    case ResultKind::command:
    case ResultKind::error:
    case ResultKind::aborted:
    case ResultKind::unexpected:
      break;
  }
  if (finished_ >= statements_) {
    // An error at the Sync itself: the implicit COMMIT failed (a serialization failure or a
    // deferred constraint found at commit time).
    if (kind != ResultKind::error) {
      problem_ = "more results than statements";
      return Step::protocol_error;
    }
    after_commit_error_ = true;
  } else {
    in_statement_ = true;
  }
  if (kind == ResultKind::tuples) rows_ = rows;
  if (kind == ResultKind::unexpected && !failed_) {
    failed_ = true;
    sqlstate_.assign("XX000");
    message_.assign("an unexpected result type (COPY is not supported in a load test)");
  }
  if (kind == ResultKind::error && !failed_) {
    failed_ = true;
    sqlstate_.assign(sqlstate.empty() ? std::string_view("XX000") : sqlstate.substr(0, 5));
    // libpq ends messages with a newline; examples read better without it.
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.remove_suffix(1);
    message_.assign(message.substr(0, kMaxMessage));
  }
  return Step::more;
}

Outcome PipelineTracker::outcome() const noexcept {
  return Outcome{!failed_, sqlstate_, message_, rows_};
}

}  // namespace surge::pg
