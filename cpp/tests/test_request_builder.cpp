// Request serialisation from templates, without a server.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "surge/proto/http/request_builder.hpp"

using surge::http::RequestBuilder;
using surge::http::RequestSpec;

TEST_CASE("get request has host and no body") {
  RequestSpec spec;
  spec.path = "/items/{id}";
  spec.variables = {{"id", "seq(7)"}};
  RequestBuilder builder(spec, "127.0.0.1:80");
  surge::Rng rng(1);
  std::string out;
  builder.build(out, rng);
  CHECK(out == "GET /items/7 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n");
  builder.build(out, rng);
  CHECK(out.starts_with("GET /items/8 "));
}

TEST_CASE("post has content length of the rendered body") {
  RequestSpec spec;
  spec.method = "POST";
  spec.path = "/p";
  spec.headers = {{"X-Id", "{n}"}};
  spec.body = "{\"n\": {n}}";
  spec.variables = {{"n", "seq(100)"}};
  RequestBuilder builder(spec, "h:1");
  surge::Rng rng(1);
  std::string out;
  builder.build(out, rng);
  CHECK(out == "POST /p HTTP/1.1\r\nHost: h:1\r\nX-Id: 100\r\nContent-Length: 10\r\n\r\n{\"n\": 100}");
}

TEST_CASE("partitioned sequences do not overlap") {
  RequestSpec spec;
  spec.path = "/{seq}";
  RequestBuilder a(spec, "h");
  RequestBuilder b(spec, "h");
  a.partition(0, 2);
  b.partition(1, 2);
  surge::Rng rng(1);
  std::string out;
  a.build(out, rng);
  CHECK(out.starts_with("GET /0 "));
  b.build(out, rng);
  CHECK(out.starts_with("GET /1 "));
  a.build(out, rng);
  CHECK(out.starts_with("GET /2 "));
}

TEST_CASE("bad requests are refused with the field named") {
  RequestSpec spec;
  spec.path = "no-slash";
  bool threw = false;
  try {
    RequestBuilder builder(spec, "h");
  } catch (const std::invalid_argument& e) {
    threw = std::string(e.what()).find("must start with '/'") != std::string::npos;
  }
  CHECK(threw);
  spec.path = "/";
  spec.headers = {{"Content-Length", "3"}};
  threw = false;
  try {
    RequestBuilder builder(spec, "h");
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

TEST_CASE("a line break in a path or header value is refused: it would inject headers") {
  auto refused = [](const RequestSpec& spec) {
    try {
      RequestBuilder builder(spec, "h:1");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  RequestSpec path;
  path.path = "/x\r\nEvil: 1";
  CHECK(refused(path).find("bad request path") != std::string::npos);
  RequestSpec header;
  header.headers = {{"X-Id", "a\nb"}};
  CHECK(refused(header).find("bad header 'X-Id'") != std::string::npos);
  RequestSpec via_choice;
  via_choice.path = "/{v}";
  via_choice.variables = {{"v", "choice(a,b\r\nEvil: 1)"}};
  CHECK(refused(via_choice).find("line break") != std::string::npos);
  RequestSpec inline_choice;
  inline_choice.headers = {{"X-Id", "{choice(ok,bad\n)}"}};
  CHECK(refused(inline_choice).find("line break") != std::string::npos);
  RequestSpec fine;  // a body may hold anything
  fine.body = "line one\r\nline two";
  CHECK(refused(fine).empty());
}
