// The HTTP response reader needs no server: bytes in, events out.
#include <doctest/doctest.h>

#include <string>

#include "surge/proto/http/response_reader.hpp"

using surge::http::ResponseReader;

namespace {

// Feeds `wire` in pieces of `step` bytes, keeping unconsumed bytes as a connection would.
ResponseReader::State feed_in_pieces(ResponseReader& reader, const std::string& wire, std::size_t step) {
  std::string pending;
  std::size_t offset = 0;
  while (offset < wire.size()) {
    pending += wire.substr(offset, step);
    offset += step;
    const auto result = reader.feed(pending);
    pending.erase(0, result.consumed);
    if (result.state != ResponseReader::State::need_more) return result.state;
  }
  return ResponseReader::State::need_more;
}

}  // namespace

TEST_CASE("content length response in every split") {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
  for (std::size_t step = 1; step <= wire.size(); ++step) {
    ResponseReader reader;
    reader.start(false, true);
    CHECK(feed_in_pieces(reader, wire, step) == ResponseReader::State::complete);
    CHECK(reader.status() == 200);
    CHECK(reader.body() == "hello");
    CHECK(reader.keep_alive());
  }
}

TEST_CASE("chunked body is reassembled") {
  ResponseReader reader;
  reader.start(false, true);
  const std::string wire =
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  CHECK(feed_in_pieces(reader, wire, 7) == ResponseReader::State::complete);
  CHECK(reader.status() == 404);
  CHECK(reader.body() == "abcde");
}

TEST_CASE("connection close is not keep alive") {
  ResponseReader reader;
  reader.start(false, false);
  const auto step = reader.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  CHECK(step.state == ResponseReader::State::complete);
  CHECK(!reader.keep_alive());
  CHECK(reader.body().empty());  // bodies are kept only when a check needs them
}

TEST_CASE("body until eof") {
  ResponseReader reader;
  reader.start(false, true);
  CHECK(reader.feed("HTTP/1.0 200 OK\r\n\r\npartial").state == ResponseReader::State::need_more);
  CHECK(reader.finish_on_eof() == ResponseReader::State::complete);
  CHECK(reader.body() == "partial");
}

TEST_CASE("head response has no body") {
  ResponseReader reader;
  reader.start(true, false);
  CHECK(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n").state ==
        ResponseReader::State::complete);
}

TEST_CASE("pipelined bytes are left unconsumed") {
  ResponseReader reader;
  reader.start(false, false);
  const std::string two =
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 201 OK\r\nContent-Length: 0\r\n\r\n";
  const auto first = reader.feed(two);
  CHECK(first.state == ResponseReader::State::complete);
  reader.start(false, false);
  const auto second = reader.feed(std::string_view(two).substr(first.consumed));
  CHECK(second.state == ResponseReader::State::complete);
  CHECK(reader.status() == 201);
}

TEST_CASE("garbage is malformed") {
  ResponseReader reader;
  reader.start(false, false);
  CHECK(reader.feed("SURELY NOT HTTP\r\n\r\n").state == ResponseReader::State::malformed);
  CHECK(!reader.error().empty());
}

TEST_CASE("eof before any byte is not a response") {
  ResponseReader reader;
  reader.start(false, false);
  CHECK(reader.finish_on_eof() == ResponseReader::State::malformed);
  CHECK(!reader.started());
}

TEST_CASE("interim 1xx responses are skipped, in one read or across reads") {
  ResponseReader reader;
  reader.start(false, true);
  const std::string both =
      "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  auto step = reader.feed(both);
  CHECK(step.state == ResponseReader::State::complete);
  CHECK(step.consumed == both.size());
  CHECK(reader.status() == 200);
  CHECK(reader.body() == "ok");

  reader.start(false, false);
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  step = reader.feed(interim);
  CHECK(step.state == ResponseReader::State::need_more);
  CHECK(step.consumed == interim.size());
  step = reader.feed("HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(step.state == ResponseReader::State::complete);
  CHECK(reader.status() == 204);
}

TEST_CASE("headers up to 64 KiB are read; past that the error says so") {
  ResponseReader reader;
  reader.start(false, false);
  const std::string big = "HTTP/1.1 200 OK\r\nSet-Cookie: " + std::string(std::size_t{60} * 1024, 'c') +
                          "\r\nContent-Length: 0\r\n\r\n";
  CHECK(reader.feed(big).state == ResponseReader::State::complete);
  reader.start(false, false);
  const std::string huge =
      "HTTP/1.1 200 OK\r\nSet-Cookie: " + std::string(std::size_t{70} * 1024, 'c') + "\r\n\r\n";
  CHECK(reader.feed(huge).state == ResponseReader::State::malformed);
  CHECK(reader.error() == "response header larger than 64 KiB");
}

TEST_CASE("a close after an interim response is a malformed response, not an end Beast never began") {
  // Found by fuzz_http_response: put_eof on a parser that got no bytes.
  ResponseReader reader;
  reader.start(false, false);
  CHECK(reader.feed("HTTP/1.1 100 Continue\r\n\r\n").state == ResponseReader::State::need_more);
  CHECK(reader.finish_on_eof() == ResponseReader::State::malformed);
  CHECK(reader.error() == "connection closed after an interim response, before the final one");
  CHECK(reader.started());  // bytes came: not a request that died before any answer
}
