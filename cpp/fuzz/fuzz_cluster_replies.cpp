// What a cluster node says about the cluster, as arbitrary bytes: a redirect's text, and a
// CLUSTER SHARDS or CLUSTER SLOTS reply of any shape, which must be read or refused
// (std::invalid_argument), never crash.
#include <hiredis/hiredis.h>

#include <stdexcept>
#include <string_view>

#include "surge/proto/redis/cluster_slots.hpp"
#include "surge/proto/redis/cluster_topology.hpp"

namespace {

// hiredis 0.14 allocates an array's elements as soon as it reads the count: a count the input
// could never fill is an out-of-memory in hiredis, not in what surge does with the tree.
bool counts_fit(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '*') continue;
    std::size_t count = 0;
    for (std::size_t j = i + 1; j < bytes.size() && bytes[j] >= '0' && bytes[j] <= '9'; ++j) {
      count = count * 10 + static_cast<std::size_t>(bytes[j] - '0');
      if (count > bytes.size()) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (const auto redirect = surge::redis::parse_redirect(bytes)) (void)redirect->address.size();
  (void)surge::redis::hash_slot(bytes);
  if (!counts_fit(bytes)) return 0;
  redisReader* reader = redisReaderCreate();
  redisReaderFeed(reader, bytes.data(), bytes.size());
  void* reply = nullptr;
  if (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
    const auto& tree = *static_cast<redisReply*>(reply);
    for (const bool shards : {true, false}) {
      try {
        const auto topology = shards ? surge::redis::topology_from_shards(tree, "seed")
                                     : surge::redis::topology_from_slots(tree, "seed");
        (void)topology.unowned_slots();
      } catch (const std::invalid_argument&) {
      }
    }
    freeReplyObject(reply);
  }
  redisReaderFree(reader);
  return 0;
}
