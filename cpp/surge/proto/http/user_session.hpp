// What one journey user keeps between its requests and across its iterations: its variables
// (captures, feeder columns) and its cookie jar. One per lane, as a lane is one user's
// connection.
#pragma once

#include <string>
#include <vector>

#include "surge/proto/http/cookie_jar.hpp"

namespace surge::http {

struct UserSession {
  UserSession(std::size_t variables, std::string host) : values(variables), jar(std::move(host)) {}
  std::vector<std::string> values;  // by HttpShared::user_names
  CookieJar jar;
};

}  // namespace surge::http
