// A batch's verdict (one Sync for several operations, --sync batch; or one operation with its
// own Sync): the batch is one transaction, so its first failure fails every operation in it.
// Kept apart from the connection so that it is tested without a server
// (cpp/tests/test_pg_pipeline.cpp).
#pragma once

#include <string>
#include <string_view>

#include "surge/proto/pg/pipeline_tracker.hpp"

namespace surge::pg {

class BatchVerdict {
 public:
  // The code a failure without a SQLSTATE is counted under: libpq's own errors carry none,
  // and an empty code would read as no error at all.
  static constexpr std::string_view kNoSqlstate = "?????";

  BatchVerdict() {  // reserved once, so a run's steady state allocates nothing here
    sqlstate_.reserve(8);
    message_.reserve(256);
  }

  // One operation's outcome; true when it is the batch's first failure (the one counted
  // under its code; the others were rolled back with it).
  bool add(const Outcome& outcome) {
    if (outcome.ok || failed()) return false;
    sqlstate_.assign(outcome.sqlstate.empty() ? kNoSqlstate : outcome.sqlstate);
    message_.assign(outcome.message);
    return true;
  }

  [[nodiscard]] bool failed() const noexcept { return !sqlstate_.empty(); }
  [[nodiscard]] std::string_view sqlstate() const noexcept { return sqlstate_; }
  [[nodiscard]] std::string_view message() const noexcept { return message_; }

  void clear() noexcept {
    sqlstate_.clear();
    message_.clear();
  }
  void swap(BatchVerdict& other) noexcept {
    sqlstate_.swap(other.sqlstate_);
    message_.swap(other.message_);
  }

 private:
  std::string sqlstate_;  // the first failure's code; empty while the batch has none
  std::string message_;
};

}  // namespace surge::pg
