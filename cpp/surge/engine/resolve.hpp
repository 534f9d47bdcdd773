// Resolves a host and port once, before a run; every protocol's prepare() uses it. A name can
// resolve to several addresses (localhost: ::1 and 127.0.0.1) while the server listens on one
// of them only, so each is tried in turn and the first that accepts a connection is used.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "surge/core/clock.hpp"

namespace surge {

// Every address of host:port, in the resolver's order. Throws std::invalid_argument naming the
// host when it does not resolve.
std::vector<boost::asio::ip::tcp::endpoint> resolve_all(const std::string& host, std::uint16_t port);

// The first endpoint that accepts a TCP connection within `timeout` each; the first one when
// none does (the run then counts what happens, as it would for one address).
boost::asio::ip::tcp::endpoint first_accepting(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                                               Nanos timeout = 500 * kNanosPerMilli);

inline boost::asio::ip::tcp::endpoint resolve_host(const std::string& host, std::uint16_t port) {
  const auto all = resolve_all(host, port);
  return all.size() == 1 ? all.front() : first_accepting(all);
}

}  // namespace surge
