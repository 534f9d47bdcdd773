#include "check.hpp"

int main() {
  int passed = 0;
  int failed = 0;
  for (const auto& test : surge::testing::registry()) {
    const int before = surge::testing::failures();
    try {
      test.body();
    } catch (const std::exception& e) {
      ++surge::testing::failures();
      std::cerr << test.name << ": unexpected exception: " << e.what() << std::endl;
    }
    if (surge::testing::failures() == before) {
      ++passed;
    } else {
      ++failed;
      std::cerr << "FAILED " << test.name << std::endl;
    }
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
