// HdrHistogram V2 compressed encoding ("HISTFAAA..." blobs): what HdrHistogram's Java, C and
// Python libraries decode, so results can be read by existing tools and written to .hlog files.
#pragma once

#include <string>
#include <string_view>

#include "surge/core/hdr_histogram.hpp"

namespace surge {

// zlib-compressed V2 payload behind the compressed-encoding header, base64 encoded.
std::string encode_hdr_base64(const HdrHistogram& histogram);
// Throws std::invalid_argument when the blob is not a V2 compressed histogram.
HdrHistogram decode_hdr_base64(std::string_view blob);

}  // namespace surge
