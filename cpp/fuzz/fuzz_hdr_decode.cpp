// The HdrHistogram V2 decoder, given what a results file from elsewhere may hold: arbitrary
// text, or (first byte odd) a well-framed blob around an arbitrary payload, so the fuzzer
// reaches the payload checks past zlib.
#include <zlib.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "surge/core/base64.hpp"
#include "surge/core/hdr_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  std::string blob;
  if ((input.byte() & 1) != 0) {
    const auto payload = input.rest();
    uLongf room = compressBound(static_cast<uLong>(payload.size()));
    std::vector<std::uint8_t> framed(8 + room);
    compress(framed.data() + 8, &room, reinterpret_cast<const Bytef*>(payload.data()),
             static_cast<uLong>(payload.size()));
    framed.resize(8 + room);
    const std::uint32_t header[2] = {0x1c849314U, static_cast<std::uint32_t>(room)};
    for (int k = 0; k < 2; ++k)
      for (int s = 0; s < 4; ++s)
        framed[static_cast<std::size_t>(4 * k + s)] = static_cast<std::uint8_t>(header[k] >> (24 - 8 * s));
    blob = surge::base64_encode(framed);
  } else {
    blob = std::string(input.rest());
  }
  try {
    const auto histogram = surge::decode_hdr_base64(blob);
    (void)histogram.value_at_percentile(99.9);
    (void)surge::encode_hdr_base64(histogram);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
