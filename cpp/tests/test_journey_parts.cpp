// A journey's sans-IO parts, without a server: user variables in templates, JSON paths,
// captures and checks, the cookie jar, and feeders.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "surge/proto/http/cookie_jar.hpp"
#include "surge/proto/http/feeder_cursor.hpp"
#include "surge/proto/http/json_path.hpp"
#include "surge/proto/http/request_builder.hpp"
#include "surge/proto/http/step_judge.hpp"

using namespace surge::http;

TEST_CASE("a request renders the user's variables, and refuses one that would inject a header") {
  const std::vector<std::string> names{"id", "token"};
  RequestSpec spec;
  spec.method = "PUT";
  spec.path = "/items/{id}";
  spec.headers = {{"Authorization", "Bearer {token}"}};
  spec.body = "{\"id\": {id}}";
  RequestBuilder builder(spec, "h:1", &names);
  surge::Rng rng(1);
  std::vector<std::string> values{"42", "abc"};
  std::string out;
  REQUIRE(builder.build(out, rng, UserContext{&values}));
  CHECK(out ==
        "PUT /items/42 HTTP/1.1\r\nHost: h:1\r\nAuthorization: Bearer abc\r\nContent-Length: "
        "10\r\n\r\n{\"id\": 42}");
  values[1] = "abc\r\nX-Evil: 1";
  std::string bad;
  CHECK_FALSE(builder.build(out, rng, UserContext{&values}, &bad));
  CHECK(bad.find("'token'") != std::string::npos);

  // In the body a line break is only text.
  RequestSpec body_only;
  body_only.method = "POST";
  body_only.body = "{id}";
  RequestBuilder body_builder(body_only, "h:1", &names);
  values = {"4\n2", "abc"};
  CHECK(body_builder.build(out, rng, UserContext{&values}));
  CHECK(out.ends_with("\r\n\r\n4\n2"));

  RequestSpec unknown;
  unknown.path = "/x/{nope}";
  CHECK_THROWS_AS(RequestBuilder(unknown, "h:1", &names), std::invalid_argument);
}

TEST_CASE("JSON paths find strings as text and the rest as JSON") {
  simdjson::dom::parser parser;
  const std::string body =
      R"({"id": 7, "items": [{"token": "t0"}, {"token": "t1", "n": [1, 2]}], "odd key": true})";
  const simdjson::dom::element root = parser.parse(body);
  CHECK(JsonPath::parse("$.id").find(root) == "7");
  CHECK(JsonPath::parse("$.items[1].token").find(root) == "t1");
  CHECK(JsonPath::parse("$.items[1].n").find(root) == "[1,2]");
  CHECK(JsonPath::parse("$[\"odd key\"]").find(root) == "true");
  CHECK(JsonPath::parse("$").find(root)->starts_with("{\"id\":7"));
  CHECK_FALSE(JsonPath::parse("$.items[5].token").find(root));
  CHECK_FALSE(JsonPath::parse("$.id.deeper").find(root));
  for (const char* bad : {"id", "$.", "$[x]", "$[1", "$a"})
    CHECK_THROWS_AS(JsonPath::parse(bad), std::invalid_argument);
}

namespace {

std::pair<std::string, StepSpec> step(std::string name, std::vector<Capture> captures,
                                      std::vector<ValueCheck> checks) {
  StepSpec spec;
  spec.captures = std::move(captures);
  spec.checks = std::move(checks);
  return {std::move(name), std::move(spec)};
}

}  // namespace

TEST_CASE("a step captures into the user's variables and checks against them") {
  const std::vector<std::string> names{"id", "name", "loc", "word"};
  StepJudge judge(
      {step("create",
            {{"id", {Extraction::From::json, "$.id"}},
             {"loc", {Extraction::From::header, "location"}},
             {"word", {Extraction::From::regex, R"(name": "(\w+))"}}},
            {}),
       step("read", {}, {{{Extraction::From::json, "$.name"}, ValueCheck::Kind::equals, "{name}"}}),
       step("match", {}, {{{Extraction::From::json, "$.id"}, ValueCheck::Kind::matches, "^[0-9]+$"}})},
      names);
  std::vector<std::string> values(4);
  values[1] = "aspirin";
  const std::vector<std::pair<std::string, std::string>> headers{{"Location", "/m/12"}};
  Response created{201, R"({"id": 12, "name": "aspirin"})", headers};
  CHECK_FALSE(judge.judge(0, created, values));
  CHECK(values[0] == "12");
  CHECK(values[2] == "/m/12");
  CHECK(values[3] == "aspirin");
  CHECK(judge.reads_headers(0));
  CHECK_FALSE(judge.reads_headers(1));

  CHECK_FALSE(judge.judge(1, Response{200, R"({"name": "aspirin"})", {}}, values));
  const auto wrong = judge.judge(1, Response{200, R"({"name": "ibuprofen"})", {}}, values);
  REQUIRE(wrong);
  CHECK(wrong->find("'ibuprofen', expected 'aspirin'") != std::string::npos);
  CHECK(judge.judge(2, Response{200, R"({"id": "x1"})", {}}, values));

  const auto missing = judge.judge(0, Response{201, "not json", {}}, values);
  REQUIRE(missing);
  CHECK(missing->find("not JSON") != std::string::npos);
  CHECK_THROWS_AS(StepJudge({step("s", {{"nope", {Extraction::From::body, ""}}}, {})}, names),
                  std::invalid_argument);
  CHECK_THROWS_AS(StepJudge({step("s", {{"id", {Extraction::From::regex, "("}}}, {})}, names),
                  std::invalid_argument);
}

TEST_CASE("the cookie jar keeps, scopes, replaces and expires cookies") {
  CookieJar jar("shop.test");
  const std::int64_t now = 1'700'000'000;
  jar.store("sid=abc; Path=/; HttpOnly", "/login", now);
  jar.store("cart=1; Path=/cart", "/cart/add", now);
  jar.store("short=x; Max-Age=10", "/a/b", now);          // default path: /a
  jar.store("other=1; Domain=elsewhere.test", "/", now);  // another site's: refused
  jar.store("secure=1; Secure", "/", now);
  CHECK(jar.header_for("/", false, now) == "sid=abc");
  CHECK(jar.header_for("/cart/view", false, now) == "cart=1; sid=abc");
  CHECK(jar.header_for("/cartoon", false, now) == "sid=abc");
  CHECK(jar.header_for("/a/c", true, now) == "short=x; sid=abc; secure=1");
  CHECK(jar.header_for("/a/c", false, now + 11) == "sid=abc");
  jar.store("sid=def; Path=/", "/", now);
  CHECK(jar.header_for("/", false, now) == "sid=def");
  jar.store("sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "/", now);
  CHECK(jar.header_for("/", false, now).empty());
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
  CHECK(parse_http_date("yesterday") == -1);
}

TEST_CASE("feeders hand out rows in order, at random, or each once") {
  Feeder feeder;
  feeder.columns = {"user", "password"};
  for (int i = 0; i < 5; ++i) feeder.rows.push_back({"u" + std::to_string(i), "p" + std::to_string(i)});
  surge::Rng rng(3);
  std::vector<std::string> values(2);

  feeder.mode = Feeder::Mode::unique;
  FeederCursor first(feeder, {0, 1}, 0, 2), second(feeder, {0, 1}, 1, 2);
  std::vector<std::string> seen;
  while (first.take(values, rng)) seen.push_back(values[0]);
  while (second.take(values, rng)) seen.push_back(values[0] + values[1]);
  CHECK(seen == std::vector<std::string>{"u0", "u2", "u4", "u1p1", "u3p3"});

  feeder.mode = Feeder::Mode::circular;
  FeederCursor circular(feeder, {0, 1}, 1, 2);
  seen.clear();
  for (int i = 0; i < 5; ++i) {
    REQUIRE(circular.take(values, rng));
    seen.push_back(values[0]);
  }
  CHECK(seen == std::vector<std::string>{"u1", "u3", "u1", "u3", "u1"});

  feeder.mode = Feeder::Mode::random;
  FeederCursor random(feeder, {0, 1}, 0, 1);
  int distinct = 0;
  std::vector<bool> hit(5);
  for (int i = 0; i < 200; ++i) {
    REQUIRE(random.take(values, rng));
    const auto row = static_cast<std::size_t>(values[0][1] - '0');
    distinct += hit[row] ? 0 : 1;
    hit[row] = true;
  }
  CHECK(distinct == 5);
}
