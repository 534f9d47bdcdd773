#include "surge/core/value_generator.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "surge/core/clock.hpp"

namespace surge {

namespace {

// A draw as an int64: past the type's range (gaussian(1e300,1)), the nearest end of it.
std::int64_t clamped(double x) noexcept {
  if (std::isnan(x)) return 0;
  if (x >= 9.2233720368547758e18) return std::numeric_limits<std::int64_t>::max();
  if (x <= -9.2233720368547758e18) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(std::llround(x));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad(std::string_view spec, std::string_view why) {
  throw std::invalid_argument("bad generator '" + std::string(spec) + "': " + std::string(why));
}

std::int64_t to_int(std::string_view spec, std::string_view text) {
  text = trim(text);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range)
    bad(spec, "'" + std::string(text) +
                  "' is past the 64-bit range: expected a whole number from -9223372036854775808 to "
                  "9223372036854775807");
  if (ec != std::errc{} || end != text.data() + text.size())
    bad(spec, "'" + std::string(text) + "' is not an integer");
  return v;
}

double to_double(std::string_view spec, std::string_view text) {
  text = trim(text);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
    bad(spec, "'" + std::string(text) + "' is not a number");
  return v;
}

std::vector<std::string_view> split_args(std::string_view args) {
  std::vector<std::string_view> out;
  if (trim(args).empty()) return out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= args.size(); ++i) {
    if (i == args.size() || args[i] == ',') {
      out.push_back(trim(args.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

std::string unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// Helpers of the rejection-inversion Zipf sampler; stable where the exponent is near 1.
double helper1(double x) {
  return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}
double helper2(double x) {
  return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

std::shared_ptr<const std::string> byte_pool() {
  static const auto pool = [] {
    constexpr std::string_view kPrintable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    auto s = std::make_shared<std::string>(1 << 20, ' ');
    Rng rng(42);
    for (auto& c : *s) c = kPrintable[rng() % kPrintable.size()];
    return std::shared_ptr<const std::string>(std::move(s));
  }();
  return pool;
}

constexpr std::int64_t kMaxBytes = 1 << 20;

}  // namespace

bool ValueGenerator::looks_like_generator(std::string_view spec) {
  spec = trim(spec);
  const auto paren = spec.find('(');
  const auto name = spec.substr(0, paren);
  if (paren == std::string_view::npos) return name == "seq" || name == "uuid" || name == "now_ns";
  return name == "seq" || name == "uniform" || name == "zipf" || name == "gaussian" ||
         name == "exponential" || name == "truncated_gaussian" || name == "choice" || name == "bytes";
}

ValueGenerator ValueGenerator::parse(std::string_view raw) {
  const std::string_view spec = trim(raw);
  const auto paren = spec.find('(');
  std::string_view name = spec;
  std::vector<std::string_view> args;
  if (paren != std::string_view::npos) {
    if (spec.back() != ')') bad(spec, "missing ')'");
    name = trim(spec.substr(0, paren));
    args = split_args(spec.substr(paren + 1, spec.size() - paren - 2));
  }
  auto expect_args = [&](std::size_t n, std::string_view form) {
    if (args.size() != n) bad(spec, "expected " + std::string(form));
  };

  ValueGenerator g;
  if (name == "seq") {
    g.kind_ = Kind::seq;
    if (args.size() > 2) bad(spec, "expected seq, seq(start) or seq(first,last)");
    g.lo_ = args.empty() ? 0 : to_int(spec, args[0]);
    g.hi_ = args.size() == 2 ? to_int(spec, args[1]) : std::numeric_limits<std::int64_t>::max();
    if (g.hi_ < g.lo_) bad(spec, "last must be >= first");
    g.span_ = static_cast<std::uint64_t>(g.hi_) - static_cast<std::uint64_t>(g.lo_) + 1;
  } else if (name == "uniform") {
    expect_args(2, "uniform(min,max)");
    g.kind_ = Kind::uniform;
    g.lo_ = to_int(spec, args[0]);
    g.hi_ = to_int(spec, args[1]);
    if (g.hi_ < g.lo_) bad(spec, "max must be >= min");
  } else if (name == "zipf") {
    expect_args(3, "zipf(min,max,exponent) such as zipf(1,100000,0.99)");
    g.kind_ = Kind::zipf;
    g.lo_ = to_int(spec, args[0]);
    g.hi_ = to_int(spec, args[1]);
    g.exponent_ = to_double(spec, args[2]);
    if (g.hi_ < g.lo_) bad(spec, "max must be >= min");
    if (g.exponent_ <= 0) bad(spec, "exponent must be > 0");
    const double n =
        static_cast<double>(static_cast<std::uint64_t>(g.hi_) - static_cast<std::uint64_t>(g.lo_)) + 1;
    const double e = g.exponent_;
    auto h_integral = [e](double x) {
      const double log_x = std::log(x);
      return helper2((1 - e) * log_x) * log_x;
    };
    auto h = [e](double x) { return std::exp(-e * std::log(x)); };
    auto h_integral_inverse = [e](double x) {
      double t = x * (1 - e);
      if (t < -1) t = -1;
      return std::exp(helper1(t) * x);
    };
    g.h_integral_x1_ = h_integral(1.5) - 1;
    g.h_integral_n_ = h_integral(n + 0.5);
    g.zipf_s_ = 2 - h_integral_inverse(h_integral(2.5) - h(2));
  } else if (name == "gaussian") {
    expect_args(2, "gaussian(mean,stddev)");
    g.kind_ = Kind::gaussian;
    g.mean_ = to_double(spec, args[0]);
    g.sd_ = to_double(spec, args[1]);
    if (g.sd_ < 0) bad(spec, "stddev must be >= 0");
  } else if (name == "exponential" || name == "truncated_gaussian") {
    // pgbench's random_exponential and random_gaussian: whole numbers in [min, max], the
    // first falling off by exp(-shape) across the range, the second a normal cut at +-shape
    // standard deviations (pgbench asks shape > 0, and >= 2 for the gaussian).
    const bool exponential = name == "exponential";
    expect_args(3, exponential ? "exponential(min,max,shape) such as exponential(1,1000,5)"
                               : "truncated_gaussian(min,max,shape) such as truncated_gaussian(1,1000,2.5)");
    g.kind_ = exponential ? Kind::exponential : Kind::truncated_gaussian;
    g.lo_ = to_int(spec, args[0]);
    g.hi_ = to_int(spec, args[1]);
    g.shape_ = to_double(spec, args[2]);
    if (g.hi_ < g.lo_) bad(spec, "max must be >= min");
    if (exponential && !(g.shape_ > 0)) bad(spec, "shape must be > 0");
    if (!exponential && !(g.shape_ >= 2)) bad(spec, "shape must be >= 2");
    g.span_ = static_cast<std::uint64_t>(g.hi_) - static_cast<std::uint64_t>(g.lo_) + 1;
  } else if (name == "choice") {
    if (args.empty()) bad(spec, "expected choice(a,b,...) with at least one value");
    g.kind_ = Kind::choice;
    for (auto a : args) g.choices_.push_back(unquote(a));
  } else if (name == "uuid") {
    if (!args.empty()) bad(spec, "uuid takes no arguments");
    g.kind_ = Kind::uuid;
  } else if (name == "now_ns") {
    if (!args.empty()) bad(spec, "now_ns takes no arguments");
    g.kind_ = Kind::now_ns;
  } else if (name == "bytes") {
    g.kind_ = Kind::bytes;
    auto size = [&](std::string_view text) {
      const std::int64_t n = to_int(spec, text);
      if (n < 0 || n > kMaxBytes) bad(spec, "sizes must be between 0 and 1048576");
      return n;
    };
    if (!args.empty() && args[0].find(':') != std::string_view::npos) {
      double total = 0;
      for (auto a : args) {
        const auto colon = a.find(':');
        if (colon == std::string_view::npos)
          bad(spec, "expected bytes(size:weight,...) such as bytes(32:8,1024:2)");
        const double weight = to_double(spec, a.substr(colon + 1));
        if (!(weight > 0)) bad(spec, "weights must be > 0");
        total += weight;
        g.sizes_.emplace_back(size(a.substr(0, colon)), total);
      }
      for (auto& entry : g.sizes_) entry.second /= total;
    } else if (args.size() == 1) {
      g.lo_ = g.hi_ = size(args[0]);
    } else if (args.size() == 2) {
      g.lo_ = size(args[0]);
      g.hi_ = size(args[1]);
      if (g.hi_ < g.lo_) bad(spec, "max must be >= min");
    } else {
      bad(spec, "expected bytes(n), bytes(min,max) or bytes(size:weight,...)");
    }
    g.pool_ = byte_pool();
  } else {
    bad(spec,
        "unknown generator; use seq, uniform(a,b), zipf(a,b,s), gaussian(mean,sd), exponential(a,b,s), "
        "truncated_gaussian(a,b,s), "
        "choice(x,y,...), uuid, now_ns, bytes(n) or bytes(min,max)");
  }
  return g;
}

std::uint64_t ValueGenerator::advance(std::uint64_t offset, std::uint64_t by) const noexcept {
  const auto sum = static_cast<unsigned __int128>(offset) + by;
  return span_ == 0 ? static_cast<std::uint64_t>(sum) : static_cast<std::uint64_t>(sum % span_);
}

bool ValueGenerator::may_break_lines() const noexcept {
  for (const auto& choice : choices_)
    if (choice.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return true;
  return false;
}

void ValueGenerator::partition(std::int64_t index, std::int64_t count) noexcept {
  if (kind_ != Kind::seq || count <= 1) return;
  stride_ = static_cast<std::uint64_t>(count);
  offset_ = advance(offset_, static_cast<std::uint64_t>(index));
}

std::int64_t ValueGenerator::in_span(double t) const noexcept {
  const double width = span_ == 0 ? 0x1.0p64 : static_cast<double>(span_);
  const double step = std::floor(t * width);
  if (!(step >= 0)) return lo_;
  if (step >= width - 1) return hi_;  // rounding near the top must not step past max
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo_) + static_cast<std::uint64_t>(step));
}

std::uint64_t ValueGenerator::zipf_rank(Rng& rng) const noexcept {
  const double e = exponent_;
  const double n = static_cast<double>(static_cast<std::uint64_t>(hi_) - static_cast<std::uint64_t>(lo_)) + 1;
  while (true) {
    const double u = h_integral_n_ + rng.uniform() * (h_integral_x1_ - h_integral_n_);
    double t = u * (1 - e);
    if (t < -1) t = -1;
    const double x = std::exp(helper1(t) * u);
    double k = std::floor(x + 0.5);
    if (k < 1) k = 1;
    if (k > n) k = n;
    const double log_k_half = std::log(k + 0.5);
    const double h_integral_k = helper2((1 - e) * log_k_half) * log_k_half;
    const double h_k = std::exp(-e * std::log(k));
    if (k - x <= zipf_s_ || u >= h_integral_k - h_k)
      return k >= 1.8446744073709552e19 ? std::numeric_limits<std::uint64_t>::max()
                                        : static_cast<std::uint64_t>(k);
  }
}

std::int64_t ValueGenerator::next_int(Rng& rng) {
  switch (kind_) {
    case Kind::seq: {
      const auto v = static_cast<std::int64_t>(static_cast<std::uint64_t>(lo_) + offset_);
      offset_ = advance(offset_, stride_);
      return v;
    }
    case Kind::uniform:
      return rng.between(lo_, hi_);
    case Kind::zipf:
      return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo_) + (zipf_rank(rng) - 1));
    case Kind::gaussian: {
      // Box-Muller; one of the pair is dropped to keep the generator stateless.
      const double u1 = 1.0 - rng.uniform();
      const double u2 = rng.uniform();
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      return clamped(mean_ + sd_ * z);
    }
    case Kind::exponential: {
      // Inverse of the CDF (1 - exp(-s t)) / (1 - exp(-s)) over t in [0, 1).
      const double cut = std::exp(-shape_);
      const double t = -std::log(1.0 - (rng.uniform() * (1.0 - cut))) / shape_;
      return in_span(t);
    }
    case Kind::truncated_gaussian: {
      double z = 0;
      do {  // a standard normal, drawn again until it falls within +-shape
        const double u1 = 1.0 - rng.uniform();
        const double u2 = rng.uniform();
        z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      } while (!(z > -shape_ && z < shape_));
      return in_span((z + shape_) / (2.0 * shape_));
    }
    default:
      return 0;
  }
}

void ValueGenerator::append(std::string& out, Rng& rng) {
  switch (kind_) {
    case Kind::choice:
      out +=
          choices_[static_cast<std::size_t>(rng.between(0, static_cast<std::int64_t>(choices_.size()) - 1))];
      return;
    case Kind::now_ns: {
      char digits[24];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), now_ns());
      out.append(digits, end);
      return;
    }
    case Kind::uuid: {
      constexpr std::string_view kHex = "0123456789abcdef";
      const std::uint64_t a = rng();
      const std::uint64_t b = rng();
      char text[36];
      int bit = 0;
      for (int i = 0; i < 36; ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          text[i] = '-';
          continue;
        }
        const std::uint64_t word = bit < 64 ? a : b;
        auto nibble = static_cast<unsigned>((word >> (bit % 64)) & 0xF);
        if (i == 14) nibble = 4;                   // version 4
        if (i == 19) nibble = 8 | (nibble & 0x3);  // RFC 4122 variant
        text[i] = kHex[nibble];
        bit += 4;
      }
      out.append(text, 36);
      return;
    }
    case Kind::bytes: {
      std::int64_t length = lo_;
      if (!sizes_.empty()) {
        const double u = rng.uniform();
        length = sizes_.back().first;
        for (const auto& [size, cumulative] : sizes_) {
          if (u < cumulative) {
            length = size;
            break;
          }
        }
      } else if (hi_ > lo_) {
        length = rng.between(lo_, hi_);
      }
      const auto n = static_cast<std::size_t>(length);
      const auto offset =
          static_cast<std::size_t>(rng.between(0, static_cast<std::int64_t>(pool_->size() - n)));
      out.append(*pool_, offset, n);
      return;
    }
    default: {
      char digits[24];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), next_int(rng));
      out.append(digits, end);
      return;
    }
  }
}

}  // namespace surge
