// Sans-IO pieces of Redis Cluster's routing: the hash slot of a key (CRC16 of the key, or of
// its {hash tag}, modulo 16384, as the cluster specification defines it) and the redirects a
// node answers with when it does not serve a slot (MOVED and ASK).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace surge::redis {

inline constexpr int kClusterSlots = 16384;

// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the checksum the cluster uses.
[[nodiscard]] std::uint16_t crc16(std::string_view bytes) noexcept;

// The slot a key lives in. Only the part between the first '{' and the next '}' is hashed, if
// that part is not empty, so "user:{42}:name" and "user:{42}:mail" share a slot.
[[nodiscard]] int hash_slot(std::string_view key) noexcept;

struct Redirect {
  bool ask = false;  // ASK: this command only, after ASKING; MOVED: the slot moved for good
  int slot = 0;
  std::string address;  // "host:port" of the node that serves the slot now
};

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381"; nullopt for any other error reply.
[[nodiscard]] std::optional<Redirect> parse_redirect(std::string_view error) noexcept;

}  // namespace surge::redis
