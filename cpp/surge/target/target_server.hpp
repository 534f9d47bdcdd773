// The embedded demo target: an HTTP/1.1 keep-alive server on Asio that serves DemoApi and
// applies the fault knobs. Runs on its own threads, in-process or as `surge serve`.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "surge/proto/tls/tls_context.hpp"
#include "surge/target/demo_api.hpp"
#include "surge/target/fault_knobs.hpp"
#include "surge/target/leak.hpp"

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
  Leak& leak() noexcept { return leak_; }
  // Limits that keep one client from knocking the target over; set before start(). A
  // connection idle past `idle` is closed, one whose request takes longer than `request` to
  // arrive too; past `connections` open at once, a new one is closed at once.
  void set_limits(Nanos idle, Nanos request, int connections);
  // Serves https:// with this certificate and key (PEM text); set before start(). Throws
  // std::invalid_argument for PEM that is not a certificate and its key.
  void enable_tls(const std::string& certificate_pem, const std::string& key_pem) {
    tls_ = std::make_unique<tls::ServerContext>(certificate_pem, key_pem);
  }
  [[nodiscard]] const tls::ServerContext* tls() const noexcept { return tls_.get(); }
  [[nodiscard]] Nanos idle_timeout_ns() const noexcept { return idle_timeout_; }
  [[nodiscard]] Nanos request_timeout_ns() const noexcept { return request_timeout_; }
  [[nodiscard]] int open_connections() const noexcept { return sessions_.load(std::memory_order_relaxed); }
  DemoApi& api() noexcept { return api_; }
  [[nodiscard]] std::uint64_t requests_served() const noexcept {
    return requests_served_.load(std::memory_order_relaxed);
  }

  // What the server makes of a whole request, over HTTP/1.1 or HTTP/2 alike: counts it, spends
  // the CPU work, applies the faults, and answers it through DemoApi. `drop`: lose it (close
  // the connection, or reset the stream) instead; `release`: when the response may leave.
  struct Served {
    bool drop = false;
    Nanos release = 0;
  };
  Served serve(Rng& rng, const ApiRequest& request, ApiResponse& response);

 private:
  friend class Session;
  friend class H2Session;
  void accept();

  boost::asio::io_context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;  // after a failed accept (out of descriptors)
  std::atomic<int> sessions_{0};
  Nanos idle_timeout_ = 60 * kNanosPerSecond;
  Nanos request_timeout_ = 30 * kNanosPerSecond;
  int max_connections_ = 10'000;
  std::vector<std::thread> threads_;
  FaultKnobs knobs_;
  Leak leak_;
  std::unique_ptr<tls::ServerContext> tls_;
  DemoApi api_;
  std::atomic<std::uint64_t> requests_served_{0};
  std::atomic<std::uint64_t> next_seed_{1};
  std::uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace surge::target
