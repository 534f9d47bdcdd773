// The Redis protocol pieces without a server: command serialisation and the reply reader.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <string>
#include <vector>

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

TEST_CASE("commands are formatted as hiredis does") {
  const std::vector<std::vector<std::string>> cases = {
      {"GET", "key:1"}, {"SET", "k", std::string("bin\0ary\r\n", 9), "EX", "300"}, {"PING"}, {"SET", "", ""}};
  for (const auto& args : cases) {
    std::string ours;
    append_command(ours, args);
    CHECK(ours == hiredis_format(args));
  }
}

TEST_CASE("command templates render each argument") {
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

TEST_CASE("a placeholder with spaces is one argument") {
  CommandBuilder get({.command = "get {choice(a, b)}"});
  CHECK(get.name() == "GET");
  Rng rng(3);
  std::string out;
  get.append(out, rng);
  CHECK((out == hiredis_format({"get", "a"}) || out == hiredis_format({"get", "b"})));
}

TEST_CASE("bad command templates are rejected") {
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

TEST_CASE("reader summarises each reply kind") {
  RespReader reader;
  reader.feed("+OK\r\n-ERR wrong type\r\n:42\r\n$-1\r\n$5\r\nhello\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n");
  RespReader::Step last{};
  const auto replies = read_all(reader, last);
  CHECK(last == RespReader::Step::need_more);
  CHECK(replies.size() == 7);
  if (replies.size() != 7) return;
  CHECK(replies[0].kind == ReplyKind::status);
  CHECK(replies[0].text == "OK");
  CHECK(replies[1].kind == ReplyKind::error);
  CHECK(replies[1].text == "ERR wrong type");
  CHECK(replies[2].kind == ReplyKind::integer);
  CHECK(replies[2].integer == 42);
  CHECK(replies[3].kind == ReplyKind::nil);
  CHECK(replies[4].kind == ReplyKind::string);
  CHECK(replies[4].size == 5);
  CHECK(replies[5].kind == ReplyKind::array);
  CHECK(replies[5].size == 2);               // nested parts not reported
  CHECK(replies[6].kind == ReplyKind::nil);  // a nil array is nil too
}

TEST_CASE("reader completes replies split anywhere") {
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
  CHECK(replies[0].kind == ReplyKind::array);
  CHECK(replies[0].size == 3);
  CHECK(replies[1].kind == ReplyKind::error);
  CHECK(replies[1].text == "MOVED 1 x");
  CHECK(replies[2].kind == ReplyKind::string);
  CHECK(replies[2].size == 0);
}

TEST_CASE("reader reports garbage and recovers after reset") {
  RespReader reader;
  reader.feed("HTTP/1.1 200 OK\r\n");
  Reply r;
  CHECK(reader.next(r) == RespReader::Step::protocol_error);
  CHECK(!reader.error().empty());
  reader.reset();
  reader.feed(":1\r\n");
  CHECK(reader.next(r) == RespReader::Step::reply);
  CHECK(r.integer == 1);
}

TEST_CASE("long error text is cut not overflowed") {
  RespReader reader;
  reader.feed("-" + std::string(500, 'E') + "\r\n");
  Reply r;
  CHECK(reader.next(r) == RespReader::Step::reply);
  CHECK(r.kind == ReplyKind::error);
  CHECK(r.text.size() == 120);
  CHECK(r.size == 500);
}
