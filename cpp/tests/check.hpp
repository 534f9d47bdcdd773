// A minimal test harness: TEST registers a function, CHECK records a failure and goes on.
// Enough for sans-IO unit tests without pulling in a framework.
#pragma once

#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace surge::testing {

struct TestCase {
  std::string name;
  std::function<void()> body;
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

inline int& failures() {
  static int count = 0;
  return count;
}

struct Registrar {
  Registrar(std::string name, std::function<void()> body) {
    registry().push_back({std::move(name), std::move(body)});
  }
};

}  // namespace surge::testing

#define SURGE_CONCAT_INNER(a, b) a##b
#define SURGE_CONCAT(a, b) SURGE_CONCAT_INNER(a, b)
#define TEST(name)                                                                     \
  static void name();                                                                  \
  static const surge::testing::Registrar SURGE_CONCAT(registrar_, name){#name, &name}; \
  static void name()
#define CHECK(condition)                                                                      \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      ++surge::testing::failures();                                                           \
      std::cerr << __FILE__ << ":" << __LINE__ << ": CHECK failed: " #condition << std::endl; \
    }                                                                                         \
  } while (0)
