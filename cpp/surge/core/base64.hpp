// Standard base64 (RFC 4648, with padding), for histogram blobs in results JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace surge {

std::string base64_encode(const std::vector<std::uint8_t>& bytes);
// Throws std::invalid_argument on characters outside the alphabet.
std::vector<std::uint8_t> base64_decode(std::string_view text);

}  // namespace surge
