// The demo target's request handling: any method, path, query and body reaches DemoApi.
#include <string>

#include "fuzz_input.hpp"
#include "surge/target/demo_api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static surge::target::DemoApi api;  // state carries over between inputs, as a server's does
  surge::fuzz::Input input(data, size);
  static const char* const kMethods[] = {"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"};
  surge::target::ApiRequest request;
  request.method = kMethods[input.byte() % 6];
  request.target = std::string(input.take(input.byte()));
  request.ttl_header = std::string(input.take(input.byte() % 24));
  request.content_type = "application/octet-stream";
  request.body = std::string(input.rest());
  surge::target::ApiResponse response;
  api.handle(request, response);
  return 0;
}
