#include "surge/proto/redis/command_builder.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>

namespace surge::redis {

namespace {

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

// Splits at spaces, but not inside a {placeholder}: "{choice(a, b)}" stays one argument.
std::vector<std::string_view> split_arguments(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = std::string_view::npos;
  int depth = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ' ';
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    const bool separator = c == ' ' && depth == 0;
    if (!separator && start == std::string_view::npos) start = i;
    if (separator && start != std::string_view::npos) {
      parts.push_back(text.substr(start, i - start));
      start = std::string_view::npos;
    }
  }
  return parts;
}

}  // namespace

void append_command(std::string& out, const std::vector<std::string>& arguments) {
  out += '*';
  append_number(out, arguments.size());
  out += "\r\n";
  for (const auto& argument : arguments) {
    out += '$';
    append_number(out, argument.size());
    out += "\r\n";
    out += argument;
    out += "\r\n";
  }
}

CommandBuilder::CommandBuilder(const CommandSpec& spec) {
  for (const auto& [name, generator] : spec.variables) variables_.declare(name, generator);
  const auto parts = split_arguments(spec.command);
  if (parts.empty()) throw std::invalid_argument("command: give a command such as 'GET {key}'");
  for (const auto part : parts) arguments_.push_back(RequestTemplate::parse(part, variables_));
  for (const char c : parts.front()) name_ += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  rendered_.resize(arguments_.size());
}

void CommandBuilder::append(std::string& out, Rng& rng) {
  variables_.draw(rng);
  for (std::size_t i = 0; i < arguments_.size(); ++i) {
    rendered_[i].clear();
    arguments_[i].render(rendered_[i], variables_, rng);
  }
  append_command(out, rendered_);
}

void CommandBuilder::partition(std::int64_t index, std::int64_t count) noexcept {
  variables_.partition(index, count);
  for (auto& argument : arguments_) argument.partition(index, count);
}

}  // namespace surge::redis
