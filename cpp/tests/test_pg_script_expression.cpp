// pgbench's expression language as the engine evaluates it, without a server: the programs
// the Python compiler writes, run on the value stack.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "surge/proto/pg/script_expression.hpp"

using namespace surge;
using namespace surge::pg;

namespace {

ScriptValue run(std::string_view program, std::span<const ScriptValue> variables = {},
                std::int64_t client_id = 0) {
  auto e = ScriptExpression::parse(program, [](std::string_view name) {
    if (name == "a") return 0;
    if (name == "b") return 1;
    return -1;
  });
  Rng rng(7);
  return e.evaluate(variables, client_id, rng);
}

std::string text(const ScriptValue& v) {
  std::string out;
  v.append_to(out);
  return out;
}

}  // namespace

TEST_CASE("integer arithmetic is pgbench's: truncating division, overflow is an error") {
  CHECK(run("i:7 i:2 /").i == 3);
  CHECK(run("i:-7 i:2 /").i == -3);
  CHECK(run("i:-7 i:3 %").i == -1);
  CHECK(run("i:10 i:4 + i:3 *").i == 42);
  CHECK(run("i:5 neg").i == -5);
  CHECK(run("i:-9223372036854775808 i:-1 %").i == 0);
  CHECK_THROWS_WITH_AS(run("i:1 i:0 /"), "division by zero", ScriptError);
  CHECK_THROWS_WITH_AS(run("i:9223372036854775807 i:1 +"), "bigint out of range", ScriptError);
  CHECK_THROWS_WITH_AS(run("i:-9223372036854775808 i:-1 /"), "bigint out of range", ScriptError);
  CHECK_THROWS_WITH_AS(run("i:4611686018427387904 i:2 *"), "bigint out of range", ScriptError);
}

TEST_CASE("a double anywhere makes the arithmetic double, and int() rounds back") {
  const auto half = run("i:1 d:2.0 /");
  CHECK(half.type == ScriptValue::Type::real);
  CHECK(half.d == 0.5);
  CHECK(run("d:2.5 f:int/1").i == 2);  // to the nearest, ties to even
  CHECK(run("d:3.7 f:int/1").i == 4);
  CHECK(run("i:3 f:double/1").type == ScriptValue::Type::real);
  CHECK_THROWS_WITH_AS(run("d:1e300 f:int/1"), "double to int overflow", ScriptError);
  CHECK(text(run("d:0.1 d:0.2 +")) == "0.3");
  CHECK(text(run("f:pi/0")) == "3.14159265358979");
}

TEST_CASE("comparisons, booleans and NULL") {
  CHECK(text(run("i:3 d:3.0 =")) == "true");
  CHECK(text(run("i:3 i:4 >=")) == "false");
  CHECK(run("null i:1 +").type == ScriptValue::Type::null);
  CHECK(text(run("null isnull")) == "true");
  CHECK(text(run("i:0 notnull")) == "true");
  CHECK(text(run("b:1 not")) == "false");
  CHECK_THROWS_WITH_AS(run("i:1 not"), "cannot coerce a number to boolean", ScriptError);
  CHECK_THROWS_WITH_AS(run("b:1 i:1 +"), "cannot coerce boolean to double", ScriptError);
  // \if's truth: 0, 0.0 and NULL are false.
  CHECK(text(run("i:0 truth")) == "false");
  CHECK(text(run("d:0.5 truth")) == "true");
  CHECK(text(run("null truth")) == "false");
}

TEST_CASE("AND, OR and CASE are lazy: a branch not taken neither draws nor fails") {
  // b:0 AND (1/0 = 1): the right side is never run.
  CHECK(text(run("b:0 and:8 i:1 i:0 / i:1 = bool")) == "false");
  CHECK(text(run("b:1 or:8 i:1 i:0 / i:1 = bool")) == "true");
  CHECK(run("null and:4 b:1 bool").type == ScriptValue::Type::null);
  CHECK(text(run("b:1 and:4 b:0 bool")) == "false");
  CHECK_THROWS_AS(run("b:1 and:8 i:1 i:0 / i:1 = bool"), ScriptError);
  // CASE WHEN false THEN 1/0 WHEN true THEN 7 ELSE 9 END
  CHECK(run("b:0 jf:6 i:1 i:0 / j:11 b:1 jf:10 i:7 j:11 i:9").i == 7);
  CHECK(run("b:0 jf:6 i:1 i:0 / j:11 b:0 jf:10 i:7 j:11 i:9").i == 9);
}

TEST_CASE("variables, the client's number and draws") {
  const ScriptValue vars[] = {ScriptValue::integer(40), ScriptValue::real(1.5)};
  CHECK(run("v:a i:2 +", vars).i == 42);
  CHECK(run("v:b i:2 *", vars).d == 3.0);
  CHECK(run("client_id i:1 +", {}, 6).i == 7);
  for (int k = 0; k < 200; ++k) {
    const auto drawn = run("g:uniform(5,9) i:1 +");
    CHECK(drawn.i >= 6);
    CHECK(drawn.i <= 10);
    const auto bounded = run("i:3 i:4 random");
    CHECK((bounded.i == 3 || bounded.i == 4));
  }
  CHECK_THROWS_WITH_AS(run("i:4 i:3 random"), "empty range given to random", ScriptError);
  CHECK(run("i:3 i:9 i:-2 f:greatest/3").i == 9);
  CHECK(run("i:3 d:9.5 i:-2 f:least/3").d == -2.0);
  CHECK(run("i:-4 f:abs/1").i == 4);
  CHECK(run("i:-7 i:3 f:mod/2").i == -1);
  CHECK(run("i:6 i:3 & i:8 |").i == 10);
  CHECK(run("i:1 i:4 <<").i == 16);
  CHECK(run("i:5 ~").i == -6);
}

TEST_CASE("permute is a bijection of [0, size), and the seed picks which") {
  for (std::int64_t size : {1, 2, 3, 7, 64, 100, 1000}) {
    std::set<std::int64_t> seen;
    for (std::int64_t i = 0; i < size; ++i) {
      const auto p = permute(i, size, 42);
      CHECK(p >= 0);
      CHECK(p < size);
      seen.insert(p);
    }
    CHECK(static_cast<std::int64_t>(seen.size()) == size);
  }
  int moved = 0;
  for (std::int64_t i = 0; i < 1000; ++i) moved += permute(i, 1000, 1) != permute(i, 1000, 2);
  CHECK(moved > 900);
  CHECK(permute(-1, 10, 5) == permute(static_cast<std::int64_t>(static_cast<std::uint64_t>(-1) % 10), 10, 5));
  CHECK(permute(5, 9223372036854775807, 3) >= 0);
  CHECK_THROWS_WITH_AS(run("i:1 i:0 i:3 f:permute/3"), "permute size parameter must be greater than zero",
                       ScriptError);
}

TEST_CASE("a program the compiler would not write is refused at parse") {
  auto parse = [](std::string_view program) {
    return ScriptExpression::parse(program, [](std::string_view) { return -1; });
  };
  CHECK_THROWS_AS(parse(""), std::invalid_argument);
  CHECK_THROWS_AS(parse("i:1 i:2"), std::invalid_argument);           // two values left
  CHECK_THROWS_AS(parse("+"), std::invalid_argument);                 // takes what is not there
  CHECK_THROWS_AS(parse("i:x"), std::invalid_argument);               // not a number
  CHECK_THROWS_AS(parse("v:nope"), std::invalid_argument);            // no such variable
  CHECK_THROWS_AS(parse("f:nope/1"), std::invalid_argument);          // no such function
  CHECK_THROWS_AS(parse("i:1 f:abs/2"), std::invalid_argument);       // arity
  CHECK_THROWS_AS(parse("b:1 jf:0 i:1"), std::invalid_argument);      // a jump backwards
  CHECK_THROWS_AS(parse("b:1 jf:4 i:1 i:2"), std::invalid_argument);  // branches leave different depths
  CHECK_THROWS_AS(parse("g:uuid"), std::invalid_argument);            // not a number
  CHECK_THROWS_AS(parse("i:1 frob"), std::invalid_argument);
}
