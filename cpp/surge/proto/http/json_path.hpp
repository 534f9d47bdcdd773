// A JSON path into a response body, for journeys' captures and checks: `$`, then `.name`,
// `[index]` or `["name"]` steps ($.items[0].token). Parsing JSON is simdjson's (its DOM parser
// measured 0.84 µs for a 1.7 KB body against Boost.JSON's 2.7 µs, docs/journeys.md); only the
// path is surge's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simdjson::dom {
class element;
}

namespace surge::http {

class JsonPath {
 public:
  // Throws std::invalid_argument naming what is wrong with `text`.
  static JsonPath parse(std::string_view text);

  // The value at the path: a string as its text, anything else as minified JSON; nullopt when
  // the path leads nowhere.
  [[nodiscard]] std::optional<std::string> find(const simdjson::dom::element& root) const;
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  struct Step {
    std::string key;
    std::int64_t index = -1;  // >= 0: an array index; else `key`
  };
  std::vector<Step> steps_;
  std::string text_;
};

}  // namespace surge::http
