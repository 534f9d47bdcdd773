#include "surge/proto/redis/resp_reader.hpp"

#include <hiredis/read.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace surge::redis {

namespace {

// Every callback returns a non-null token (null would mean "out of memory" to hiredis) and
// records only what a load test needs of the top-level reply.
RespReader::Pending& pending_of(const redisReadTask* task) {
  return *static_cast<RespReader::Pending*>(task->privdata);
}

void* note(const redisReadTask* task, ReplyKind kind) {
  auto& p = pending_of(task);
  if (task->parent == nullptr) p.reply = Reply{.kind = kind, .integer = 0, .size = 0, .text = {}};
  return &p;
}

void* create_string(const redisReadTask* task, char* data, size_t length) {
  ReplyKind kind = ReplyKind::string;
  if (task->type == REDIS_REPLY_ERROR) kind = ReplyKind::error;
  if (task->type == REDIS_REPLY_STATUS) kind = ReplyKind::status;
  void* token = note(task, kind);
  if (task->parent == nullptr) {
    auto& p = pending_of(task);
    p.reply.size = length;
    if (kind != ReplyKind::string) {
      const std::size_t kept = std::min(length, p.text.size());
      std::memcpy(p.text.data(), data, kept);
      p.reply.text = std::string_view(p.text.data(), kept);
    }
  }
  return token;
}

void* create_array(const redisReadTask* task, int elements) {
  void* token = note(task, ReplyKind::array);
  if (task->parent == nullptr) pending_of(task).reply.size = static_cast<std::size_t>(std::max(elements, 0));
  return token;
}

void* create_integer(const redisReadTask* task, long long value) {
  void* token = note(task, ReplyKind::integer);
  if (task->parent == nullptr) pending_of(task).reply.integer = value;
  return token;
}

void* create_nil(const redisReadTask* task) {
  return note(task, ReplyKind::nil);
}

void free_object(void*) {}  // nothing was allocated

redisReplyObjectFunctions kSummaryFunctions = {
    create_string, create_array, create_integer, create_nil, free_object,
};

}  // namespace

void RespReader::ReaderDeleter::operator()(redisReader* r) const noexcept {
  redisReaderFree(r);
}

RespReader::RespReader() {
  reset();
}

RespReader::~RespReader() = default;

void RespReader::reset() {
  reader_.reset(redisReaderCreateWithFunctions(&kSummaryFunctions));
  if (!reader_) throw std::bad_alloc();
  reader_->privdata = &pending;
  reader_->maxbuf = 0;  // keep the buffer between replies instead of freeing it when idle
  pending = Pending{};
}

void RespReader::feed(std::string_view bytes) {
  if (!bytes.empty()) redisReaderFeed(reader_.get(), bytes.data(), bytes.size());
}

RespReader::Step RespReader::next(Reply& out) {
  // A top-level array is noted when its header arrives, possibly several feeds before its
  // last element completes the reply; the token only comes back once it is whole.
  void* token = nullptr;
  if (redisReaderGetReply(reader_.get(), &token) != REDIS_OK) return Step::protocol_error;
  if (token == nullptr) return Step::need_more;
  out = pending.reply;
  return Step::reply;
}

std::string_view RespReader::error() const noexcept {
  return reader_->errstr;
}

}  // namespace surge::redis
