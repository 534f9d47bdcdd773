// The PostgreSQL pipeline bookkeeping, fed any sequence of results libpq could hand it.
#include "fuzz_input.hpp"
#include "surge/proto/pg/pipeline_tracker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  surge::pg::PipelineTracker tracker;
  while (!input.empty()) {
    tracker.begin(input.byte() % 8, (input.byte() & 1) != 0);
    while (!input.empty()) {
      const auto kind = static_cast<surge::pg::ResultKind>(input.byte() % 7);
      const std::uint8_t rows = input.byte();
      const auto step = tracker.feed(kind, rows, input.take(input.byte() % 8), input.take(input.byte() % 32));
      if (step == surge::pg::PipelineTracker::Step::protocol_error) return 0;
      if (step == surge::pg::PipelineTracker::Step::done) {
        const auto outcome = tracker.outcome();
        (void)outcome.message.size();
        break;
      }
    }
  }
  return 0;
}
