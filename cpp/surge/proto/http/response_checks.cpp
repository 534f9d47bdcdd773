#include "surge/proto/http/response_checks.hpp"

#include <algorithm>

namespace surge::http {

std::optional<ErrorClass> judge_response(const HttpOperation& operation, int status, std::string_view body) {
  bool status_ok = status < 400;
  if (!operation.expect_status.empty())
    status_ok = std::find(operation.expect_status.begin(), operation.expect_status.end(), status) !=
                operation.expect_status.end();
  if (!status_ok) {
    if (status >= 500) return ErrorClass::http_5xx;
    if (status >= 400) return ErrorClass::http_4xx;
    return ErrorClass::check_failed;
  }
  if (!operation.expect_body.empty() && body.find(operation.expect_body) == std::string_view::npos)
    return ErrorClass::check_failed;
  return std::nullopt;
}

}  // namespace surge::http
