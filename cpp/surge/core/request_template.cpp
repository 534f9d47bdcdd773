#include "surge/core/request_template.hpp"

#include <algorithm>
#include <stdexcept>

namespace surge {

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (const char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

int index_of(const std::vector<std::string>& names, std::string_view name) {
  const auto at = std::find(names.begin(), names.end(), name);
  return at == names.end() ? -1 : static_cast<int>(at - names.begin());
}

}  // namespace

void VariableSet::declare(std::string name, std::string_view generator_spec) {
  if (!is_identifier(name))
    throw std::invalid_argument("bad variable name '" + name + "': use letters, digits and _");
  if (find(name) >= 0) throw std::invalid_argument("variable '" + name + "' is declared twice");
  generators_.push_back(ValueGenerator::parse(generator_spec));
  drawn_.push_back(true);
  names_.push_back(std::move(name));
  values_.emplace_back();
  values_.back().reserve(64);
}

int VariableSet::declare_set(std::string name) {
  if (!is_identifier(name))
    throw std::invalid_argument("bad variable name '" + name + "': use letters, digits and _");
  if (find(name) >= 0) throw std::invalid_argument("variable '" + name + "' is declared twice");
  generators_.emplace_back();  // never drawn; a seq's digits never break a line
  drawn_.push_back(false);
  names_.push_back(std::move(name));
  values_.emplace_back();
  values_.back().reserve(32);
  return static_cast<int>(names_.size()) - 1;
}

int VariableSet::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

void VariableSet::partition(std::int64_t index, std::int64_t count) noexcept {
  for (auto& g : generators_) g.partition(index, count);
}

void VariableSet::draw(Rng& rng) {
  for (std::size_t i = 0; i < generators_.size(); ++i) {
    if (!drawn_[i]) continue;
    values_[i].clear();
    generators_[i].append(values_[i], rng);
  }
}

bool RequestTemplate::may_break_lines(const VariableSet& variables) const noexcept {
  for (const auto& segment : segments_) {
    if (segment.literal.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return true;
    if (segment.variable >= 0 && variables.may_break_lines(segment.variable)) return true;
  }
  for (const auto& generator : generators_)
    if (generator.may_break_lines()) return true;
  return false;
}

RequestTemplate RequestTemplate::parse(std::string_view text, const VariableSet& variables,
                                       const std::vector<std::string>* user) {
  RequestTemplate t;
  std::string literal;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      const auto close = text.find('}', i + 1);
      if (close != std::string_view::npos) {
        const auto inner = text.substr(i + 1, close - i - 1);
        const auto paren = inner.find('(');
        const auto head = inner.substr(0, paren);
        if (is_identifier(head)) {
          Segment segment;
          const int user_index = user == nullptr ? -1 : index_of(*user, head);
          if (paren == std::string_view::npos && variables.find(head) >= 0) {
            segment.variable = variables.find(head);
          } else if (paren == std::string_view::npos && user_index >= 0) {
            segment.user = user_index;
          } else if (ValueGenerator::looks_like_generator(inner)) {
            segment.generator = static_cast<int>(t.generators_.size());
            t.generators_.push_back(ValueGenerator::parse(inner));
          } else if (i > 0 && text[i - 1] == '{' && close + 1 < text.size() && text[close + 1] == '}') {
            // {{name}} of no variable is the text {name}: a Redis Cluster hash tag such as
            // {{user1000}} (with a variable, {{id}} renders its value in braces).
            literal.back() = '{';
            literal.append(inner);
            literal += '}';
            i = close + 2;
            continue;
          } else {
            throw std::invalid_argument("unknown template variable '{" + std::string(inner) + "}' in '" +
                                        std::string(text) + "': declare it with --var " + std::string(head) +
                                        "=GENERATOR or use a generator such as {uuid}");
          }
          if (!literal.empty()) t.segments_.push_back(Segment{std::move(literal), -1, -1, -1});
          literal.clear();
          t.segments_.push_back(std::move(segment));
          i = close + 1;
          continue;
        }
      }
    }
    literal += text[i++];
  }
  if (!literal.empty()) t.segments_.push_back(Segment{std::move(literal), -1, -1, -1});
  return t;
}

void RequestTemplate::render(std::string& out, const VariableSet& variables, Rng& rng,
                             const std::vector<std::string>* user) {
  for (const auto& s : segments_) {
    if (s.variable >= 0)
      out += variables.value(s.variable);
    else if (s.user >= 0 && user != nullptr)
      out += (*user)[static_cast<std::size_t>(s.user)];
    else if (s.user >= 0)
      continue;
    else if (s.generator >= 0)
      generators_[static_cast<std::size_t>(s.generator)].append(out, rng);
    else
      out += s.literal;
  }
}

std::vector<int> RequestTemplate::user_variables() const {
  std::vector<int> used;
  for (const auto& s : segments_)
    if (s.user >= 0) used.push_back(s.user);
  return used;
}

void RequestTemplate::partition(std::int64_t index, std::int64_t count) noexcept {
  for (auto& g : generators_) g.partition(index, count);
}

}  // namespace surge
