// Templates without a server: variables drawn once per request, inline generators, braces
// that stay text, and the error a bad placeholder gets.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "surge/core/request_template.hpp"

using namespace surge;

namespace {
std::string render_once(RequestTemplate& t, VariableSet& variables, Rng& rng) {
  variables.draw(rng);
  std::string out;
  t.render(out, variables, rng);
  return out;
}
}  // namespace

TEST_CASE("a variable keeps its value wherever it appears in one request") {
  VariableSet variables;
  variables.declare("id", "seq(7)");
  auto t = RequestTemplate::parse("/items/{id}?again={id}", variables);
  Rng rng(1);
  CHECK(render_once(t, variables, rng) == "/items/7?again=7");
  CHECK(render_once(t, variables, rng) == "/items/8?again=8");
}

TEST_CASE("inline generators are drawn per placeholder") {
  VariableSet variables;
  auto t = RequestTemplate::parse("{seq(1)}-{seq(1)}", variables);
  Rng rng(1);
  CHECK(render_once(t, variables, rng) == "1-1");
  CHECK(render_once(t, variables, rng) == "2-2");
}

TEST_CASE("braces that are not placeholders are text, so JSON needs no escaping") {
  VariableSet variables;
  variables.declare("n", "seq(3)");
  auto t = RequestTemplate::parse(R"({"count": {n}, "tags": {}, "x": {"y": 1}})", variables);
  Rng rng(1);
  CHECK(render_once(t, variables, rng) == R"({"count": 3, "tags": {}, "x": {"y": 1}})");
}

TEST_CASE("an unknown placeholder is an error that names it") {
  VariableSet variables;
  try {
    (void)RequestTemplate::parse("/x/{nope}", variables);
    FAIL("parse accepted an unknown placeholder");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("nope") != std::string::npos);
  }
}

TEST_CASE("doubled braces around a name of no variable are that name in braces: a hash tag") {
  VariableSet variables;
  variables.declare("id", "seq(5)");
  auto t = RequestTemplate::parse("user:{{user1000}}:{id} tag:{{id}}", variables);
  Rng rng(1);
  CHECK(render_once(t, variables, rng) == "user:{user1000}:5 tag:{5}");
  // A single brace around an unknown name is still a mistake, not text.
  CHECK_THROWS_AS((void)RequestTemplate::parse("user:{user1000}", variables), std::invalid_argument);
  CHECK_THROWS_AS((void)RequestTemplate::parse("user:{{user1000}", variables), std::invalid_argument);
}

TEST_CASE("partitioned templates give workers disjoint sequences") {
  VariableSet a;
  VariableSet b;
  a.declare("id", "seq(1)");
  b.declare("id", "seq(1)");
  auto ta = RequestTemplate::parse("{id}", a);
  auto tb = RequestTemplate::parse("{id}", b);
  a.partition(0, 2);
  b.partition(1, 2);
  ta.partition(0, 2);
  tb.partition(1, 2);
  Rng rng(1);
  CHECK(render_once(ta, a, rng) == "1");
  CHECK(render_once(tb, b, rng) == "2");
  CHECK(render_once(ta, a, rng) == "3");
  CHECK(render_once(tb, b, rng) == "4");
}
