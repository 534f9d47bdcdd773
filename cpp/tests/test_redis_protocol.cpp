// The Redis protocol pieces without a server: command serialisation and the reply reader.
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "check.hpp"
#include "surge/proto/redis/command_builder.hpp"
#include "surge/proto/redis/resp_reader.hpp"

using namespace surge;
using namespace surge::redis;

namespace {

// hiredis' own formatter, as the reference for ours.
std::string hiredis_format(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* formatted = nullptr;
  const int n =
      redisFormatCommandArgv(&formatted, static_cast<int>(args.size()), argv.data(), lengths.data());
  std::string out(formatted, static_cast<std::size_t>(n));
  std::free(formatted);
  return out;
}

// A reply with its text copied out: the reader's text view lasts until its next call.
struct Kept {
  ReplyKind kind;
  long long integer;
  std::size_t size;
  std::string text;
};

std::vector<Kept> read_all(RespReader& reader, RespReader::Step& last) {
  std::vector<Kept> replies;
  Reply r;
  while ((last = reader.next(r)) == RespReader::Step::reply)
    replies.push_back({r.kind, r.integer, r.size, std::string(r.text)});
  return replies;
}

}  // namespace

TEST(commands_are_formatted_as_hiredis_does) {
  const std::vector<std::vector<std::string>> cases = {
      {"GET", "key:1"}, {"SET", "k", std::string("bin\0ary\r\n", 9), "EX", "300"}, {"PING"}, {"SET", "", ""}};
  for (const auto& args : cases) {
    std::string ours;
    append_command(ours, args);
    CHECK(ours == hiredis_format(args));
  }
}

TEST(command_templates_render_each_argument) {
  CommandBuilder set(
      {.command = "SET  key:{id} {value} EX 300", .variables = {{"id", "seq"}, {"value", "bytes(4)"}}});
  CHECK(set.name() == "SET");
  Rng rng(1);
  std::string out;
  set.append(out, rng);
  set.append(out, rng);  // appends: one buffer carries a pipeline
  const std::string first = "*5\r\n$3\r\nSET\r\n$5\r\nkey:0\r\n$4\r\n";
  CHECK(out.compare(0, first.size(), first) == 0);
  CHECK(out.find("$5\r\nkey:1\r\n") != std::string::npos);
  CHECK(out.find("$2\r\nEX\r\n$3\r\n300\r\n") != std::string::npos);
}

TEST(a_placeholder_with_spaces_is_one_argument) {
  CommandBuilder get({.command = "get {choice(a, b)}"});
  CHECK(get.name() == "GET");
  Rng rng(3);
  std::string out;
  get.append(out, rng);
  CHECK(out == hiredis_format({"get", "a"}) || out == hiredis_format({"get", "b"}));
}

TEST(bad_command_templates_are_rejected) {
  bool threw = false;
  try {
    CommandBuilder({.command = "GET {nope}"});
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
  threw = false;
  try {
    CommandBuilder({.command = "   "});
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

TEST(reader_summarises_each_reply_kind) {
  RespReader reader;
  reader.feed("+OK\r\n-ERR wrong type\r\n:42\r\n$-1\r\n$5\r\nhello\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n");
  RespReader::Step last{};
  const auto replies = read_all(reader, last);
  CHECK(last == RespReader::Step::need_more);
  CHECK(replies.size() == 7);
  if (replies.size() != 7) return;
  CHECK(replies[0].kind == ReplyKind::status && replies[0].text == "OK");
  CHECK(replies[1].kind == ReplyKind::error && replies[1].text == "ERR wrong type");
  CHECK(replies[2].kind == ReplyKind::integer && replies[2].integer == 42);
  CHECK(replies[3].kind == ReplyKind::nil);
  CHECK(replies[4].kind == ReplyKind::string && replies[4].size == 5);
  CHECK(replies[5].kind == ReplyKind::array && replies[5].size == 2);  // nested parts not reported
  CHECK(replies[6].kind == ReplyKind::nil);                            // a nil array is nil too
}

TEST(reader_completes_replies_split_anywhere) {
  const std::string stream = "*3\r\n$3\r\nfoo\r\n:7\r\n$-1\r\n-MOVED 1 x\r\n$0\r\n\r\n";
  RespReader reader;
  std::vector<Kept> replies;
  for (const char c : stream) {
    reader.feed(std::string_view(&c, 1));
    RespReader::Step last{};
    for (const auto& r : read_all(reader, last)) replies.push_back(r);
    CHECK(last == RespReader::Step::need_more);
  }
  CHECK(replies.size() == 3);
  if (replies.size() != 3) return;
  CHECK(replies[0].kind == ReplyKind::array && replies[0].size == 3);
  CHECK(replies[1].kind == ReplyKind::error && replies[1].text == "MOVED 1 x");
  CHECK(replies[2].kind == ReplyKind::string && replies[2].size == 0);
}

TEST(reader_reports_garbage_and_recovers_after_reset) {
  RespReader reader;
  reader.feed("HTTP/1.1 200 OK\r\n");
  Reply r;
  CHECK(reader.next(r) == RespReader::Step::protocol_error);
  CHECK(!reader.error().empty());
  reader.reset();
  reader.feed(":1\r\n");
  CHECK(reader.next(r) == RespReader::Step::reply && r.integer == 1);
}

TEST(long_error_text_is_cut_not_overflowed) {
  RespReader reader;
  reader.feed("-" + std::string(500, 'E') + "\r\n");
  Reply r;
  CHECK(reader.next(r) == RespReader::Step::reply);
  CHECK(r.kind == ReplyKind::error && r.text.size() == 120 && r.size == 500);
}
