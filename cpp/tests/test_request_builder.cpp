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
