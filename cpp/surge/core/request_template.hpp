// Text templates with {name} placeholders. A placeholder is an identifier naming a declared
// variable, a user variable (a journey's capture or feeder column, kept per user), or an inline
// generator such as {uuid} or {uniform(1,100)}; any other brace is text, so JSON bodies need no
// escaping. Variables are drawn once per request and may repeat.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "surge/core/value_generator.hpp"

namespace surge {

// The named variables of one operation; draw() fills every value once per request.
class VariableSet {
 public:
  // Throws std::invalid_argument on a bad name or generator.
  void declare(std::string name, std::string_view generator_spec);
  // A variable its owner fills before each render (a pgbench script's computed \set), which
  // draw() leaves alone; its values must not break lines. Returns its index.
  int declare_set(std::string name);
  [[nodiscard]] std::string& slot(int index) noexcept { return values_[static_cast<std::size_t>(index)]; }
  [[nodiscard]] int find(std::string_view name) const noexcept;
  void partition(std::int64_t index, std::int64_t count) noexcept;
  void draw(Rng& rng);
  [[nodiscard]] std::string_view value(int index) const noexcept {
    return values_[static_cast<std::size_t>(index)];
  }
  [[nodiscard]] bool empty() const noexcept { return names_.empty(); }
  [[nodiscard]] bool may_break_lines(int index) const noexcept {
    return generators_[static_cast<std::size_t>(index)].may_break_lines();
  }

 private:
  std::vector<std::string> names_;
  std::vector<ValueGenerator> generators_;  // a placeholder for a variable its owner sets
  std::vector<bool> drawn_;
  std::vector<std::string> values_;
};

class RequestTemplate {
 public:
  RequestTemplate() = default;
  // Throws std::invalid_argument naming the placeholder when it is neither a variable nor a
  // generator. `user`: the names of the user variables, indexed as render()'s `user` values.
  static RequestTemplate parse(std::string_view text, const VariableSet& variables,
                               const std::vector<std::string>* user = nullptr);

  // `user`: the user's variables (an unset one renders empty); null when there are none.
  void render(std::string& out, const VariableSet& variables, Rng& rng,
              const std::vector<std::string>* user = nullptr);
  // The user variables it renders, by index.
  [[nodiscard]] std::vector<int> user_variables() const;
  // Whether a rendering may hold CR, LF or NUL (its text, or a value it draws).
  [[nodiscard]] bool may_break_lines(const VariableSet& variables) const noexcept;
  void partition(std::int64_t index, std::int64_t count) noexcept;

 private:
  struct Segment {
    std::string literal;
    int variable = -1;
    int generator = -1;
    int user = -1;
  };
  std::vector<Segment> segments_;
  std::vector<ValueGenerator> generators_;
};

}  // namespace surge
