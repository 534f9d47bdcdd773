// Histogram codec round trip and the target's stall arithmetic, without a server.
#include <doctest/doctest.h>
#include <zlib.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "surge/core/base64.hpp"
#include "surge/core/hdr_codec.hpp"
#include "surge/core/hdr_histogram.hpp"
#include "surge/target/fault_knobs.hpp"

TEST_CASE("codec round trip keeps every count") {
  surge::HdrHistogram h;
  for (std::int64_t v = 1; v < 5'000'000; v = v * 3 / 2 + 1) h.record_n(v, v % 7 + 1);
  const auto decoded = surge::decode_hdr_base64(surge::encode_hdr_base64(h));
  CHECK(decoded.total_count() == h.total_count());
  const auto a = h.counts();
  const auto b = decoded.counts();
  CHECK(a.size() == b.size());
  bool same = true;
  for (std::size_t i = 0; i < a.size(); ++i) same = same && a[i] == b[i];
  CHECK(same);
}

TEST_CASE("out of range values are clamped not lost") {
  surge::HdrHistogram h;
  h.record(-5);
  h.record(std::int64_t{1} << 50);
  CHECK(h.total_count() == 2);
  CHECK(h.min() == 0);
}

TEST_CASE("stall windows release at their end") {
  surge::target::FaultKnobs knobs;
  knobs.set_stall(100 * surge::kNanosPerMilli, 10 * surge::kNanosPerMilli);
  const surge::Nanos origin = knobs.stall_origin();
  const surge::Nanos ms = surge::kNanosPerMilli;
  CHECK(knobs.release_time(origin + 5 * ms) == origin + 5 * ms);      // before the first window
  CHECK(knobs.release_time(origin + 100 * ms) == origin + 110 * ms);  // a window's first instant
  CHECK(knobs.release_time(origin + 204 * ms) == origin + 210 * ms);  // inside the second
  CHECK(knobs.release_time(origin + 215 * ms) == origin + 215 * ms);  // after it
  knobs.set_stall(0, 0);
  CHECK(knobs.release_time(origin + 100 * ms) == origin + 100 * ms);
}

namespace {

// An HdrHistogram V2 blob with any header fields and raw ZigZag-LEB128 count bytes; `trailer`
// bytes follow the counts without being counted in the header's counts size.
std::string crafted_blob(int digits, std::int64_t lowest, std::int64_t highest,
                         const std::vector<std::uint8_t>& counts, std::uint32_t offset = 0,
                         std::size_t trailer = 0) {
  std::vector<std::uint8_t> payload;
  auto u32 = [&payload](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) payload.push_back(static_cast<std::uint8_t>(v >> s));
  };
  auto u64 = [&](std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  };
  u32(0x1c849313U);
  u32(static_cast<std::uint32_t>(counts.size()));
  u32(offset);
  u32(static_cast<std::uint32_t>(digits));
  u64(static_cast<std::uint64_t>(lowest));
  u64(static_cast<std::uint64_t>(highest));
  u64(0x3FF0000000000000ULL);  // 1.0
  payload.insert(payload.end(), counts.begin(), counts.end());
  payload.resize(payload.size() + trailer, 0);
  uLongf size = compressBound(static_cast<uLong>(payload.size()));
  std::vector<std::uint8_t> blob(8 + size);
  compress(blob.data() + 8, &size, payload.data(), static_cast<uLong>(payload.size()));
  blob.resize(8 + size);
  const std::uint32_t header[2] = {0x1c849314U, static_cast<std::uint32_t>(size)};
  for (int k = 0; k < 2; ++k)
    for (int s = 0; s < 4; ++s)
      blob[(std::size_t{4} * static_cast<std::size_t>(k)) + static_cast<std::size_t>(s)] =
          static_cast<std::uint8_t>(header[k] >> (24 - 8 * s));
  return surge::base64_encode(blob);
}

std::string decode_error(const std::string& blob) {
  try {
    (void)surge::decode_hdr_base64(blob);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a crafted blob decodes as the histogram it describes") {
  const auto h = surge::decode_hdr_base64(crafted_blob(3, 1, 1 << 20, {0x04, 0x03, 0x06}));  // 2, run of 2, 3
  CHECK(h.total_count() == 5);
  CHECK(h.counts()[0] == 2);
  CHECK(h.counts()[3] == 3);
}

TEST_CASE("hostile or corrupt blobs are one clear error, not a crash, a hang or a gigabyte") {
  CHECK(decode_error("not base64 at all!").find("not an HdrHistogram") != std::string::npos);
  // A range and precision that would need 6 Mi slots (48 MiB) before a single count.
  CHECK(decode_error(crafted_blob(5, 1, std::numeric_limits<std::int64_t>::max(), {}))
            .find("more than 4 Mi counts") != std::string::npos);
  CHECK(decode_error(crafted_blob(3, std::int64_t{1} << 60, std::numeric_limits<std::int64_t>::max(), {}))
            .find("too large for its precision") != std::string::npos);
  CHECK(decode_error(crafted_blob(9, 1, 1000, {})).find("significant digits") != std::string::npos);
  CHECK(decode_error(crafted_blob(3, 1000, 1000, {})).find("highest must be >= 2*lowest") !=
        std::string::npos);
  // A run of empty slots far past the end (the most negative ZigZag value).
  const std::vector<std::uint8_t> huge_run{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  CHECK(decode_error(crafted_blob(3, 1, 1 << 20, huge_run)).find("runs past its range") != std::string::npos);
  // More counts than slots.
  const std::vector<std::uint8_t> too_many(100'000, 0x02);
  CHECK(decode_error(crafted_blob(1, 1, 1000, too_many)).find("more counts than its range") !=
        std::string::npos);
  // Counts whose sum overflows.
  const std::vector<std::uint8_t> big{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                      0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  CHECK(decode_error(crafted_blob(3, 1, 1 << 20, big)).find("overflow") != std::string::npos);
  CHECK(decode_error(crafted_blob(3, 1, 1 << 20, {0x80})).find("ends inside a varint") != std::string::npos);
  CHECK(decode_error(crafted_blob(3, 1, 1 << 20, {}, 5)).find("normalizing") != std::string::npos);
  // A zip bomb: 64 MiB of zeros in a few kilobytes, its size in the header...
  const std::vector<std::uint8_t> bomb(64u << 20, 0x00);
  CHECK(decode_error(crafted_blob(3, 1, 1 << 20, bomb)).find("more counts than its range") !=
        std::string::npos);
  // ... or behind a header that says 1 byte: inflating stops after the header's 41 bytes.
  CHECK(decode_error(crafted_blob(3, 1, 1 << 20, {0x02}, 0, 64u << 20)).find("longer than its header") !=
        std::string::npos);
  CHECK(decode_error(crafted_blob(3, 1, 1 << 20, {0x02}, 0, 1)).find("longer than its header") !=
        std::string::npos);
}
