// One libpq connection opened without blocking: PQconnectStartParams, then PQconnectPoll each
// time Asio reports the socket ready for what libpq asked (libpq may switch sockets while it
// tries a host's addresses). The socket is lent to Asio for readiness waits and never closed by
// it: PQfinish closes it. Pipes (queries) and listeners (LISTEN) both connect this way.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <string_view>

struct pg_conn;

namespace surge {

struct PgShared;

class PgConnection {
 public:
  // Called once per connect(): an empty message means connected, else why it failed.
  using Done = std::function<void(std::string_view error)>;

  explicit PgConnection(boost::asio::io_context& context);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  void connect(const PgShared& shared, Done done);
  // Drops the connection; handlers of the attempt in progress do nothing.
  void close() noexcept;
  [[nodiscard]] pg_conn* get() const noexcept { return conn_.get(); }
  [[nodiscard]] boost::asio::posix::stream_descriptor& socket() noexcept { return socket_; }
  // libpq's last message, on one line.
  [[nodiscard]] std::string error_message() const;

 private:
  struct ConnCloser {
    void operator()(pg_conn* conn) const noexcept;
  };
  void poll(int status);
  void finish(std::string_view error);

  std::unique_ptr<pg_conn, ConnCloser> conn_;
  boost::asio::posix::stream_descriptor socket_;
  Done done_;
  std::uint64_t attempt_ = 0;
};

}  // namespace surge
