// Redis Cluster's routing pieces without a server: the hash slot of a key, the redirects, the
// topology replies and where a command's keys are. The slot figures are redis-server 7.0's own
// answers to CLUSTER KEYSLOT.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "surge/proto/redis/cluster_router.hpp"
#include "surge/proto/redis/cluster_slots.hpp"
#include "surge/proto/redis/cluster_topology.hpp"

using namespace surge::redis;

namespace {

std::string arr(int n) {
  return "*" + std::to_string(n) + "\r\n";
}
std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string num(long long i) {
  return ":" + std::to_string(i) + "\r\n";
}

struct ReplyFree {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using Tree = std::unique_ptr<redisReply, ReplyFree>;

// The reply tree hiredis builds from these bytes.
Tree tree(const std::string& resp) {
  redisReader* reader = redisReaderCreate();
  redisReaderFeed(reader, resp.data(), resp.size());
  void* reply = nullptr;
  REQUIRE(redisReaderGetReply(reader, &reply) == REDIS_OK);
  redisReaderFree(reader);
  REQUIRE(reply != nullptr);
  return Tree(static_cast<redisReply*>(reply));
}

std::string shard_node(const std::string& ip, int port, const std::string& role, const std::string& health) {
  return arr(8) + bulk("port") + num(port) + bulk("ip") + bulk(ip) + bulk("role") + bulk(role) +
         bulk("health") + bulk(health);
}

}  // namespace

TEST_CASE("a key's slot is the CRC16 of the key, or of its hash tag, modulo 16384") {
  CHECK(crc16("123456789") == 0x31C3);  // the cluster specification's check value
  CHECK(hash_slot("123456789") == 12739);
  CHECK(hash_slot("foo") == 12182);
  CHECK(hash_slot("somekey") == 11058);
  CHECK(hash_slot("") == 0);
  // Only the first {...} counts, and only when it is not empty.
  CHECK(hash_slot("{user1000}.following") == 3443);
  CHECK(hash_slot("{user1000}.followers") == 3443);
  CHECK(hash_slot("foo{bar}{zap}") == 5061);
  CHECK(hash_slot("bar") == 5061);
  CHECK(hash_slot("foo{}{bar}") == 8363);     // an empty tag: the whole key
  CHECK(hash_slot("foo{{bar}}zap") == 4015);  // the tag is "{bar"
  CHECK(hash_slot("{bar") == 4015);           // no closing brace: the whole key
}

TEST_CASE("MOVED and ASK say where the slot is served; other errors are not redirects") {
  auto moved = parse_redirect("MOVED 3999 127.0.0.1:6381");
  REQUIRE(moved);
  CHECK_FALSE(moved->ask);
  CHECK(moved->slot == 3999);
  CHECK(moved->address == "127.0.0.1:6381");
  auto ask = parse_redirect("ASK 16383 ::1:7000");
  REQUIRE(ask);
  CHECK(ask->ask);
  CHECK(ask->slot == 16383);
  CHECK(ask->address == "::1:7000");
  CHECK(parse_redirect("MOVED 12 :7001"));  // an unknown host: the node that said it
  CHECK_FALSE(parse_redirect("CLUSTERDOWN The cluster is down"));
  CHECK_FALSE(parse_redirect("ERR MOVED 3999 127.0.0.1:6381"));
  CHECK_FALSE(parse_redirect("MOVED 16384 127.0.0.1:6381"));
  CHECK_FALSE(parse_redirect("MOVED x 127.0.0.1:6381"));
  CHECK_FALSE(parse_redirect("MOVED 3999"));
  CHECK_FALSE(parse_redirect("MOVED 3999 127.0.0.1"));
  CHECK_FALSE(parse_redirect("MOVED 3999 127.0.0.1:0"));
  CHECK_FALSE(parse_redirect("MOVED 3999 127.0.0.1:99999"));
}

TEST_CASE("CLUSTER SLOTS: each range's first node is its primary, the rest its replicas") {
  const std::string reply = arr(2) +                                                 //
                            arr(4) + num(0) + num(8191) +                            //
                            arr(3) + bulk("127.0.0.1") + num(7000) + bulk("id-a") +  //
                            arr(3) + bulk("127.0.0.1") + num(7003) + bulk("id-d") +  //
                            arr(3) + num(8192) + num(16383) +                        //
                            arr(3) + bulk("") + num(7001) + bulk("id-b");            // no ip: the seed's
  const auto topology = topology_from_slots(*tree(reply), "10.0.0.9");
  REQUIRE(topology.nodes.size() == 3);
  CHECK(topology.nodes[0].address() == "127.0.0.1:7000");
  CHECK(topology.nodes[0].primary == -1);
  CHECK(topology.nodes[1].address() == "127.0.0.1:7003");
  CHECK(topology.nodes[1].primary == 0);
  CHECK(topology.nodes[2].address() == "10.0.0.9:7001");
  CHECK(topology.owner[0] == 0);
  CHECK(topology.owner[8191] == 0);
  CHECK(topology.owner[8192] == 2);
  CHECK(topology.owner[16383] == 2);
  CHECK(topology.unowned_slots() == 0);
}

TEST_CASE("CLUSTER SHARDS: a shard's primary owns its slots; failed nodes serve nothing") {
  const std::string reply = arr(3) +                                                                      //
                            arr(4) + bulk("slots") + arr(4) + num(0) + num(99) + num(200) + num(299) +    //
                            bulk("nodes") + arr(2) + shard_node("127.0.0.1", 7000, "master", "online") +  //
                            shard_node("127.0.0.1", 7003, "replica", "online") +                          //
                            arr(4) + bulk("slots") + arr(2) + num(100) + num(199) +                       //
                            bulk("nodes") + arr(2) + shard_node("127.0.0.1", 7001, "master", "online") +  //
                            shard_node("127.0.0.1", 7004, "replica", "loading") +                         //
                            arr(4) + bulk("slots") + arr(2) + num(300) + num(16383) +                     //
                            bulk("nodes") + arr(2) + shard_node("127.0.0.1", 7002, "master", "failed") +  //
                            shard_node("127.0.0.1", 7005, "replica", "online");
  const auto topology = topology_from_shards(*tree(reply), "127.0.0.1");
  REQUIRE(topology.nodes.size() == 4);
  CHECK(topology.nodes[topology.find("127.0.0.1", 7003)].primary == topology.find("127.0.0.1", 7000));
  // Redis 7 calls a replica "loading" until something is written: it still serves reads.
  CHECK(topology.nodes[topology.find("127.0.0.1", 7004)].primary == topology.find("127.0.0.1", 7001));
  CHECK(topology.find("127.0.0.1", 7002) == -1);  // failed
  CHECK(topology.find("127.0.0.1", 7005) == -1);  // the replica of a failed primary, until promoted
  CHECK(topology.owner[250] == topology.find("127.0.0.1", 7000));
  CHECK(topology.owner[150] == topology.find("127.0.0.1", 7001));
  // The failed primary's slots have no owner until its replica is promoted.
  CHECK(topology.unowned_slots() == 16384 - 300);
}

TEST_CASE("a reply of another shape is refused, not guessed at") {
  CHECK_THROWS_AS(topology_from_slots(*tree(bulk("nope")), "h"), std::invalid_argument);
  CHECK_THROWS_AS(topology_from_slots(*tree(arr(1) + arr(2) + num(0) + num(1)), "h"), std::invalid_argument);
  CHECK_THROWS_AS(topology_from_shards(*tree(arr(1) + arr(2) + bulk("slots") + arr(0)), "h"),
                  std::invalid_argument);
  const std::string out_of_range =
      arr(1) + arr(3) + num(0) + num(16384) + arr(2) + bulk("127.0.0.1") + num(1);
  CHECK_THROWS_AS(topology_from_slots(*tree(out_of_range), "h"), std::invalid_argument);
}

TEST_CASE("a command's keys are where COMMAND INFO puts them") {
  const CommandKeys get{1, 1, 1, true, false, true};
  const CommandKeys mset{1, -1, 2, false, false, true};
  const CommandKeys ping{0, 0, 0, false, false, true};
  CHECK(command_slot(get, {"GET", "foo"}) == 12182);
  CHECK(command_slot(ping, {"PING"}) == -1);
  CHECK(keys_share_a_slot(mset, {"MSET", "{user1000}.a", "1", "{user1000}.b", "2"}));
  // "1" and "2" are values, not keys: only every other argument is.
  CHECK(keys_share_a_slot(mset, {"MSET", "foo", "1", "foo", "2"}));
  CHECK_FALSE(keys_share_a_slot(mset, {"MSET", "foo", "1", "bar", "2"}));
}
