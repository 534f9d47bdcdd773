#include "surge/proto/http/step_judge.hpp"

#include <simdjson.h>

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <stdexcept>

namespace surge::http {

struct StepJudge::Json {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool parsed = false;  // this response's body is parsed (reset for each judge())
  std::string error;    // why it could not be
};

namespace {

std::string describe(const Extraction& e) {
  switch (e.from) {
    case Extraction::From::json:
      return e.expression;
    case Extraction::From::header:
      return "header " + e.expression;
    case Extraction::From::regex:
      return "regex " + e.expression;
    case Extraction::From::status:
      return "status";
    case Extraction::From::body:
      break;
  }
  return "body";
}

boost::regex compile_pattern(const std::string& pattern, const std::string& where) {
  try {
    return boost::regex(pattern, boost::regex::perl);
  } catch (const boost::regex_error& e) {
    throw std::invalid_argument(where + ": bad regex '" + pattern + "': " + e.what() +
                                " (expected a Perl-style regular expression, such as id=(\\d+))");
  }
}

// What a user reads of a value: its start, on one line.
std::string shown(std::string_view value) {
  std::string out(value.substr(0, 60));
  for (auto& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  if (value.size() > 60) out += "...";
  return "'" + out + "'";
}

}  // namespace

StepJudge::StepJudge(const std::vector<std::pair<std::string, StepSpec>>& steps,
                     const std::vector<std::string>& user_names)
    : json_(std::make_unique<Json>()) {
  const auto compile = [&](const Extraction& e, const std::string& where) {
    CompiledExtraction c;
    c.from = e.from;
    c.text = describe(e);
    if (e.from == Extraction::From::json) c.path = JsonPath::parse(e.expression);
    if (e.from == Extraction::From::header) {
      if (e.expression.empty())
        throw std::invalid_argument(where + ": a header capture needs the header's name");
      c.text = e.expression;
    }
    if (e.from == Extraction::From::regex) c.pattern = compile_pattern(e.expression, where);
    return c;
  };
  for (const auto& [name, spec] : steps) {
    const std::string where = "step '" + name + "'";
    CompiledStep step;
    for (const auto& capture : spec.captures) {
      const auto at = std::find(user_names.begin(), user_names.end(), capture.variable);
      if (at == user_names.end())
        throw std::invalid_argument(where + ": capture into unknown variable '" + capture.variable + "'");
      step.captures.push_back(
          CompiledCapture{static_cast<int>(at - user_names.begin()),
                          compile(capture.source, where + ", capture '" + capture.variable + "'")});
    }
    for (const auto& check : spec.checks) {
      CompiledCheck compiled;
      compiled.subject = compile(check.subject, where + ", check");
      compiled.kind = check.kind;
      compiled.expected = RequestTemplate::parse(check.expected, no_variables_, &user_names);
      if (check.kind == ValueCheck::Kind::matches) {
        if (!compiled.expected.user_variables().empty())
          throw std::invalid_argument(where + ": a 'matches' pattern cannot hold user variables");
        compiled.pattern = compile_pattern(check.expected, where + ", check");
      }
      step.checks.push_back(std::move(compiled));
    }
    steps_.push_back(std::move(step));
  }
}

StepJudge::~StepJudge() = default;
StepJudge::StepJudge(StepJudge&&) noexcept = default;

bool StepJudge::reads_headers(int step) const noexcept {
  const auto& s = steps_[static_cast<std::size_t>(step)];
  return std::any_of(s.captures.begin(), s.captures.end(),
                     [](const CompiledCapture& c) { return c.source.from == Extraction::From::header; }) ||
         std::any_of(s.checks.begin(), s.checks.end(),
                     [](const CompiledCheck& c) { return c.subject.from == Extraction::From::header; });
}

bool StepJudge::reads_body(int step) const noexcept {
  const auto from_body = [](Extraction::From f) {
    return f == Extraction::From::json || f == Extraction::From::regex || f == Extraction::From::body;
  };
  const auto& s = steps_[static_cast<std::size_t>(step)];
  return std::any_of(s.captures.begin(), s.captures.end(),
                     [&](const CompiledCapture& c) { return from_body(c.source.from); }) ||
         std::any_of(s.checks.begin(), s.checks.end(),
                     [&](const CompiledCheck& c) { return from_body(c.subject.from); });
}

std::optional<std::string> StepJudge::extract(const CompiledExtraction& e, const Response& response,
                                              std::string& why) {
  switch (e.from) {
    case Extraction::From::status:
      return std::to_string(response.status);
    case Extraction::From::body:
      return std::string(response.body);
    case Extraction::From::header:
      for (const auto& [name, value] : response.headers)
        if (boost::beast::iequals(name, e.text)) return value;
      why = "no " + e.text + " header";
      return std::nullopt;
    case Extraction::From::regex: {
      boost::cmatch match;
      try {
        if (!boost::regex_search(response.body.data(), response.body.data() + response.body.size(), match,
                                 *e.pattern)) {
          why = e.text + " matched nothing";
          return std::nullopt;
        }
      } catch (const std::runtime_error& error) {  // Boost.Regex gives up on runaway backtracking
        why = e.text + ": " + error.what();
        return std::nullopt;
      }
      return match.size() > 1 ? match[1].str() : match[0].str();
    }
    case Extraction::From::json:
      break;
  }
  if (!json_->parsed) {
    json_->parsed = true;
    json_->error.clear();
    const auto error = json_->parser.parse(response.body.data(), response.body.size()).get(json_->root);
    if (error != simdjson::SUCCESS)
      json_->error = std::string("the body is not JSON (") + simdjson::error_message(error) + ")";
  }
  if (!json_->error.empty()) {
    why = json_->error;
    return std::nullopt;
  }
  auto value = e.path->find(json_->root);
  if (!value) why = e.text + " is not in the body";
  return value;
}

std::optional<std::string> StepJudge::judge(int step, const Response& response,
                                            std::vector<std::string>& values) {
  json_->parsed = false;
  auto& compiled = steps_[static_cast<std::size_t>(step)];
  std::string why;
  for (const auto& capture : compiled.captures) {
    auto value = extract(capture.source, response, why);
    if (!value) return "capture failed: " + why;
    values[static_cast<std::size_t>(capture.variable)] = std::move(*value);
  }
  for (auto& check : compiled.checks) {
    const auto value = extract(check.subject, response, why);
    if (!value) return "check failed: " + why;
    if (check.kind == ValueCheck::Kind::exists) continue;
    if (check.kind == ValueCheck::Kind::matches) {
      bool matched = false;
      try {
        matched = boost::regex_search(*value, *check.pattern);
      } catch (const std::runtime_error& error) {
        return "check failed: " + check.subject.text + ": " + error.what();
      }
      if (!matched)
        return "check failed: " + check.subject.text + " is " + shown(*value) +
               ", which does not match the pattern";
      continue;
    }
    scratch_.clear();
    check.expected.render(scratch_, no_variables_, rng_, &values);
    if (*value != scratch_)
      return "check failed: " + check.subject.text + " is " + shown(*value) + ", expected " + shown(scratch_);
  }
  return std::nullopt;
}

}  // namespace surge::http
