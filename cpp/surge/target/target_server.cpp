#include "surge/target/target_server.hpp"

#include <stdexcept>

#include "surge/core/thread_name.hpp"
#include "surge/target/session.hpp"

namespace surge::target {

namespace asio = boost::asio;

TargetServer::TargetServer() : acceptor_(context_), accept_retry_(context_) {}

TargetServer::Served TargetServer::serve(Rng& rng, const ApiRequest& request, ApiResponse& response) {
  const Nanos arrived = now_ns();
  requests_served_.fetch_add(1, std::memory_order_relaxed);
  // Spent on this thread, holding it as a real handler's computation would: requests behind
  // this one wait.
  if (const Nanos work = knobs_.cpu_work(); work > 0) {
    const Nanos until = arrived + work;
    while (now_ns() < until) {
    }
  }
  leak_.on_request();
  if (knobs_.drop_connection(rng)) return {true, 0};
  if (knobs_.inject_error(rng)) {
    response.status = 500;
    response.content_type = "application/json";
    response.body = R"({"error":"injected fault"})";
  } else {
    api_.handle(request, response);
  }
  return {false, knobs_.release_time(arrived + knobs_.added_latency(rng))};
}

void TargetServer::set_limits(Nanos idle, Nanos request, int connections) {
  if (running_) throw std::runtime_error("set the target's limits before it starts");
  if (idle <= 0 || request <= 0 || connections < 1) throw std::invalid_argument("target limits must be > 0");
  idle_timeout_ = idle;
  request_timeout_ = request;
  max_connections_ = connections;
}

TargetServer::~TargetServer() {
  stop();
}

std::uint16_t TargetServer::start(const std::string& host, std::uint16_t port, int threads) {
  if (running_) throw std::runtime_error("the target is already running");
  if (threads < 1) throw std::invalid_argument("threads must be >= 1");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("bad bind address '" + host + "': use an IP address such as 127.0.0.1");
  const asio::ip::tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  context_.restart();
  accept();
  running_ = true;
  for (int i = 0; i < threads; ++i)
    threads_.emplace_back([this] {
      name_this_thread(kTargetThreadName);
      context_.run();
    });
  return port_;
}

void TargetServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors (EMFILE) and the like: the pending connection stays queued, so
      // accepting again at once fails again, a busy loop. Wait a little instead.
      accept_retry_.expires_after(std::chrono::milliseconds(50));
      accept_retry_.async_wait([this](const boost::system::error_code& wait_ec) {
        if (!wait_ec && acceptor_.is_open()) accept();
      });
      return;
    }
    if (sessions_.load(std::memory_order_relaxed) >= max_connections_) {
      boost::system::error_code ignored;
      socket.close(ignored);  // over the cap: closed at once, as a busy server would
    } else {
      std::make_shared<Session>(*this, std::move(socket), next_seed_.fetch_add(1, std::memory_order_relaxed))
          ->start();
    }
    accept();
  });
}

void TargetServer::stop() {
  if (!running_) return;
  asio::post(context_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  context_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  running_ = false;
  // Destroying pending handlers releases the sessions they own.
  context_.restart();
  context_.poll();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace surge::target
