// Where BOOST_ASSERT goes in the fuzz builds (BOOST_ENABLE_ASSERT_HANDLER): every failed
// assertion aborts, as assert() would, except one that is wrong in the Beast that Debian 12
// ships (1.81). Its chunk-header parser asserts at least 5 bytes, but a final chunk "0\r\n"
// may arrive as 3 or 4 bytes when no CRLF is pending, and the code after the assert asks for
// more, correctly. Beast fixed the assert in boostorg/beast#2861 (2024); release builds
// compile it out. Letting it pass keeps the fuzzers (and ASan behind them) on every other
// check instead of stopping at this one.
#include <boost/assert.hpp>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::string_view(expr) == "n >= 5" && std::string_view(file).ends_with("http/impl/basic_parser.ipp"))
    return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
