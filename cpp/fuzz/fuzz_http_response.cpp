// The HTTP/1.1 response reader, fed arbitrary bytes in arbitrary splits, as a socket would.
#include "fuzz_input.hpp"
#include "surge/proto/http/response_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  const std::uint8_t flags = input.byte();
  surge::http::ResponseReader reader;
  reader.start((flags & 1) != 0, (flags & 2) != 0);
  std::string buffer;
  while (!input.empty()) {
    buffer.append(input.take(static_cast<std::size_t>(input.byte()) + 1));
    const auto step = reader.feed(buffer);
    buffer.erase(0, step.consumed);
    if (step.state == surge::http::ResponseReader::State::malformed) return 0;
    if (step.state == surge::http::ResponseReader::State::complete) {
      (void)reader.status();
      (void)reader.body();
      reader.start((flags & 4) != 0, (flags & 2) != 0);  // the next response on the connection
    }
  }
  (void)reader.finish_on_eof();
  return 0;
}
