// The PostgreSQL pipeline bookkeeping without a server: result streams as libpq returns them
// in pipeline mode, folded into one outcome per operation.
#include <doctest/doctest.h>

#include "surge/proto/pg/batch_verdict.hpp"
#include "surge/proto/pg/pipeline_tracker.hpp"

using namespace surge::pg;
using Step = PipelineTracker::Step;

TEST_CASE("a query ends at its sync with its row count") {
  PipelineTracker t;
  t.begin(1);
  CHECK(t.feed(ResultKind::tuples, 3) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::sync) == Step::done);
  const auto o = t.outcome();
  CHECK(o.ok);
  CHECK(o.rows == 3);
  CHECK(!t.active());
}

TEST_CASE("a transaction reports the rows of its last select") {
  PipelineTracker t;
  t.begin(3);
  CHECK(t.feed(ResultKind::command) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::tuples, 1) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::tuples, 0) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::sync) == Step::done);
  CHECK(t.outcome().ok);
  CHECK(t.outcome().rows == 0);
}

TEST_CASE("the first error wins and aborted statements follow") {
  PipelineTracker t;
  t.begin(3);
  CHECK(t.feed(ResultKind::command) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::error, 0, "23505", "duplicate key value\n") == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::aborted) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::sync) == Step::done);
  const auto o = t.outcome();
  CHECK(!o.ok);
  CHECK(o.sqlstate == "23505");
  CHECK(o.message == "duplicate key value");
}

TEST_CASE("an error at commit time fails the operation") {
  PipelineTracker t;
  t.begin(1);
  CHECK(t.feed(ResultKind::command) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::error, 0, "40001", "could not serialize access") == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::sync) == Step::done);
  CHECK(!t.outcome().ok);
  CHECK(t.outcome().sqlstate == "40001");
}

TEST_CASE("an out of order stream is a protocol error") {
  PipelineTracker early_sync;
  early_sync.begin(2);
  CHECK(early_sync.feed(ResultKind::command) == Step::more);
  CHECK(early_sync.feed(ResultKind::end_of_query) == Step::more);
  CHECK(early_sync.feed(ResultKind::sync) == Step::protocol_error);
  CHECK(!early_sync.error().empty());

  PipelineTracker too_many;
  too_many.begin(1);
  CHECK(too_many.feed(ResultKind::tuples, 1) == Step::more);
  CHECK(too_many.feed(ResultKind::end_of_query) == Step::more);
  CHECK(too_many.feed(ResultKind::tuples, 1) == Step::protocol_error);

  PipelineTracker idle;
  CHECK(idle.feed(ResultKind::tuples, 1) == Step::protocol_error);
}

TEST_CASE("begin resets the previous outcome") {
  PipelineTracker t;
  t.begin(1);
  t.feed(ResultKind::error, 0, "42P01", "relation does not exist");
  t.feed(ResultKind::end_of_query);
  CHECK(t.feed(ResultKind::sync) == Step::done);
  t.begin(1);
  t.feed(ResultKind::tuples, 1);
  t.feed(ResultKind::end_of_query);
  CHECK(t.feed(ResultKind::sync) == Step::done);
  CHECK(t.outcome().ok);
  CHECK(t.outcome().sqlstate.empty());
}

TEST_CASE("an operation inside a batch is done after its last statement") {
  PipelineTracker t;
  t.begin(2, false);
  CHECK(t.feed(ResultKind::command) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::more);
  CHECK(t.feed(ResultKind::aborted) == Step::more);
  CHECK(t.feed(ResultKind::end_of_query) == Step::done);
  // A Sync where an unsynced operation still expects results is out of order.
  t.begin(1, false);
  CHECK(t.feed(ResultKind::sync) == Step::protocol_error);
}

TEST_CASE("a batch's first failure fails it, and one without a SQLSTATE is still a failure") {
  BatchVerdict batch;
  CHECK(!batch.add(Outcome{}));  // ok
  CHECK(!batch.failed());
  // libpq's own error (a lost connection, say) carries no SQLSTATE: it must not read as none.
  CHECK(batch.add(Outcome{false, "", "server closed the connection unexpectedly", 0}));
  CHECK(batch.failed());
  CHECK(batch.sqlstate() == BatchVerdict::kNoSqlstate);
  CHECK(batch.message() == "server closed the connection unexpectedly");
  // Later failures in the same batch were rolled back with it: the first is the one counted.
  CHECK(!batch.add(Outcome{false, "22012", "division by zero", 0}));
  CHECK(batch.sqlstate() == BatchVerdict::kNoSqlstate);
  BatchVerdict completing;
  completing.swap(batch);
  batch.clear();
  CHECK(completing.failed());
  CHECK(!batch.failed());
  CHECK(batch.add(Outcome{false, "23505", "duplicate key", 0}));
  CHECK(batch.sqlstate() == "23505");
}
