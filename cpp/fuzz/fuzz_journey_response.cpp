// A journey step's reading of whatever a server answers: captures and checks (JSON paths by
// simdjson, headers, a regex) on an arbitrary body and header fields, Set-Cookie values into the
// cookie jar, and the JSON path and HTTP date parsers on arbitrary text.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_input.hpp"
#include "surge/proto/http/cookie_jar.hpp"
#include "surge/proto/http/json_path.hpp"
#include "surge/proto/http/step_judge.hpp"

namespace {

using surge::http::Extraction;
using surge::http::StepSpec;
using surge::http::ValueCheck;

surge::http::StepJudge& judge() {
  static const std::vector<std::string> names{"id", "token", "location", "word"};
  static surge::http::StepJudge instance = [] {
    StepSpec spec;
    spec.captures = {{"id", {Extraction::From::json, "$.items[1].id"}},
                     {"token", {Extraction::From::json, "$[\"token\"]"}},
                     {"location", {Extraction::From::header, "location"}},
                     {"word", {Extraction::From::regex, R"(name": "(\w+))"}}};
    spec.checks = {{{Extraction::From::json, "$.name"}, ValueCheck::Kind::equals, "{word}-{id}"},
                   {{Extraction::From::body, ""}, ValueCheck::Kind::matches, "(a|b)*c"}};
    return surge::http::StepJudge({{"step", spec}}, names);
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  const int status = input.byte() + 100;
  std::vector<std::pair<std::string, std::string>> headers;
  const int fields = input.byte() % 4;
  for (int i = 0; i < fields; ++i) {
    const bool cookie = (input.byte() & 1) != 0;
    headers.emplace_back(cookie ? "Set-Cookie" : "Location", std::string(input.take(input.byte())));
  }
  const auto path_text = input.take(input.byte() % 32);
  const auto date_text = input.take(input.byte() % 48);
  const std::string body(input.rest());

  std::vector<std::string> values(4);
  (void)judge().judge(0, surge::http::Response{status, body, headers}, values);

  surge::http::CookieJar jar("shop.test");
  for (const auto& [name, value] : headers)
    if (name == "Set-Cookie") jar.store(value, path_text, 1'700'000'000);
  (void)jar.header_for(path_text, (status & 1) != 0, 1'700'000'000);
  (void)surge::http::parse_http_date(date_text);
  try {
    (void)surge::http::JsonPath::parse(path_text);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
