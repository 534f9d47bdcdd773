// The RESP reply reader (hiredis underneath), fed arbitrary bytes in arbitrary splits.
#include "fuzz_input.hpp"
#include "surge/proto/redis/resp_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  surge::redis::RespReader reader;
  surge::redis::Reply reply;
  while (!input.empty()) {
    reader.feed(input.take(static_cast<std::size_t>(input.byte()) + 1));
    while (true) {
      const auto step = reader.next(reply);
      if (step == surge::redis::RespReader::Step::protocol_error) return 0;
      if (step == surge::redis::RespReader::Step::need_more) break;
      (void)reply.text.size();
    }
  }
  return 0;
}
