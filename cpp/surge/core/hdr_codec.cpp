#include "surge/core/hdr_codec.hpp"

#include <zlib.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "surge/core/base64.hpp"

namespace surge {

namespace {

// Cookie bases from the HdrHistogram V2 format; 0x10 marks 8-byte words with ZigZag-LEB128.
constexpr std::uint32_t kPayloadCookie = 0x1c849303U | 0x10U;
constexpr std::uint32_t kCompressedCookie = 0x1c849304U | 0x10U;
constexpr std::size_t kPayloadHeaderSize = 40;

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
std::uint64_t get_u64(const std::uint8_t* p) {
  return (std::uint64_t{get_u32(p)} << 32) | get_u32(p + 4);
}

void put_zigzag(std::vector<std::uint8_t>& out, std::int64_t value) {
  auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  // The format caps a varint at 9 bytes: the ninth carries a full 8 bits.
  for (int i = 0; i < 8; ++i) {
    if (v < 0x80) {
      out.push_back(static_cast<std::uint8_t>(v));
      return;
    }
    out.push_back(static_cast<std::uint8_t>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

std::int64_t get_zigzag(const std::uint8_t*& p, const std::uint8_t* end) {
  std::uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (p == end) throw std::invalid_argument("histogram payload ends inside a varint");
    const std::uint8_t b = *p++;
    if (i == 8) {
      v |= std::uint64_t{b} << 56;
      break;
    }
    v |= std::uint64_t{b & 0x7FU} << (7 * i);
    if ((b & 0x80U) == 0) break;
  }
  return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

}  // namespace

std::string encode_hdr_base64(const HdrHistogram& histogram) {
  std::vector<std::uint8_t> counts;
  const auto all = histogram.counts();
  const std::int32_t last = histogram.max_used_index();
  for (std::int32_t i = 0; i <= last;) {
    const std::int64_t count = all[static_cast<std::size_t>(i)];
    if (count != 0) {
      put_zigzag(counts, count);
      ++i;
      continue;
    }
    std::int64_t zeros = 0;
    while (i <= last && all[static_cast<std::size_t>(i)] == 0) {
      ++zeros;
      ++i;
    }
    put_zigzag(counts, zeros > 1 ? -zeros : 0);
  }

  std::vector<std::uint8_t> payload;
  payload.reserve(kPayloadHeaderSize + counts.size());
  put_u32(payload, kPayloadCookie);
  put_u32(payload, static_cast<std::uint32_t>(counts.size()));
  put_u32(payload, 0);  // normalizing index offset
  put_u32(payload, static_cast<std::uint32_t>(histogram.significant_digits()));
  put_u64(payload, static_cast<std::uint64_t>(histogram.lowest_discernible()));
  put_u64(payload, static_cast<std::uint64_t>(histogram.highest_trackable()));
  put_u64(payload, std::bit_cast<std::uint64_t>(1.0));  // integer-to-double ratio
  payload.insert(payload.end(), counts.begin(), counts.end());

  uLongf compressed_size = compressBound(static_cast<uLong>(payload.size()));
  std::vector<std::uint8_t> blob(8 + compressed_size);
  if (compress(blob.data() + 8, &compressed_size, payload.data(), static_cast<uLong>(payload.size())) != Z_OK)
    throw std::runtime_error("zlib failed to compress a histogram");
  blob.resize(8 + compressed_size);
  std::vector<std::uint8_t> header;
  put_u32(header, kCompressedCookie);
  put_u32(header, static_cast<std::uint32_t>(compressed_size));
  std::memcpy(blob.data(), header.data(), 8);
  return base64_encode(blob);
}

namespace {

// zlib's inflate, fed the whole compressed blob and asked for the payload a piece at a time.
class PayloadInflater {
 public:
  PayloadInflater(const std::uint8_t* data, std::size_t size) {
    stream_.next_in = const_cast<Bytef*>(data);  // zlib's API is not const; it only reads
    stream_.avail_in = static_cast<uInt>(size);
    if (inflateInit(&stream_) != Z_OK) throw std::runtime_error("zlib could not start inflating");
  }
  PayloadInflater(const PayloadInflater&) = delete;
  PayloadInflater& operator=(const PayloadInflater&) = delete;
  PayloadInflater(PayloadInflater&&) = delete;
  PayloadInflater& operator=(PayloadInflater&&) = delete;
  ~PayloadInflater() { inflateEnd(&stream_); }

  // Exactly `size` bytes into `out`; false when the stream ends first.
  bool fill(std::uint8_t* out, std::size_t size) {
    stream_.next_out = out;
    stream_.avail_out = static_cast<uInt>(size);
    while (stream_.avail_out > 0) {
      if (ended_) return false;
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END)
        ended_ = true;
      else if (rc != Z_OK)
        throw std::invalid_argument("histogram blob does not decompress");
    }
    return true;
  }

  // True when the stream ends where the filling stopped: no payload byte is left over.
  bool at_end() {
    if (ended_) return true;
    std::uint8_t extra = 0;
    stream_.next_out = &extra;
    stream_.avail_out = 1;
    const int rc = inflate(&stream_, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) return stream_.avail_out == 1;
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::invalid_argument("histogram blob does not decompress");
    return false;
  }

 private:
  z_stream stream_{};
  bool ended_ = false;
};

}  // namespace

HdrHistogram decode_hdr_base64(std::string_view blob) {
  // Blobs come from results files, maybe from elsewhere: every field is checked before it sizes
  // or indexes anything, and a bad one is one std::invalid_argument.
  std::vector<std::uint8_t> bytes;
  try {
    bytes = base64_decode(blob);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("not an HdrHistogram V2 compressed blob: ") + e.what());
  }
  if (bytes.size() < 8 || (get_u32(bytes.data()) & ~0xF0U) != (kCompressedCookie & ~0xF0U))
    throw std::invalid_argument("not an HdrHistogram V2 compressed blob");
  const std::uint32_t compressed_size = get_u32(bytes.data() + 4);
  if (compressed_size != bytes.size() - 8)
    throw std::invalid_argument("histogram blob length does not match its header");

  // Inflated in two steps, so the payload's own header bounds what is inflated: a small blob
  // that inflates to gigabytes stops at the header's size, not at the machine's memory.
  PayloadInflater inflater(bytes.data() + 8, compressed_size);
  std::vector<std::uint8_t> payload(kPayloadHeaderSize);
  if (!inflater.fill(payload.data(), kPayloadHeaderSize) ||
      (get_u32(payload.data()) & ~0xF0U) != (kPayloadCookie & ~0xF0U))
    throw std::invalid_argument("histogram payload has no V2 cookie");
  const std::uint32_t counts_size = get_u32(payload.data() + 4);
  if (get_u32(payload.data() + 8) != 0)
    throw std::invalid_argument(
        "histogram payload has a normalizing index offset, which surge does not read");
  const auto digits = static_cast<int>(get_u32(payload.data() + 12));
  const auto lowest = static_cast<std::int64_t>(get_u64(payload.data() + 16));
  const auto highest = static_cast<std::int64_t>(get_u64(payload.data() + 24));

  HdrHistogram histogram(lowest, highest, digits);  // checks the range; at most kMostCounts slots
  const auto slots = static_cast<std::int64_t>(histogram.counts().size());
  // At most one varint of 9 bytes per slot: a longer counts field cannot be a histogram's.
  if (counts_size > 9 * static_cast<std::uint64_t>(slots))
    throw std::invalid_argument("histogram payload says it holds more counts than its range has");
  payload.resize(kPayloadHeaderSize + counts_size);
  if (!inflater.fill(payload.data() + kPayloadHeaderSize, counts_size))
    throw std::invalid_argument("histogram payload is shorter than its header says");
  if (!inflater.at_end()) throw std::invalid_argument("histogram payload is longer than its header says");
  const std::uint8_t* p = payload.data() + kPayloadHeaderSize;
  const std::uint8_t* end = p + counts_size;
  std::int64_t index = 0;
  std::int64_t total = 0;
  while (p < end) {
    const std::int64_t v = get_zigzag(p, end);
    if (v < 0) {
      // A run of -v empty slots.
      if (v < -(slots - index)) throw std::invalid_argument("histogram payload runs past its range");
      index -= v;
      continue;
    }
    if (index >= slots) throw std::invalid_argument("histogram payload has more counts than its range holds");
    if (v > 0) {
      if (__builtin_add_overflow(total, v, &total)) throw std::invalid_argument("histogram counts overflow");
      histogram.set_count_at_index(static_cast<std::int32_t>(index), v);
    }
    ++index;
  }
  return histogram;
}

}  // namespace surge
