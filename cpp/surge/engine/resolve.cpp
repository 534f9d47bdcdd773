#include "surge/engine/resolve.hpp"

#include <boost/asio/io_context.hpp>
#include <stdexcept>

namespace surge {

namespace asio = boost::asio;

std::vector<asio::ip::tcp::endpoint> resolve_all(const std::string& host, std::uint16_t port) {
  asio::io_context context;
  asio::ip::tcp::resolver resolver(context);
  boost::system::error_code ec;
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty())
    throw std::invalid_argument("cannot resolve host '" + host + "': " + ec.message());
  std::vector<asio::ip::tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  return endpoints;
}

asio::ip::tcp::endpoint first_accepting(const std::vector<asio::ip::tcp::endpoint>& endpoints,
                                        Nanos timeout) {
  for (const auto& endpoint : endpoints) {
    asio::io_context context;
    asio::ip::tcp::socket socket(context);
    boost::system::error_code result = asio::error::would_block;
    socket.async_connect(endpoint, [&result](const boost::system::error_code& ec) { result = ec; });
    context.run_for(std::chrono::nanoseconds(timeout));
    if (!result) return endpoint;
  }
  return endpoints.front();
}

}  // namespace surge
