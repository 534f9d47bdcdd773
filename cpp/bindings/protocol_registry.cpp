// The protocols' register functions, collected at static-initialisation time.
#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "register.hpp"

namespace surge::bindings {

namespace {

// A function-local static: it exists before the first registration asks for it, whatever
// order the translation units initialise in.
std::vector<std::pair<std::string_view, RegisterFunction>>& protocols() noexcept {
  static std::vector<std::pair<std::string_view, RegisterFunction>> list;
  return list;
}

}  // namespace

ProtocolRegistration::ProtocolRegistration(std::string_view name, RegisterFunction bind) noexcept {
  protocols().emplace_back(name, bind);
}

void register_protocols(pybind11::module_& m) {
  auto list = protocols();
  std::sort(list.begin(), list.end());
  for (const auto& entry : list) entry.second(m);
}

}  // namespace surge::bindings
