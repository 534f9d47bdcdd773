// Resolves a host and port once, before a run; every protocol's prepare() uses it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace surge {

// Throws std::invalid_argument naming the host when it does not resolve.
inline boost::asio::ip::tcp::endpoint resolve_host(const std::string& host, std::uint16_t port) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::resolver resolver(context);
  boost::system::error_code ec;
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty())
    throw std::invalid_argument("cannot resolve host '" + host + "': " + ec.message());
  return results.begin()->endpoint();
}

}  // namespace surge
