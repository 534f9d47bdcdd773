// What a journey is: a named sequence of HTTP steps one user runs in order, keeping what the
// responses said (captures) in its own variables for the steps after. docs/journeys.md.
//
// A journey lives in the run spec as rows of HttpRunSpec::operations, so every statistic,
// interval, SLO and report works on it unchanged: each step is an operation of weight 0 (never
// drawn on its own), and the journey itself is one more operation whose weight draws it and
// whose row holds the transaction: from the journey's intended start to its last step's end.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "surge/core/clock.hpp"

namespace surge::http {

// Where a value is read from in a response.
struct Extraction {
  enum class From { json, header, regex, body, status };
  From from = From::body;
  // json: a path such as $.items[0].token; header: its name; regex: the pattern (its first
  // group if it has one, else the whole match); body and status: empty.
  std::string expression;
};

struct Capture {
  std::string variable;
  Extraction source;
};

// A check on a value read from the response. `expected` is a template: {name} is a user
// variable (a capture, a feeder column).
struct ValueCheck {
  enum class Kind { exists, equals, matches };
  Extraction subject;
  Kind kind = Kind::exists;
  std::string expected;
};

enum class OnFailure { abort, go_on, restart };

// What a step adds to its operation.
struct StepSpec {
  std::vector<Capture> captures;
  std::vector<ValueCheck> checks;
  Nanos think_min = 0;  // waited after this step, before the next one
  Nanos think_max = 0;
  OnFailure on_failure = OnFailure::abort;
};

// Rows handed to users: each journey started takes the next row into its user's variables.
struct Feeder {
  enum class Mode { circular, random, unique };
  std::string name;
  Mode mode = Mode::circular;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// A named group of a journey's consecutive steps, timed as a whole on a row of its own: from
// its first step's intended start to its last step's end.
struct Transaction {
  int operation = -1;  // its row in HttpRunSpec::operations
  int first = 0;       // step indices, inclusive
  int last = 0;
};

struct Journey {
  std::string name;
  std::vector<int> steps;  // operations' indices, in order
  int feeder = -1;         // index into HttpRunSpec::feeders, or -1
  // Drawn once as each journey starts, into the user's variables (name -> generator spec):
  // one value for every step, where a step's own variables are drawn per request.
  std::vector<std::pair<std::string, std::string>> variables;
  bool cookies = true;  // a cookie jar per user: Set-Cookie kept, Cookie sent
  std::vector<Transaction> transactions;
};

}  // namespace surge::http
