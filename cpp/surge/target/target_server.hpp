// The embedded demo target: an HTTP/1.1 keep-alive server on Asio that serves DemoApi and
// applies the fault knobs. Runs on its own threads, in-process or as `surge serve`.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "surge/target/demo_api.hpp"
#include "surge/target/fault_knobs.hpp"

namespace surge::target {

class TargetServer {
 public:
  TargetServer();
  ~TargetServer();
  TargetServer(const TargetServer&) = delete;
  TargetServer& operator=(const TargetServer&) = delete;

  // Binds host:port (port 0 picks a free one) and starts `threads` threads; returns the port.
  // Throws std::runtime_error naming the address when it cannot bind.
  std::uint16_t start(const std::string& host, std::uint16_t port, int threads);
  void stop();
  [[nodiscard]] bool running() const noexcept { return running_; }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  FaultKnobs& knobs() noexcept { return knobs_; }
  DemoApi& api() noexcept { return api_; }
  [[nodiscard]] std::uint64_t requests_served() const noexcept {
    return requests_served_.load(std::memory_order_relaxed);
  }

 private:
  friend class Session;
  void accept();

  boost::asio::io_context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  FaultKnobs knobs_;
  DemoApi api_;
  std::atomic<std::uint64_t> requests_served_{0};
  std::atomic<std::uint64_t> next_seed_{1};
  std::uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace surge::target
