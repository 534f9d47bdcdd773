// A journey step's own judgement of a response, after its status and body checks: its
// captures go into the user's variables, then its checks run on values read from the response.
// Sans-IO: a status, a body and header fields in, a verdict out. One per worker, as the JSON
// parser and the compiled patterns it keeps are reused for every response.
#pragma once

#include <boost/regex.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "surge/core/request_template.hpp"
#include "surge/proto/http/journey.hpp"
#include "surge/proto/http/json_path.hpp"

namespace surge::http {

struct Response {
  int status = 0;
  std::string_view body;
  std::span<const std::pair<std::string, std::string>> headers;
};

class StepJudge {
 public:
  // Compiles every step's paths, patterns and expected templates. `user_names`: the user
  // variables, by index. Throws std::invalid_argument naming the step and what is wrong.
  StepJudge(const std::vector<std::pair<std::string, StepSpec>>& steps,
            const std::vector<std::string>& user_names);
  ~StepJudge();
  StepJudge(StepJudge&&) noexcept;
  StepJudge& operator=(StepJudge&&) = delete;
  StepJudge(const StepJudge&) = delete;

  // Step `step`'s captures into `values`, then its checks. nullopt: it passed; else why not.
  std::optional<std::string> judge(int step, const Response& response, std::vector<std::string>& values);
  // Whether step `step` reads header fields (captures or checks of a header).
  [[nodiscard]] bool reads_headers(int step) const noexcept;
  // Whether step `step` reads the body.
  [[nodiscard]] bool reads_body(int step) const noexcept;

 private:
  struct CompiledExtraction {
    Extraction::From from = Extraction::From::body;
    std::string text;  // a header's name, or the expression as written
    std::optional<JsonPath> path;
    std::optional<boost::regex> pattern;
  };
  struct CompiledCapture {
    int variable = -1;
    CompiledExtraction source;
  };
  struct CompiledCheck {
    CompiledExtraction subject;
    ValueCheck::Kind kind = ValueCheck::Kind::exists;
    RequestTemplate expected;
    std::optional<boost::regex> pattern;  // matches, without user variables
  };
  struct CompiledStep {
    std::vector<CompiledCapture> captures;
    std::vector<CompiledCheck> checks;
  };

  // The value, or nullopt with `why` set.
  std::optional<std::string> extract(const CompiledExtraction& e, const Response& response, std::string& why);

  std::vector<CompiledStep> steps_;
  struct Json;  // simdjson's parser and the parsed body (step_judge.cpp)
  std::unique_ptr<Json> json_;
  VariableSet no_variables_;
  Rng rng_{1};
  std::string scratch_;
};

}  // namespace surge::http
