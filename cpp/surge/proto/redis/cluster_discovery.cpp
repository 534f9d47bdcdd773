#include "surge/proto/redis/cluster_discovery.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <memory>
#include <stdexcept>

namespace surge::redis {

namespace {

struct ContextFree {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

Reply ask(redisContext* c, const std::vector<std::string>& arguments, const std::string& where) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& a : arguments) {
    argv.push_back(a.c_str());
    lengths.push_back(a.size());
  }
  Reply reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply) throw std::invalid_argument(where + ": " + (c->errstr[0] != 0 ? c->errstr : "no reply"));
  return reply;
}

bool is_error(const Reply& r) {
  return r->type == REDIS_REPLY_ERROR;
}
std::string text(const Reply& r) {
  return {r->str, r->len};
}

CommandKeys keys_of(const redisReply* info) {
  CommandKeys keys;
  if (info == nullptr || info->type != REDIS_REPLY_ARRAY || info->elements < 6) return keys;
  for (int i = 3; i <= 5; ++i)
    if (info->element[i]->type != REDIS_REPLY_INTEGER) return keys;
  keys.first = static_cast<int>(info->element[3]->integer);
  keys.last = static_cast<int>(info->element[4]->integer);
  keys.step = static_cast<int>(info->element[5]->integer);
  keys.known = true;
  const redisReply* flags = info->element[2];
  for (std::size_t i = 0; flags->type == REDIS_REPLY_ARRAY && i < flags->elements; ++i) {
    const redisReply* f = flags->element[i];
    if (f->type != REDIS_REPLY_STATUS && f->type != REDIS_REPLY_STRING) continue;
    const std::string flag(f->str, f->len);
    if (flag == "readonly") keys.readonly = true;
    if (flag == "movablekeys") keys.movable = true;
  }
  return keys;
}

}  // namespace

ClusterPlan discover_cluster(const SeedNode& seed, const std::vector<std::string>& command_names) {
  const std::string where = "--cluster: " + seed.host + ":" + std::to_string(seed.port);
  const Nanos timeout = seed.timeout > 0 ? seed.timeout : 5 * kNanosPerSecond;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout / kNanosPerSecond);
  tv.tv_usec = static_cast<suseconds_t>((timeout % kNanosPerSecond) / 1000);
  std::unique_ptr<redisContext, ContextFree> c(redisConnectWithTimeout(seed.host.c_str(), seed.port, tv));
  if (!c || c->err != 0)
    throw std::invalid_argument(where + " cannot be reached (" + (c ? c->errstr : "out of memory") +
                                "): start the cluster, or name one of its nodes");
  redisSetTimeout(c.get(), tv);
  if (!seed.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!seed.username.empty()) auth.push_back(seed.username);
    auth.push_back(seed.password);
    const auto reply = ask(c.get(), auth, where);
    if (is_error(reply)) throw std::invalid_argument(where + " refused AUTH: " + text(reply));
  }
  ClusterPlan plan;
  auto shards = ask(c.get(), {"CLUSTER", "SHARDS"}, where);
  if (!is_error(shards)) {
    plan.topology = topology_from_shards(*shards, seed.host);
  } else {
    auto slots = ask(c.get(), {"CLUSTER", "SLOTS"}, where);
    if (is_error(slots))
      throw std::invalid_argument(where + " is not a cluster node (" + text(slots) +
                                  "): drop --cluster to load it as a single server");
    plan.topology = topology_from_slots(*slots, seed.host);
  }
  if (const int unowned = plan.topology.unowned_slots(); unowned > 0)
    throw std::invalid_argument(where + ": " + std::to_string(unowned) +
                                " of the cluster's 16384 slots have no primary; fix the cluster "
                                "(redis-cli --cluster fix) before loading it");
  std::vector<std::string> info{"COMMAND", "INFO"};
  info.insert(info.end(), command_names.begin(), command_names.end());
  const auto reply = ask(c.get(), info, where);
  if (is_error(reply) || reply->type != REDIS_REPLY_ARRAY || reply->elements != command_names.size())
    throw std::invalid_argument(where +
                                " did not answer COMMAND INFO, which cluster mode needs to find each "
                                "command's keys");
  for (std::size_t i = 0; i < reply->elements; ++i) plan.keys.push_back(keys_of(reply->element[i]));
  return plan;
}

}  // namespace surge::redis
