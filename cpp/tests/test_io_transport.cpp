// The io_uring transport's own parts, without the engine: how the transport is chosen (and
// refused, as Docker's seccomp profile refuses it), and a UringSocket's semantics against a
// real loopback peer: bytes both ways, the peer's close as eof, and a close while a read waits
// completing it with operation_aborted, as Asio's sockets do.
#include <doctest/doctest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "surge/engine/io_mode.hpp"
#include "surge/engine/uring_loop.hpp"
#include "surge/engine/uring_socket.hpp"

using namespace surge;

namespace {

// What Docker's default profile does to io_uring: io_uring_setup fails with EPERM.
void refuse_io_uring_setup() {
  std::array<sock_filter, 4> program{{
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  }};
  const sock_fprog filter{static_cast<unsigned short>(program.size()), program.data()};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) std::_Exit(3);
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) std::_Exit(4);
}

struct Listener {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  std::uint16_t port = 0;
  Listener() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t size = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    port = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd); }
};

}  // namespace

TEST_CASE("io_uring refused by a seccomp filter: the probe names the step, and auto is epoll") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    refuse_io_uring_setup();
    const std::string refusal = probe_uring();
    // 0: refused as expected; 1: the probe did not notice.
    std::_Exit(refusal.find("io_uring_setup refused: Operation not permitted") == 0 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("the transport asked for, and what each choice gives") {
  CHECK_FALSE(use_uring(IoMode::epoll, true));
  CHECK_FALSE(use_uring(IoMode::automatic, false));
  CHECK_THROWS_WITH_AS(use_uring(IoMode::uring, false), doctest::Contains("libpq"), std::invalid_argument);
  ::setenv("SURGE_IO_URING", "off", 1);
  CHECK(uring_refusal() == "SURGE_IO_URING=off turns it off");
  CHECK_FALSE(use_uring(IoMode::automatic, true));
  CHECK_THROWS_WITH_AS(use_uring(IoMode::uring, true), doctest::Contains("SURGE_IO_URING=off"),
                       std::invalid_argument);
  ::unsetenv("SURGE_IO_URING");
  if (!uring_refusal().empty()) {
    MESSAGE("io_uring is refused here: " << uring_refusal());
    return;
  }
  CHECK(use_uring(IoMode::automatic, true));
  CHECK(use_uring(IoMode::uring, true));
}

TEST_CASE("a UringSocket: bytes both ways, eof, and a close under a waiting read") {
  if (!uring_refusal().empty()) {
    MESSAGE("io_uring is refused here: " << uring_refusal());
    return;
  }
  Listener listener;
  // The peer: answers the first connection's "ping" with "pong" and closes; holds the second
  // open and silent until the client closes it.
  std::thread peer([&] {
    const int first = ::accept(listener.fd, nullptr, nullptr);
    std::array<char, 4> got{};
    std::size_t have = 0;
    while (have < got.size()) {
      const ssize_t n = ::read(first, got.data() + have, got.size() - have);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    if (std::string(got.data(), have) == "ping") [[maybe_unused]]
      auto w = ::write(first, "pong", 4);
    ::close(first);
    const int second = ::accept(listener.fd, nullptr, nullptr);
    char byte = 0;
    [[maybe_unused]] auto r = ::read(second, &byte, 1);  // returns once the client closed
    ::close(second);
  });

  boost::asio::io_context context(1);
  auto work = boost::asio::make_work_guard(context);
  UringLoop loop;
  loop.open(context);
  UringSocket socket(loop);
  const boost::asio::ip::tcp::endpoint at(boost::asio::ip::address_v4::loopback(), listener.port);
  std::array<char, 16> buffer{};
  std::string received;
  boost::system::error_code connect_ec = boost::asio::error::would_block;
  boost::system::error_code sent_ec = boost::asio::error::would_block;
  boost::system::error_code end_ec;
  boost::system::error_code second_read_ec;
  const std::string ping = "ping";

  std::function<void()> limit_cancel;
  std::function<void()> read_more;
  read_more = [&] {
    socket.async_read_some(
        boost::asio::buffer(buffer), [&](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            end_ec = ec;
            // The second connection: a read that waits, then a close under it.
            socket.async_connect(at, [&](const boost::system::error_code& again) {
              REQUIRE_FALSE(again);
              socket.async_read_some(boost::asio::buffer(buffer),
                                     [&](const boost::system::error_code& read_ec, std::size_t) {
                                       second_read_ec = read_ec;
                                       limit_cancel();
                                     });
              socket.close();
            });
            return;
          }
          received.append(buffer.data(), n);
          read_more();
        });
  };
  socket.async_connect(at, [&](const boost::system::error_code& ec) {
    connect_ec = ec;
    if (ec) return;
    socket.async_send(boost::asio::buffer(ping), [&](const boost::system::error_code& ec2, std::size_t n) {
      sent_ec = ec2;
      CHECK(n == 4);
    });
    read_more();
  });
  // Bounded: a completion that never comes fails the test instead of hanging it.
  bool timed_out = false;
  boost::asio::steady_timer limit(context, std::chrono::seconds(5));
  // The last handler ends the run: the limit's cancelled wait then releases the io_context.
  limit_cancel = [&] {
    limit.cancel();
    work.reset();
    loop.wake();  // Asio runs the cancelled wait's handler when the loop next polls it
  };
  limit.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    socket.close();
    work.reset();
  });
  loop.run(context);
  peer.join();
  CHECK_FALSE(timed_out);
  CHECK_FALSE(connect_ec);
  CHECK_FALSE(sent_ec);
  CHECK(received == "pong");
  CHECK(end_ec == boost::asio::error::eof);
  CHECK(second_read_ec == boost::asio::error::operation_aborted);
  CHECK_FALSE(socket.is_open());
}
