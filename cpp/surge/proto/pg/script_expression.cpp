#include "surge/proto/pg/script_expression.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <unordered_map>

namespace surge::pg {

namespace {

using Type = ScriptValue::Type;

[[noreturn]] void fail(const std::string& why) {
  throw ScriptError(why);
}

std::int64_t as_int(const ScriptValue& v) {
  switch (v.type) {
    case Type::integer:
      return v.i;
    case Type::real: {
      // pgbench rounds a double to the nearest integer, and refuses one out of int64's range.
      const double rounded = std::nearbyint(v.d);
      if (std::isnan(rounded) || rounded < -0x1p63 || rounded >= 0x1p63) fail("double to int overflow");
      return static_cast<std::int64_t>(rounded);
    }
    case Type::boolean:
      fail("cannot coerce boolean to int");
    case Type::null:
      break;
  }
  fail("cannot coerce NULL to int");
}

double as_double(const ScriptValue& v) {
  switch (v.type) {
    case Type::integer:
      return static_cast<double>(v.i);
    case Type::real:
      return v.d;
    case Type::boolean:
      fail("cannot coerce boolean to double");
    case Type::null:
      break;
  }
  fail("cannot coerce NULL to double");
}

bool as_bool(const ScriptValue& v) {
  if (v.type != Type::boolean)
    fail(v.type == Type::null ? "cannot coerce NULL to boolean" : "cannot coerce a number to boolean");
  return v.i != 0;
}

// One of GCC's and Clang's checked operations (__builtin_add_overflow ...), with pgbench's error.
template <class Op>
std::int64_t checked(Op op, std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (op(a, b, &out)) fail("bigint out of range");
  return out;
}
constexpr auto kAdd = [](std::int64_t a, std::int64_t b, std::int64_t* out) {
  return __builtin_add_overflow(a, b, out);
};
constexpr auto kSub = [](std::int64_t a, std::int64_t b, std::int64_t* out) {
  return __builtin_sub_overflow(a, b, out);
};
constexpr auto kMul = [](std::int64_t a, std::int64_t b, std::int64_t* out) {
  return __builtin_mul_overflow(a, b, out);
};

std::uint64_t splitmix(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

bool ScriptValue::truth() const noexcept {
  switch (type) {
    case Type::boolean:
    case Type::integer:
      return i != 0;
    case Type::real:
      return d != 0.0;
    case Type::null:
      break;
  }
  return false;
}

void ScriptValue::append_to(std::string& out) const {
  switch (type) {
    case Type::integer: {
      char digits[24];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, i);
      out.append(digits, end);
      return;
    }
    case Type::real: {
      char digits[32];
      const int n = std::snprintf(digits, sizeof digits, "%.15g", d);
      out.append(digits, static_cast<std::size_t>(n));
      return;
    }
    case Type::boolean:
      out.append(i != 0 ? "true" : "false");
      return;
    case Type::null:
      return;
  }
}

std::int64_t hash_murmur2(std::int64_t value, std::int64_t seed) noexcept {
  // MurmurHash64A of the value's 8 bytes.
  constexpr std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  std::uint64_t h = static_cast<std::uint64_t>(seed) ^ (8 * m);
  auto k = static_cast<std::uint64_t>(value);
  k *= m;
  k ^= k >> r;
  k *= m;
  h ^= k;
  h *= m;
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return static_cast<std::int64_t>(h);
}

std::int64_t hash_fnv1a(std::int64_t value, std::int64_t seed) noexcept {
  // FNV-1a over the value's 8 bytes, least significant first, from a basis mixed with the seed.
  constexpr std::uint64_t basis = 0xcbf29ce484222325ULL;
  constexpr std::uint64_t prime = 0x100000001b3ULL;
  std::uint64_t h = basis ^ static_cast<std::uint64_t>(seed);
  auto v = static_cast<std::uint64_t>(value);
  for (int byte = 0; byte < 8; ++byte) {
    h ^= v & 0xff;
    h *= prime;
    v >>= 8;
  }
  return static_cast<std::int64_t>(h);
}

std::int64_t permute(std::int64_t value, std::int64_t size, std::int64_t seed) noexcept {
  if (size < 2) return 0;
  const auto n = static_cast<std::uint64_t>(size);
  // Cycle-walking over the smallest power of two that holds [0, size): each round is a
  // bijection of those k bits, so applying them until the value falls below size is a
  // bijection of [0, size). The domain is under twice the size: about 2 rounds of walking.
  const auto bits = static_cast<int>(std::bit_width(n - 1));
  const std::uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
  auto state = static_cast<std::uint64_t>(seed);
  std::uint64_t multipliers[4];
  std::uint64_t offsets[4];
  for (int round = 0; round < 4; ++round) {
    multipliers[round] = splitmix(state) | 1;  // odd: invertible modulo a power of two
    offsets[round] = splitmix(state);
  }
  const int shift = bits / 2;
  std::uint64_t x = static_cast<std::uint64_t>(value) % n;
  do {
    for (int round = 0; round < 4; ++round) {
      x = (x * multipliers[round]) & mask;
      if (shift > 0) x ^= x >> shift;  // spreads the high bits down; bijective for shift >= 1
      x = (x + offsets[round]) & mask;
    }
  } while (x >= n);
  return static_cast<std::int64_t>(x);
}

ScriptExpression ScriptExpression::parse(std::string_view program,
                                         const std::function<int(std::string_view)>& variable) {
  static const std::unordered_map<std::string_view, Op> kOps = {
      {"+", Op::add},
      {"-", Op::sub},
      {"*", Op::mul},
      {"/", Op::div},
      {"%", Op::mod},
      {"neg", Op::neg},
      {"=", Op::eq},
      {"<>", Op::ne},
      {"<", Op::lt},
      {"<=", Op::le},
      {">", Op::gt},
      {">=", Op::ge},
      {"isnull", Op::is_null},
      {"notnull", Op::not_null},
      {"not", Op::not_},
      {"truth", Op::truth},
      {"&", Op::bit_and},
      {"|", Op::bit_or},
      {"#", Op::bit_xor},
      {"~", Op::bit_not},
      {"<<", Op::shl},
      {">>", Op::shr},
      {"bool", Op::to_bool},
      {"random", Op::random},
      {"client_id", Op::client_id},
  };
  static const std::unordered_map<std::string_view, std::pair<Fn, int>> kFns = {
      {"abs", {Fn::abs, 1}},
      {"debug", {Fn::debug, 1}},
      {"double", {Fn::to_double, 1}},
      {"int", {Fn::to_int, 1}},
      {"exp", {Fn::exp, 1}},
      {"ln", {Fn::ln, 1}},
      {"sqrt", {Fn::sqrt, 1}},
      {"pow", {Fn::pow, 2}},
      {"mod", {Fn::mod, 2}},
      {"pi", {Fn::pi, 0}},
      {"greatest", {Fn::greatest, -1}},
      {"least", {Fn::least, -1}},
      {"hash_murmur2", {Fn::hash_murmur2, 2}},
      {"hash_fnv1a", {Fn::hash_fnv1a, 2}},
      {"permute", {Fn::permute, 3}},
  };
  ScriptExpression e;
  auto bad = [&](std::string_view token, std::string_view why) -> std::invalid_argument {
    return std::invalid_argument("expression program: '" + std::string(token) + "': " + std::string(why));
  };
  auto whole = [&](std::string_view token, std::string_view digits) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || end != digits.data() + digits.size()) throw bad(token, "not an int64");
    return v;
  };
  std::vector<std::string_view> tokens;
  std::size_t at = 0;
  while (at < program.size()) {
    const auto space = program.find(' ', at);
    const auto token =
        program.substr(at, space == std::string_view::npos ? std::string_view::npos : space - at);
    at = space == std::string_view::npos ? program.size() : space + 1;
    if (!token.empty()) tokens.push_back(token);
  }
  for (const auto token : tokens) {
    Step step;
    const auto colon = token.find(':');
    const auto head = colon == std::string_view::npos ? token : token.substr(0, colon);
    const auto rest = colon == std::string_view::npos ? std::string_view() : token.substr(colon + 1);
    if (head == "i") {
      step.value = ScriptValue::integer(whole(token, rest));
    } else if (head == "d") {
      const std::string text(rest);
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) throw bad(token, "not a number");
      step.value = ScriptValue::real(v);
    } else if (head == "b") {
      if (rest != "0" && rest != "1") throw bad(token, "a boolean is b:0 or b:1");
      step.value = ScriptValue::boolean(rest == "1");
    } else if (token == "null") {
      // a constant NULL
    } else if (head == "v") {
      step.op = Op::variable;
      step.arg = variable(rest);
      if (step.arg < 0) throw bad(token, "no earlier variable has that name");
    } else if (head == "g") {
      step.op = Op::draw;
      step.arg = static_cast<int>(e.generators_.size());
      e.generators_.push_back(ValueGenerator::parse(rest));
      const auto kind = e.generators_.back().kind();
      if (kind == ValueGenerator::Kind::choice || kind == ValueGenerator::Kind::uuid ||
          kind == ValueGenerator::Kind::bytes)
        throw bad(token, "a draw in an expression must be a number");
    } else if (head == "f") {
      const auto slash = rest.find('/');
      const auto found = slash == std::string_view::npos ? kFns.end() : kFns.find(rest.substr(0, slash));
      if (found == kFns.end()) throw bad(token, "no such function");
      step.op = Op::call;
      step.fn = found->second.first;
      step.arg = static_cast<int>(whole(token, rest.substr(slash + 1)));
      const int arity = found->second.second;
      if (arity >= 0 ? step.arg != arity : (step.arg < 1 || step.arg > 64))
        throw bad(token, "the wrong number of arguments");
    } else if (head == "jf" || head == "j" || head == "and" || head == "or") {
      step.op = head == "jf" ? Op::jump_false : head == "j" ? Op::jump : head == "and" ? Op::and_ : Op::or_;
      const auto target = whole(token, rest);
      // Forward only: every program ends.
      if (target <= static_cast<std::int64_t>(e.steps_.size()) ||
          target > static_cast<std::int64_t>(tokens.size()))
        throw bad(token, "a jump must go forward, to the end at most");
      step.arg = static_cast<int>(target);
    } else if (const auto op = kOps.find(token); op != kOps.end()) {
      step.op = op->second;
    } else {
      throw bad(token, "not a token of the expression program");
    }
    e.steps_.push_back(step);
  }
  // Each step's stack depth, followed along both ways of every jump: a program the evaluator
  // runs never takes more values than the stack holds, and leaves exactly one.
  const auto n = e.steps_.size();
  std::vector<int> depth(n + 1, -1);
  depth[0] = 0;
  int deepest = 0;
  auto reach = [&](std::size_t k, int d, std::string_view token) {
    if (depth[k] >= 0 && depth[k] != d) throw bad(token, "its branches leave the stack at different depths");
    depth[k] = d;
    deepest = std::max(deepest, d);
  };
  for (std::size_t k = 0; k < n; ++k) {
    if (depth[k] < 0) continue;  // unreachable: never run
    const Step& step = e.steps_[k];
    const auto token = tokens[k];
    int pops = 0;
    int pushes = 1;
    switch (step.op) {
      case Op::constant:
      case Op::variable:
      case Op::client_id:
      case Op::draw:
        break;
      case Op::neg:
      case Op::is_null:
      case Op::not_null:
      case Op::not_:
      case Op::truth:
      case Op::bit_not:
      case Op::to_bool:
        pops = 1;
        break;
      case Op::call:
        pops = step.arg;
        break;
      case Op::jump_false:
      case Op::and_:
      case Op::or_:
        pops = 1;
        pushes = 0;
        break;
      case Op::jump:
        pushes = 0;
        break;
      default:  // the binary operators and random (lb, ub)
        pops = 2;
    }
    if (depth[k] < pops) throw bad(token, "takes more values than the stack holds");
    const int after = depth[k] - pops + pushes;
    if (step.op == Op::jump) {
      reach(static_cast<std::size_t>(step.arg), after, token);
      continue;
    }
    if (step.op == Op::jump_false) reach(static_cast<std::size_t>(step.arg), after, token);
    if (step.op == Op::and_ || step.op == Op::or_)
      reach(static_cast<std::size_t>(step.arg), after + 1, token);
    reach(k + 1, after, token);
  }
  if (depth[n] != 1) throw std::invalid_argument("expression program: does not leave exactly one value");
  e.stack_.reserve(static_cast<std::size_t>(deepest) + 1);
  return e;
}

ScriptValue ScriptExpression::evaluate(std::span<const ScriptValue> variables, std::int64_t client_id,
                                       Rng& rng) {
  auto& s = stack_;
  s.clear();
  auto pop = [&] {
    const ScriptValue v = s.back();
    s.pop_back();
    return v;
  };
  const auto n = steps_.size();
  for (std::size_t pc = 0; pc < n; ++pc) {
    const Step& step = steps_[pc];
    switch (step.op) {
      case Op::constant:
        s.push_back(step.value);
        break;
      case Op::variable:
        s.push_back(variables[static_cast<std::size_t>(step.arg)]);
        break;
      case Op::client_id:
        s.push_back(ScriptValue::integer(client_id));
        break;
      case Op::draw:
        s.push_back(ScriptValue::integer(generators_[static_cast<std::size_t>(step.arg)].next_int(rng)));
        break;
      case Op::jump:
        pc = static_cast<std::size_t>(step.arg) - 1;
        break;
      case Op::jump_false:
        if (!pop().truth()) pc = static_cast<std::size_t>(step.arg) - 1;
        break;
      case Op::and_:
      case Op::or_: {
        // pgbench's lazy AND and OR: a NULL left side is the answer; so is false for AND and
        // true for OR; otherwise the right side is.
        const ScriptValue left = pop();
        if (left.type == Type::null || as_bool(left) == (step.op == Op::or_)) {
          s.push_back(left);
          pc = static_cast<std::size_t>(step.arg) - 1;
        }
        break;
      }
      case Op::to_bool:
        if (s.back().type != Type::null) s.back() = ScriptValue::boolean(as_bool(s.back()));
        break;
      case Op::is_null:
      case Op::not_null:
        s.back() = ScriptValue::boolean((s.back().type == Type::null) == (step.op == Op::is_null));
        break;
      case Op::truth:
        s.back() = ScriptValue::boolean(s.back().truth());
        break;
      case Op::call: {
        const auto argc = static_cast<std::size_t>(step.arg);
        const ScriptValue result = call(step.fn, std::span(s).subspan(s.size() - argc));
        s.resize(s.size() - argc);
        s.push_back(result);
        break;
      }
      default: {
        // The strict operators: NULL in, NULL out.
        const bool unary = step.op == Op::neg || step.op == Op::not_ || step.op == Op::bit_not;
        const ScriptValue right = pop();
        const ScriptValue left = unary ? ScriptValue::integer(0) : pop();
        if (left.type == Type::null || right.type == Type::null) {
          s.push_back(ScriptValue{});
          break;
        }
        const bool ints = left.type == Type::integer && right.type == Type::integer;
        switch (step.op) {
          case Op::add:
            s.push_back(ints ? ScriptValue::integer(checked(kAdd, left.i, right.i))
                             : ScriptValue::real(as_double(left) + as_double(right)));
            break;
          case Op::sub:
          case Op::neg:
            s.push_back(ints ? ScriptValue::integer(checked(kSub, left.i, right.i))
                             : ScriptValue::real(as_double(left) - as_double(right)));
            break;
          case Op::mul:
            s.push_back(ints ? ScriptValue::integer(checked(kMul, left.i, right.i))
                             : ScriptValue::real(as_double(left) * as_double(right)));
            break;
          case Op::div:
            if (!ints) {
              s.push_back(ScriptValue::real(as_double(left) / as_double(right)));
              break;
            }
            if (right.i == 0) fail("division by zero");
            if (right.i == -1) {
              if (left.i == std::numeric_limits<std::int64_t>::min()) fail("bigint out of range");
              s.push_back(ScriptValue::integer(-left.i));
              break;
            }
            s.push_back(ScriptValue::integer(left.i / right.i));
            break;
          case Op::mod: {
            const ScriptValue args[2] = {left, right};
            s.push_back(call(Fn::mod, args));
            break;
          }
          case Op::eq:
          case Op::ne:
          case Op::lt:
          case Op::le:
          case Op::gt:
          case Op::ge: {
            const int order =
                ints ? (left.i < right.i ? -1 : left.i > right.i)
                     : (as_double(left) < as_double(right) ? -1 : as_double(left) > as_double(right));
            const bool r = step.op == Op::eq   ? order == 0
                           : step.op == Op::ne ? order != 0
                           : step.op == Op::lt ? order < 0
                           : step.op == Op::le ? order <= 0
                           : step.op == Op::gt ? order > 0
                                               : order >= 0;
            s.push_back(ScriptValue::boolean(r));
            break;
          }
          case Op::not_:
            s.push_back(ScriptValue::boolean(!as_bool(right)));
            break;
          case Op::bit_not:
            s.push_back(ScriptValue::integer(~as_int(right)));
            break;
          case Op::bit_and:
            s.push_back(ScriptValue::integer(as_int(left) & as_int(right)));
            break;
          case Op::bit_or:
            s.push_back(ScriptValue::integer(as_int(left) | as_int(right)));
            break;
          case Op::bit_xor:
            s.push_back(ScriptValue::integer(as_int(left) ^ as_int(right)));
            break;
          case Op::shl:
          case Op::shr: {
            const auto value = static_cast<std::uint64_t>(as_int(left));
            const auto by = static_cast<unsigned>(as_int(right)) & 63U;
            s.push_back(ScriptValue::integer(step.op == Op::shl ? static_cast<std::int64_t>(value << by)
                                                                : as_int(left) >> by));
            break;
          }
          case Op::random: {
            const std::int64_t lb = as_int(left);
            const std::int64_t ub = as_int(right);
            if (lb > ub) fail("empty range given to random");
            s.push_back(ScriptValue::integer(rng.between(lb, ub)));
            break;
          }
          default:
            fail("an operator the evaluator does not know");
        }
      }
    }
  }
  return s.back();
}

ScriptValue ScriptExpression::call(Fn fn, std::span<const ScriptValue> args) const {
  if (fn != Fn::debug)
    for (const auto& a : args)
      if (a.type == Type::null) return ScriptValue{};
  switch (fn) {
    case Fn::debug:
      return args[0];
    case Fn::abs:
      if (args[0].type == Type::integer) {
        if (args[0].i == std::numeric_limits<std::int64_t>::min()) fail("bigint out of range");
        return ScriptValue::integer(args[0].i < 0 ? -args[0].i : args[0].i);
      }
      return ScriptValue::real(std::fabs(as_double(args[0])));
    case Fn::to_double:
      return ScriptValue::real(as_double(args[0]));
    case Fn::to_int:
      return ScriptValue::integer(as_int(args[0]));
    case Fn::exp:
      return ScriptValue::real(std::exp(as_double(args[0])));
    case Fn::ln:
      return ScriptValue::real(std::log(as_double(args[0])));
    case Fn::sqrt:
      return ScriptValue::real(std::sqrt(as_double(args[0])));
    case Fn::pow:
      return ScriptValue::real(std::pow(as_double(args[0]), as_double(args[1])));
    case Fn::pi:
      return ScriptValue::real(std::numbers::pi);
    case Fn::mod: {
      const std::int64_t a = as_int(args[0]);
      const std::int64_t b = as_int(args[1]);
      if (b == 0) fail("division by zero");
      return ScriptValue::integer(b == -1 ? 0 : a % b);  // INT64_MIN % -1 would trap
    }
    case Fn::greatest:
    case Fn::least: {
      bool ints = true;
      for (const auto& a : args) ints = ints && a.type == Type::integer;
      const bool most = fn == Fn::greatest;
      if (ints) {
        std::int64_t best = args[0].i;
        for (const auto& a : args) best = most ? std::max(best, a.i) : std::min(best, a.i);
        return ScriptValue::integer(best);
      }
      double best = as_double(args[0]);
      for (const auto& a : args) best = most ? std::max(best, as_double(a)) : std::min(best, as_double(a));
      return ScriptValue::real(best);
    }
    case Fn::hash_murmur2:
      return ScriptValue::integer(hash_murmur2(as_int(args[0]), as_int(args[1])));
    case Fn::hash_fnv1a:
      return ScriptValue::integer(hash_fnv1a(as_int(args[0]), as_int(args[1])));
    case Fn::permute: {
      const std::int64_t size = as_int(args[1]);
      if (size <= 0) fail("permute size parameter must be greater than zero");
      return ScriptValue::integer(permute(as_int(args[0]), size, as_int(args[2])));
    }
  }
  fail("a function the evaluator does not know");
}

}  // namespace surge::pg
