// pgbench's expression language, evaluated once per transaction: the `\set` lines (and the
// `\if` conditions) of a pgbench script that are more than a constant or one random draw.
//
// The Python side (surge/protocols/postgres/pgbench_script.py) parses pgbench's syntax once,
// folds what is constant, and hands over a postfix program: tokens separated by one space,
// run on a small value stack. Jumps give CASE, AND and OR pgbench's lazy evaluation, so a
// branch not taken neither draws nor fails. Values are pgbench's: NULL, boolean, int64 and
// double, with its coercions; an int64 overflow, a division by zero or a type pgbench would
// refuse throws ScriptError, which stops the run as pgbench aborts the client.
//
// Tokens:
//   i:<int64>  d:<double>  b:0|b:1  null    constants
//   v:<name>                               an earlier script variable's value
//   client_id                              the connection's number, from 0
//   g:<generator>                          one draw of a value generator, e.g. g:zipf(1,1000,1.1)
//   random                                 pops lb, ub: a uniform integer in [lb, ub]
//   + - * / % neg                          arithmetic, as pgbench does it
//   = <> < <= > >= isnull notnull           comparisons
//   not truth & | # ~ << >>                truth: any value as \if reads it (0, 0.0, NULL: false)
//   f:<name>/<arity>                        abs debug double int exp ln sqrt pow mod pi greatest
//                                          least hash_murmur2 hash_fnv1a permute
//   jf:<k>  j:<k>                          jump to token k when the popped value is not true / always
//   and:<k>  or:<k>                        lazy AND / OR: decide on the left value, or go on
//   bool                                   NULL stays NULL, anything else must be a boolean
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "surge/core/rng.hpp"
#include "surge/core/value_generator.hpp"

namespace surge::pg {

struct ScriptValue {
  enum class Type : std::uint8_t { null, boolean, integer, real };
  Type type = Type::null;
  std::int64_t i = 0;  // integer, and boolean as 0 or 1
  double d = 0;

  static ScriptValue integer(std::int64_t v) noexcept { return {Type::integer, v, 0}; }
  static ScriptValue real(double v) noexcept { return {Type::real, 0, v}; }
  static ScriptValue boolean(bool v) noexcept { return {Type::boolean, v ? 1 : 0, 0}; }
  // How \if and CASE read a value: NULL, false, 0 and 0.0 are false.
  [[nodiscard]] bool truth() const noexcept;
  // The text a SQL parameter gets, as pgbench substitutes it: NULL is empty, a double has
  // 15 significant digits, a boolean is true or false.
  void append_to(std::string& out) const;
};

// An expression a transaction could not evaluate: the run stops with it, naming the script.
class ScriptError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Integer helpers with pgbench's meaning, public for the unit tests.
std::int64_t hash_murmur2(std::int64_t value, std::int64_t seed) noexcept;
std::int64_t hash_fnv1a(std::int64_t value, std::int64_t seed) noexcept;
// A bijection of [0, size) chosen by the seed (not the one pgbench picks for that seed).
std::int64_t permute(std::int64_t value, std::int64_t size, std::int64_t seed) noexcept;

class ScriptExpression {
 public:
  // `variable` maps a name to an earlier script variable's index, or -1. Throws
  // std::invalid_argument naming the token when the program is not one the compiler writes.
  static ScriptExpression parse(std::string_view program,
                                const std::function<int(std::string_view)>& variable);

  // Throws ScriptError.
  ScriptValue evaluate(std::span<const ScriptValue> variables, std::int64_t client_id, Rng& rng);

 private:
  enum class Op : std::uint8_t {
    constant,
    variable,
    client_id,
    draw,
    random,
    add,
    sub,
    mul,
    div,
    mod,
    neg,
    eq,
    ne,
    lt,
    le,
    gt,
    ge,
    is_null,
    not_null,
    not_,
    truth,
    bit_and,
    bit_or,
    bit_xor,
    bit_not,
    shl,
    shr,
    call,
    jump_false,
    jump,
    and_,
    or_,
    to_bool,
  };
  enum class Fn : std::uint8_t {
    abs,
    debug,
    to_double,
    to_int,
    exp,
    ln,
    sqrt,
    pow,
    mod,
    pi,
    greatest,
    least,
    hash_murmur2,
    hash_fnv1a,
    permute,
  };
  struct Step {
    Op op = Op::constant;
    Fn fn = Fn::abs;
    int arg = 0;  // variable index, generator index, jump target or arity
    ScriptValue value;
  };

  [[nodiscard]] ScriptValue call(Fn fn, std::span<const ScriptValue> args) const;

  std::vector<Step> steps_;
  std::vector<ValueGenerator> generators_;
  std::vector<ScriptValue> stack_;
  std::string scratch_;
};

}  // namespace surge::pg
