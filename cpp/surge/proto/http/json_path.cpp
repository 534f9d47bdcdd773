#include "surge/proto/http/json_path.hpp"

#include <simdjson.h>

#include <charconv>
#include <stdexcept>

namespace surge::http {

namespace {

[[noreturn]] void bad_path(std::string_view text, const std::string& why) {
  throw std::invalid_argument("bad JSON path '" + std::string(text) + "': " + why +
                              " (write it as $.name, $.items[0].id or $[\"odd key\"])");
}

}  // namespace

JsonPath JsonPath::parse(std::string_view text) {
  JsonPath path;
  path.text_ = std::string(text);
  if (text.empty() || text[0] != '$') bad_path(text, "it must start with $");
  std::size_t i = 1;
  while (i < text.size()) {
    if (text[i] == '.') {
      const auto end = text.find_first_of(".[", i + 1);
      const auto key =
          text.substr(i + 1, end == std::string_view::npos ? std::string_view::npos : end - i - 1);
      if (key.empty()) bad_path(text, "a '.' must be followed by a name");
      path.steps_.push_back(Step{std::string(key), -1});
      i = end == std::string_view::npos ? text.size() : end;
    } else if (text[i] == '[') {
      const auto close = text.find(']', i + 1);
      if (close == std::string_view::npos) bad_path(text, "a '[' is not closed");
      const auto inner = text.substr(i + 1, close - i - 1);
      if (inner.size() >= 2 && (inner.front() == '"' || inner.front() == '\'') &&
          inner.back() == inner.front()) {
        path.steps_.push_back(Step{std::string(inner.substr(1, inner.size() - 2)), -1});
      } else {
        std::int64_t index = -1;
        const auto [end, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), index);
        if (ec != std::errc() || end != inner.data() + inner.size() || index < 0)
          bad_path(text, "'[" + std::string(inner) + "]' is neither an index (0, 1, ...) nor a quoted name");
        path.steps_.push_back(Step{{}, index});
      }
      i = close + 1;
    } else {
      bad_path(text, "expected '.' or '[' at character " + std::to_string(i + 1));
    }
  }
  return path;
}

std::optional<std::string> JsonPath::find(const simdjson::dom::element& root) const {
  simdjson::dom::element at = root;
  for (const auto& step : steps_) {
    simdjson::dom::element next;
    if (step.index >= 0) {
      simdjson::dom::array array;
      if (at.get_array().get(array) != simdjson::SUCCESS) return std::nullopt;
      if (array.at(static_cast<std::size_t>(step.index)).get(next) != simdjson::SUCCESS) return std::nullopt;
    } else {
      simdjson::dom::object object;
      if (at.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
      if (object.at_key(step.key).get(next) != simdjson::SUCCESS) return std::nullopt;
    }
    at = next;
  }
  std::string_view text;
  if (at.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  return simdjson::minify(at);
}

}  // namespace surge::http
